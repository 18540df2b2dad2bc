"""Semantic duplicates: cosine of sentence embeddings of the prompt, blockwise (memory
linear in n), or through a faiss HNSW index for very large sets."""

from __future__ import annotations

from moderation.semantic import neighbours_ann, neighbours_exact, sequential_semantic_filter
from moderation.steps.base import Context, Item, Step, alive, best_first
from moderation.steps.registry import register
from moderation.steps.conflicts import ConflictCheck
from moderation.verdict import Verdict


@register
class SemanticDuplicates(Step):
    name = "semantic_duplicate"
    order = 120
    section = "semantic"

    def run(self, items: list[Item], ctx: Context) -> None:
        cfg = ctx.config.semantic
        survivors = best_first(alive(items))
        if len(survivors) < 2:
            return
        vectors = ctx.embed([i.prompt for i in survivors])
        cutoff = cfg.threshold - cfg.review_band
        if len(survivors) >= cfg.ann_min_pairs:
            neighbours, nearest = neighbours_ann(vectors, cutoff, cfg.ann_neighbours)
            ctx.stats["semantic_search"] = "ann (faiss HNSW)"
        else:
            neighbours, nearest = neighbours_exact(vectors, cutoff, cfg.block_size, ctx.engine.blockwise)
            ctx.stats["semantic_search"] = "exact (blockwise)"
        ctx.stats["nearest_similarities"] = nearest.tolist()
        by_position = dict(enumerate(survivors))
        compared = [survivors[p].pair.output for p, found in enumerate(neighbours)
                    if any(score >= cfg.threshold for _, score in found)]
        if ctx.config.pairs.enabled and compared:  # the conflict check may compare these: one batch
            ctx.embed(compared)
        check = ConflictCheck({p: i for p, i in by_position.items()}, ctx, self.name)
        dropped, review = sequential_semantic_filter(neighbours, cfg.threshold, cfg.review_band,
                                                     list(range(len(survivors))), on_dup=check)
        for position, (other, score) in dropped.items():
            by_position[position].mark(Verdict(self.name, "cosine",
                                               evidence={"duplicate_of": by_position[other].pair.id, "score": score}))
        for position, (other, score) in review.items():
            by_position[position].mark(Verdict(self.name, "cosine", decision="review",
                                               evidence={"duplicate_of": by_position[other].pair.id, "score": score}))
