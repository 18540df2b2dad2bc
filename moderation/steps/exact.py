"""Exact duplicates: the same prompt and output after normalisation; the better pair stays."""

from __future__ import annotations

from moderation.steps.base import Context, Item, Step, alive, best_first
from moderation.verdict import Verdict
from pairsmith.textmetrics import normalise


class ExactDuplicates(Step):
    name = "exact_duplicate"
    section = "exact"

    def run(self, items: list[Item], ctx: Context) -> None:
        kept: dict[str, Item] = {}
        for item in best_first(alive(items)):
            key = normalise(item.prompt) + "\x1f" + normalise(item.pair.output)
            if key in kept:
                item.mark(Verdict(self.name, "normalised_text", evidence={"duplicate_of": kept[key].pair.id,
                                                                          "score": 1.0}))
            else:
                kept[key] = item
