"""Answers that only say the question back ("Can X do Y?" -> "Yes, X can do Y."): ROUGE-L
with the question at or above the threshold, and few words the question lacks. An answer whose few
new words hold a fact the question lacks (a code name, a value, a proper name: "What is the name of
the JSON decoder?" -> "The name of the JSON decoder is `r.json()`.") answers it and is not a restatement.

An answer with no content word and no fact the question lacks, however it is worded, says nothing
either: "What does Jinja render for a list?" -> "When Jinja encounters a list, it renders that list
as a list." Words count as one across plural and verb endings; stop words never count, but a
negation the question lacks does. A yes-no question ("Does X support Y?" -> "X supports Y.") or one
that offers choices ("X or Y?", answered by picking one) is answered by words it already has, and so
is left to the restatement rule above; so is a pair with an input, whose words the answer may quote."""

from __future__ import annotations

import re

from moderation.steps.base import Context, Item, PairStep
from moderation.steps.registry import register
from moderation.steps.supported import answer_facts
from moderation.verdict import Verdict, excerpt
from pairsmith.core.textmetrics import CODE_SPAN, rouge_l, rouge_tokens, said_in, stem_word, word_tokens
from pairsmith.core.words import load_words

_YES_NO = frozenset("yes no not does do can is are it they you i".split())
# "Does X ...?", "Is X required or optional?": questions whose answer may hold no word they lack
_YES_NO_OR_CHOICE = re.compile(r"^\W*(?:is|are|was|were|do|does|did|can|could|should|will|would|has|have|must|may)\b"
                               r"|\b\w+\s+or\s+(?:\w+|`[^`]+`)", re.I)


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
        if (cfg.adds_nothing and not item.pair.input.strip() and not _YES_NO_OR_CHOICE.search(item.pair.instruction)
                and not adds_to(item.pair.instruction, item.pair.output)):
            return Verdict(self.name, "answer_adds_nothing",
                           evidence={"score": score, "excerpt": excerpt(item.pair.output)})
        return None


def new_facts(question: str, answer: str) -> list[str]:
    """The answer's checkable facts (code, identifiers, numbers, quoted strings, proper names) that
    the question does not say."""
    return [fact for fact in answer_facts(answer) if not said_in(fact, question)]


def _word(token: str) -> str:
    return stem_word(re.sub(r"['’]s$", "", token))  # "pluggy's" is "pluggy"


def added_words(question: str, answer: str) -> set[str]:
    """The answer's content words (outside code, stop words left out but negations kept, plural,
    verb and possessive endings stripped) that the question does not have."""
    words = load_words("en")
    asked = {_word(t) for t in word_tokens(question)}
    said = {_word(t) for t in word_tokens(CODE_SPAN.sub(" ", answer))
            if t not in words["stop"] or t in words["negation"]}
    return said - asked


def adds_to(question: str, answer: str) -> bool:
    """Does the answer say anything the question does not: a content word, a fact, or code the
    question names only as a word ("the parameter for cookies" -> `cookies`)?"""
    asked_code = set(CODE_SPAN.findall(question))
    return bool(added_words(question, answer) or new_facts(question, answer)
                or any(code not in asked_code for code in CODE_SPAN.findall(answer)))
