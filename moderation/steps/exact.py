"""Exact duplicates: the same prompt and output after normalisation; the better pair stays."""

from __future__ import annotations

from moderation.steps.base import Context, Item, Step, alive, best_first
from moderation.steps.registry import register
from moderation.verdict import Verdict
from pairsmith.core.textmetrics import normalise


@register
class ExactDuplicates(Step):
    name = "exact_duplicate"
    order = 60
    section = "exact"

    def run(self, items: list[Item], ctx: Context) -> None:
        ranked = best_first(alive(items))
        by_index = {item.index: item for item in ranked}
        keys = {item.index: normalise(item.prompt) + "\x1f" + normalise(item.pair.output) for item in ranked}
        rank = {item.index: position for position, item in enumerate(ranked)}
        for index, kept in sorted(ctx.engine.first_of_groups(keys, rank).items(), key=lambda kv: rank[kv[0]]):
            by_index[index].mark(Verdict(self.name, "normalised_text",
                                         evidence={"duplicate_of": by_index[kept].pair.id, "score": 1.0}))
