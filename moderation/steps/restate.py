"""Answers that only say the question back ("Can X do Y?" -> "Yes, X can do Y."): ROUGE-L
with the question at or above the threshold, and few words the question lacks. An answer whose few
new words hold a fact the question lacks (a code name, a value, a proper name: "What is the name of
the JSON decoder?" -> "The name of the JSON decoder is `r.json()`.") answers it and is not a restatement."""

from __future__ import annotations

from moderation.steps.base import Context, Item, PairStep
from moderation.steps.registry import register
from moderation.steps.supported import answer_facts
from moderation.verdict import Verdict
from pairsmith.core.textmetrics import rouge_l, rouge_tokens, said_in

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
        if (score >= cfg.restate_threshold and new_share <= cfg.restate_new_words
                and not new_facts(item.prompt, item.pair.output)):
            return Verdict(self.name, "answer_restates_question",
                           evidence={"score": score, "new_words": round(new_share, 2)})
        return None


def new_facts(question: str, answer: str) -> list[str]:
    """The answer's checkable facts (code, identifiers, numbers, quoted strings, proper names) that
    the question does not say."""
    return [fact for fact in answer_facts(answer) if not said_in(fact, question)]
