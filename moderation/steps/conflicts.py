"""The conflict check of the duplicate steps: a duplicate question whose answer disagrees
with the kept one's is not dropped; both go to review, pointing at each other."""

from __future__ import annotations

import re

from moderation.steps.base import Context, Item
from pairsmith.core.words import load_words
from moderation.verdict import Verdict
from pairsmith.core.textmetrics import normalise, rouge_l_text


_NAME = re.compile(r"`([^`]+)`|(?<![\w`])((?:--?)?[A-Za-z_][\w.-]*[\d_./-][\w./-]*|--?[a-z][\w-]*)")


def names(text: str) -> frozenset[str]:
    """The identifiers a question names: code spans, options, and words with digits, dots,
    dashes or underscores (`--out`, smollm2-135m, `train`, config.yaml)."""
    return frozenset((m.group(1) or m.group(2)).lower() for m in _NAME.finditer(text))


_STOP = load_words("en")["stop"]


def asks_about_different_things(a: str, b: str, max_words: int = 12) -> bool:
    """Two short questions that each name something the other does not ("the output of X" and
    "the command of X"): alike in most words, yet different questions. Paraphrases ("How do I
    install X?" / "How can I install X?") differ in stop words only; the semantic step sees those."""
    words_a = {w for w in re.findall(r"[a-z0-9][\w-]*", a.lower()) if w not in _STOP}
    words_b = {w for w in re.findall(r"[a-z0-9][\w-]*", b.lower()) if w not in _STOP}
    if len(a.split()) > max_words or len(b.split()) > max_words:
        return False
    return bool(words_a - words_b) and bool(words_b - words_a)


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
            return False  # "the `generate` stage" / "the `train` stage": alike in words, different questions
        if self.step == "near_duplicate" and asks_about_different_things(item.prompt, kept.prompt):
            return False  # word overlap alone: the semantic step judges paraphrases by meaning
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
