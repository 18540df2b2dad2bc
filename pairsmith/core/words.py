"""Words of a language, as data: one JSON file per language in `pairsmith/core/words_data/`, loaded once.

The checks that read English (stop words, negations, opposing pairs) take their words from here,
so supporting another language is adding a file, and no check hides a list in its code.
The English file holds every list; the others hold their stop words (enough to tell the language).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from pairsmith.core.errors import ConfigError

_FOLDER = Path(__file__).parent / "words_data"


@lru_cache(maxsize=None)
def load_words(language: str = "en") -> dict[str, Any]:
    """A language's words: "stop" (function words), "negation", "opposites" (pairs), "connectives" (a
    question never ends on one), "generic_question_words" (words that fit any question),
    "leaning_openers" (a sentence opening so leans on the one before), "leaning_answer_openers" (phrases
    by which an answer opening leans on a statement the pair never makes: "this means", "to achieve this"),
    "purpose_openers" (those of them that may stand for what a how-question asks: "to do this"), "name_verbs" (verbs that
    take a project's name as their object: "install", "use"), "not_before_name" (words a name that ends
    a question cannot follow: "it", "that", "the"), "question_openers" (words a question starts with),
    "source_reference" (phrases that point at a text the reader does not have), "source_pointers"
    and "source_nouns" (words that do so together: "the given snippet"; "source_verbs" do so before
    "in the (X) <noun>": "mentioned in the X docs"; "source_demonstratives" do so before a noun only:
    "this section"; "source_says" do so after "what (command) does the <noun>": "what does the section say",
    "why does the documentation recommend", and in an answer "the section states";
    "source_topic_parts" do so named by their topic: "the section on performance"; "source_texts" do so
    named by what they are: "what does the code snippet do"), "source_parts" and
    "source_wholes" (a part of the docs: "the install section of the guide"), "docs_work" (words by which
    a question is about the docs themselves, as a thing to build, fix or extend: "a typo in the docs"),
    "asks_what_docs_hold" (patterns of a question about what the docs hold, "is there a changelog in the
    docs?", where "in the docs" is its subject and not a pointer at its source),
    "member_kinds" (plural nouns of things an answer names one by one: "options", "functions"),
    "vague_quantifiers" (words by which an answer speaks of such things without naming them: "a few",
    "several") and "kind_verbs" (verbs that do so straight before the kind: "provides functions"),
    "shown_things" (what an answer may point back at as shown before it: "the example above"),
    "presumed" (what a pair may speak of only when its source does: a default, merits, examples; each
    with its words, the further words of a source that speak of it, and whether the question alone or
    the whole pair is read).
    A key a language's file lacks is empty."""
    path = _FOLDER / f"{language}.json"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in _FOLDER.glob("*.json")))
        raise ConfigError(f"no word lists for language '{language}'; known: {known}")
    raw = json.loads(path.read_text(encoding="utf-8"))
    sets = ("stop", "negation", "connectives", "generic_question_words", "leaning_openers", "name_verbs",
            "not_before_name", "question_openers", "docs_work")
    phrases = ("source_reference", "source_pointers", "source_verbs", "source_nouns", "source_demonstratives",
               "source_says", "source_topic_parts", "source_texts", "source_parts", "source_wholes",
               "asks_what_docs_hold", "leaning_answer_openers", "purpose_openers", "member_kinds",
               "vague_quantifiers", "kind_verbs", "shown_things")
    return {**{key: frozenset(raw.get(key, ())) for key in sets}, **{key: tuple(raw.get(key, ())) for key in phrases},
            "opposites": tuple(tuple(pair) for pair in raw.get("opposites", ())),
            "presumed": {kind: {"words": tuple(spec["words"]), "licensed_by": tuple(spec.get("licensed_by", ())),
                                "in": spec.get("in", "pair")} for kind, spec in raw.get("presumed", {}).items()}}


@lru_cache(maxsize=None)
def stop_words_by_language() -> dict[str, frozenset[str]]:
    """Every language's stop words, for telling the language of a text by the share of them it uses."""
    return {p.stem: load_words(p.stem)["stop"] for p in sorted(_FOLDER.glob("*.json"))}


@lru_cache(maxsize=None)
def common_words(language: str = "en") -> frozenset[str]:
    """A language's most frequent words (`words_data/<language>_common.txt`, one per line; empty
    when the language has none): a project named by one ("build", "black") is also that word."""
    path = _FOLDER / f"{language}_common.txt"
    if not path.is_file():
        return frozenset()
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))
