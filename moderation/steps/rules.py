"""Per-pair rules (moderation/rules.py) as a step: length, refusals, boilerplate, repetition,
truncation, language, PII."""

from __future__ import annotations

from moderation.rules import apply_rules
from moderation.steps.base import Context, Item, PairStep
from moderation.steps.registry import register
from moderation.verdict import Verdict


@register
class Rules(PairStep):
    name = "rules"
    order = 10
    section = "rules"

    def check(self, item: Item, ctx: Context) -> Verdict | None:
        return apply_rules(item.pair, ctx.config.rules)
