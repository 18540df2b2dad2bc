"""Answers that only say the question back ("Can X do Y?" -> "Yes, X can do Y."): ROUGE-L
with the question at or above the threshold, and few words the question lacks."""

from __future__ import annotations

from moderation.steps.base import Context, Item, PairStep
from moderation.steps.registry import register
from moderation.verdict import Verdict
from pairsmith.core.textmetrics import rouge_l, rouge_tokens

_YES_NO = frozenset("yes no not does do can is are it they you i".split())


@register
class RestatedAnswers(PairStep):
    name = "pair_checks"
    order = 70
    section = "pairs"

    def check(self, item: Item, ctx: Context) -> Verdict | None:
        cfg = ctx.config.pairs
        question, answer = rouge_tokens(item.prompt), rouge_tokens(item.pair.output)
        if not answer:
            return None
        asked = set(question) | _YES_NO
        new_share = sum(t not in asked for t in answer) / len(answer)
        score = rouge_l(question, answer)
        if score >= cfg.restate_threshold and new_share <= cfg.restate_new_words:
            return Verdict(self.name, "answer_restates_question",
                           evidence={"score": score, "new_words": round(new_share, 2)})
        return None
