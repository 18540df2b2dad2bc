"""Near duplicates of the prompt: MinHash/LSH on word shingles (Jaccard), or Alpaca's
ROUGE-L > 0.7 rule with identical results (`method: rouge`)."""

from __future__ import annotations

from moderation.minhash import lower_threshold, sequential_minhash_filter
from moderation.rouge import sequential_rouge_filter
from moderation.steps.base import Context, Item, Step, alive, best_first
from moderation.steps.registry import register
from moderation.steps.conflicts import ConflictCheck
from moderation.verdict import Verdict


@register
class NearDuplicates(Step):
    name = "near_duplicate"
    order = 110
    section = "near"

    def run(self, items: list[Item], ctx: Context) -> None:
        cfg = ctx.config.near
        survivors = best_first(alive(items))
        by_index = {i.index: i for i in survivors}
        check = ConflictCheck(by_index, ctx, self.name)
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
            neighbours = ctx.engine.band_neighbours(ordered, lower_threshold(cfg.threshold, cfg.review_band),
                                                    cfg.num_perm, cfg.shingle)
            local_dropped, local_review = sequential_minhash_filter(
                ordered, cfg.threshold, None, cfg.num_perm, cfg.shingle, cfg.review_band, on_dup=veto,
                neighbours=neighbours)
            rule = "minhash_jaccard"
        dropped = {order[a]: (order[b], score) for a, (b, score) in local_dropped.items()}
        review = {order[a]: (order[b], score) for a, (b, score) in local_review.items()}
        for index, (other, score) in dropped.items():
            by_index[index].mark(Verdict(self.name, rule, evidence={"duplicate_of": by_index[other].pair.id, "score": score}))
        for index, (other, score) in review.items():
            by_index[index].mark(Verdict(self.name, rule, decision="review",
                                         evidence={"duplicate_of": by_index[other].pair.id, "score": score}))
