"""The moderation steps. Each marks verdicts on the items still in play; none deletes one.

Per-pair steps (rules, restated answers) look at one item at a time. Group steps (exact,
near and semantic duplicates) walk the survivors best first, so the member of a group that is
kept is the better one (better grounded, then longer answer), and a duplicate question whose
answer disagrees with the kept one's goes to review with it instead of being dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from alpaca_gen.backends.base import redact_url
from moderation.config import ModerationConfig
from moderation.embed import Embedder
from moderation.grounding import ChunkSource, embedding_support, judge_support
from moderation.minhash import sequential_minhash_filter
from moderation.rouge import rouge_l, rouge_l_text, sequential_rouge_filter
from moderation.rules import apply_rules
from moderation.semantic import neighbours_ann, neighbours_exact, sequential_semantic_filter
from moderation.text import normalise, prompt_text, rouge_tokens
from moderation.verdict import Verdict
from pairsmith.records import Pair


_YES_NO = frozenset("yes no not does do can is are it they you i".split())


@dataclass
class Item:
    """A pair in moderation: its verdicts so far and what the steps learned about it."""

    index: int
    pair: Pair
    verdicts: list[Verdict] = field(default_factory=list)
    approved: bool = False  # a human approved it earlier: no automatic drop or review
    support: float | None = None
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)  # step -> what it measured, kept or not

    @property
    def dropped(self) -> bool:
        return any(v.decision == "drop" for v in self.verdicts)

    @property
    def prompt(self) -> str:
        return prompt_text(self.pair.instruction, self.pair.input)

    def quality(self) -> tuple[float, int, int]:
        """Sort key, best first: human-approved, better grounded, longer answer, earlier."""
        support = self.support if self.support is not None else 0.0
        return (-float(self.approved), -round(support, 3), -min(len(self.pair.output.split()), 400), self.index)

    def mark(self, verdict: Verdict) -> None:
        if self.approved:
            return
        other = verdict.evidence.get("duplicate_of")
        if other and any(v.rule == verdict.rule and v.evidence.get("duplicate_of") == other for v in self.verdicts):
            return  # the same finding from a later step adds nothing
        self.verdicts.append(verdict)


@dataclass
class Context:
    """What steps share: settings, the embedder (lazy), the judge, and data for the report."""

    config: ModerationConfig
    embedder: Embedder | None = None
    judge_url: str | None = None
    judge_key: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)

    def embed(self, texts: list[str]) -> np.ndarray:
        if self.embedder is None:
            self.embedder = Embedder(self.config.embedder, batch_size=self.config.batch_size)
        return self.embedder.embed(texts)


def alive(items: list[Item]) -> list[Item]:
    return [i for i in items if not i.dropped]


def best_first(items: list[Item]) -> list[Item]:
    return sorted(items, key=Item.quality)


def rules_step(items: list[Item], ctx: Context) -> None:
    cfg = ctx.config.rules
    if not cfg.enabled:
        return
    for item in items:
        verdict = apply_rules(item.pair, cfg)
        if verdict is not None:
            item.mark(verdict)


def exact_step(items: list[Item], ctx: Context) -> None:
    if not ctx.config.exact.enabled:
        return
    kept: dict[str, Item] = {}
    for item in best_first(alive(items)):
        key = normalise(item.prompt) + "\x1f" + normalise(item.pair.output)
        if key in kept:
            item.mark(Verdict("exact_duplicate", "normalised_text", evidence={"duplicate_of": kept[key].pair.id,
                                                                            "score": 1.0}))
        else:
            kept[key] = item


def restate_step(items: list[Item], ctx: Context) -> None:
    """Drop answers that only say the question back ("Can X do Y?" -> "Yes, X can do Y."):
    ROUGE-L with the question at or above the threshold, and few words the question lacks."""
    cfg = ctx.config.pairs
    if not cfg.enabled:
        return
    for item in alive(items):
        question, answer = rouge_tokens(item.prompt), rouge_tokens(item.pair.output)
        if not answer:
            continue
        asked = set(question) | _YES_NO
        new_share = sum(t not in asked for t in answer) / len(answer)
        score = rouge_l(question, answer)
        if score >= cfg.restate_threshold and new_share <= cfg.restate_new_words:
            item.mark(Verdict("pair_checks", "answer_restates_question",
                              evidence={"score": score, "new_words": round(new_share, 2)}))


def grounding_step(items: list[Item], ctx: Context) -> None:
    cfg = ctx.config.grounding
    if not cfg.enabled:
        return
    source = ChunkSource(cfg.docs_root)
    grounded = [(item, text) for item in alive(items) if (text := source.text(item.pair))]
    ctx.stats["grounding_checked"] = len(grounded)
    if not grounded:
        return
    if ctx.judge_url:
        judgements = judge_support(ctx.judge_url, cfg.judge_model, ctx.judge_key,
                                   [(item.pair, text) for item, text in grounded])
        ctx.stats["grounding_method"] = f"judge {cfg.judge_model} at {redact_url(ctx.judge_url)}"
        for (item, _), judged in zip(grounded, judgements):
            item.checks["grounding"] = {"judge": cfg.judge_model, **judged}
            if judged["supported"] is None:
                item.mark(Verdict("grounding", "judge_unreadable", decision="review", evidence={"reason": judged["reason"]}))
            else:
                item.support = 1.0 if judged["supported"] else 0.0
                if not judged["supported"]:
                    item.mark(Verdict("grounding", "judge_unsupported", evidence={"reason": judged["reason"]}))
        return
    scores = embedding_support(ctx.embed, [item.pair.output for item, _ in grounded], [text for _, text in grounded])
    ctx.stats["support_scores"] = scores
    ctx.stats["grounding_method"] = f"embeddings ({ctx.config.embedder}), threshold {cfg.threshold}"
    for (item, _), score in zip(grounded, scores):
        item.support = score
        item.checks["grounding"] = {"score": round(score, 4)}
        if score < cfg.threshold - cfg.review_band:
            item.mark(Verdict("grounding", "unsupported_by_chunk", evidence={"score": score}))
        elif score < cfg.threshold:
            item.mark(Verdict("grounding", "weakly_supported", decision="review", evidence={"score": score}))


class _ConflictCheck:
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
        if not self.enabled:
            return True
        item, kept = self.items[index], self.items[kept_index]
        agreement = self.answer_similarity(item, kept)
        if agreement >= self.threshold:
            return True  # same question, same answer: an ordinary duplicate
        for this, other in ((item, kept), (kept, item)):
            this.mark(Verdict("pair_checks", "conflicting_answers", decision="review",
                              evidence={"duplicate_of": other.pair.id, "score": score, "answer_similarity": agreement,
                                        "found_by": self.step}))
        return False


def near_step(items: list[Item], ctx: Context) -> None:
    cfg = ctx.config.near
    if not cfg.enabled:
        return
    survivors = best_first(alive(items))
    by_index = {i.index: i for i in survivors}
    check = _ConflictCheck(by_index, ctx, "near_duplicate")
    texts = {i.index: i.prompt for i in survivors}
    order = [i.index for i in survivors]
    ordered = [texts[i] for i in order]  # positions in best-first order

    def veto(a: int, b: int, score: float) -> bool:
        return check(order[a], order[b], score)

    if cfg.method == "rouge":  # Alpaca's rule, for parity with Alpaca's generator
        local_dropped = sequential_rouge_filter(ordered, cfg.rouge_threshold, on_dup=veto)
        local_review: dict[int, tuple[int, float]] = {}
        rule = "rouge_l"
    else:
        local_dropped, local_review = sequential_minhash_filter(
            ordered, cfg.threshold, None, cfg.num_perm, cfg.shingle, cfg.review_band, on_dup=veto)
        rule = "minhash_jaccard"
    dropped = {order[a]: (order[b], score) for a, (b, score) in local_dropped.items()}
    review = {order[a]: (order[b], score) for a, (b, score) in local_review.items()}
    for index, (other, score) in dropped.items():
        by_index[index].mark(Verdict("near_duplicate", rule, evidence={"duplicate_of": by_index[other].pair.id, "score": score}))
    for index, (other, score) in review.items():
        by_index[index].mark(Verdict("near_duplicate", rule, decision="review",
                                     evidence={"duplicate_of": by_index[other].pair.id, "score": score}))


def semantic_step(items: list[Item], ctx: Context) -> None:
    cfg = ctx.config.semantic
    if not cfg.enabled:
        return
    survivors = best_first(alive(items))
    if len(survivors) < 2:
        return
    vectors = ctx.embed([i.prompt for i in survivors])
    cutoff = cfg.threshold - cfg.review_band
    if len(survivors) >= cfg.ann_min_pairs:
        neighbours, nearest = neighbours_ann(vectors, cutoff, cfg.ann_neighbours)
        ctx.stats["semantic_search"] = "ann (faiss HNSW)"
    else:
        neighbours, nearest = neighbours_exact(vectors, cutoff, cfg.block_size)
        ctx.stats["semantic_search"] = "exact (blockwise)"
    ctx.stats["nearest_similarities"] = nearest.tolist()
    by_position = dict(enumerate(survivors))
    compared = [survivors[p].pair.output for p, found in enumerate(neighbours)
                if any(score >= cfg.threshold for _, score in found)]
    if ctx.config.pairs.enabled and compared:  # the conflict check may compare these: one batch
        ctx.embed(compared)
    check = _ConflictCheck({p: i for p, i in by_position.items()}, ctx, "semantic_duplicate")
    dropped, review = sequential_semantic_filter(neighbours, cfg.threshold, cfg.review_band,
                                                 list(range(len(survivors))), on_dup=check)
    for position, (other, score) in dropped.items():
        by_position[position].mark(Verdict("semantic_duplicate", "cosine",
                                           evidence={"duplicate_of": by_position[other].pair.id, "score": score}))
    for position, (other, score) in review.items():
        by_position[position].mark(Verdict("semantic_duplicate", "cosine", decision="review",
                                           evidence={"duplicate_of": by_position[other].pair.id, "score": score}))


STEPS = [rules_step, exact_step, restate_step, grounding_step, near_step, semantic_step]
