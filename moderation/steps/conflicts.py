"""The conflict check of the duplicate steps: a duplicate question whose answer disagrees
with the kept one's is not dropped; both go to review, pointing at each other."""

from __future__ import annotations

import re

from moderation.steps.base import Context, Item
from moderation.verdict import Verdict
from pairsmith.textmetrics import normalise, rouge_l_text


_NAME = re.compile(r"`([^`]+)`|(?<![\w`])((?:--?)?[A-Za-z_][\w.-]*[\d_./-][\w./-]*|--?[a-z][\w-]*)")


def names(text: str) -> frozenset[str]:
    """The identifiers a question names: code spans, options, and words with digits, dots,
    dashes or underscores (`--out`, smollm2-135m, `train`, config.yaml)."""
    return frozenset((m.group(1) or m.group(2)).lower() for m in _NAME.finditer(text))


class ConflictCheck:
    """Vetoes a duplicate drop when the two answers disagree, sending both to review."""

    def __init__(self, items: dict[int, Item], ctx: Context, step: str) -> None:
        self.items, self.ctx, self.step = items, ctx, step
        self.threshold = ctx.config.pairs.conflict_threshold
        self.enabled = ctx.config.pairs.enabled

    def answer_similarity(self, a: Item, b: Item) -> float:
        if normalise(a.pair.output) == normalise(b.pair.output):
            return 1.0
        lexical = rouge_l_text(a.pair.output, b.pair.output)
        if lexical >= self.threshold or not self.ctx.config.semantic.enabled:
            return lexical  # clearly the same answer, or embeddings are off: token overlap decides
        vectors = self.ctx.embed([a.pair.output, b.pair.output])  # paraphrases can still agree
        return max(lexical, float(vectors[0] @ vectors[1]))

    def __call__(self, index: int, kept_index: int, score: float) -> bool:
        item, kept = self.items[index], self.items[kept_index]
        if names(item.prompt) != names(kept.prompt):
            return False  # "the `generate` stage" and "the `train` stage": alike in words, different questions
        if not self.enabled:
            return True
        agreement = self.answer_similarity(item, kept)
        if agreement >= self.threshold:
            return True  # same question, same answer: an ordinary duplicate
        for this, other in ((item, kept), (kept, item)):
            this.mark(Verdict("pair_checks", "conflicting_answers", decision="review",
                              evidence={"duplicate_of": other.pair.id, "score": score, "answer_similarity": agreement,
                                        "found_by": self.step}))
        return False
