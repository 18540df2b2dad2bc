"""Words of the prompt that made a pair, copied into the pair: "How do I run a worker in Textual, as a
user of Textual would ask it?" A small teacher echoes its instructions; the words are the template's
own, so the check reads the bundled template the pair records (`generator.template`; its current
version), with the run's project put in its place, and never a list of phrases."""

from __future__ import annotations

import re
from functools import lru_cache

from pairsmith.core.errors import ConfigError
from pairsmith.core.templates import load_template

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_FIELD = re.compile(r"\{\{|\}\}|\{(\w+)\}")
ECHO_WORDS = 6  # words in a row of the prompt's own text: fewer are common English ("a user of X might")
_BREAK = re.compile(r"[\n\"“”,;:()\[\]{}.!?]")  # a clause ends a run: a list in the prompt is no phrase of it


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _grams(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


@lru_cache(maxsize=32)
def prompt_grams(template_id: str, project: str, n: int = ECHO_WORDS) -> frozenset[tuple[str, ...]]:
    """Every run of n words in the template's system and user text, the project filled in; other
    placeholders break a run (what fills them is the document's). Empty for an unknown template."""
    grams: set[tuple[str, ...]] = set()
    for one in template_id.split("+"):  # a strategy of two prompts records both: "question@2+answer@1"
        try:
            template = load_template(one.split("@", 1)[0])
        except (ConfigError, OSError, ValueError):
            continue
        for text in (template.system, template.body):
            filled = _FIELD.sub(lambda m: project if m.group(1) == "project" else ("\n" if m.group(1) else " "), text)
            grams |= _clause_grams(filled, n)
    return frozenset(grams)


def _clause_grams(text: str, n: int) -> set[tuple[str, ...]]:
    return {gram for clause in _BREAK.split(text) for gram in _grams(_words(clause), n)}


def prompt_echo(text: str, generator: dict | None, source: str | None, n: int = ECHO_WORDS) -> str | None:
    """The first n words in a row of `text` that are the prompt's own words and not the source's, or None."""
    template_id = str((generator or {}).get("template") or "")
    if not template_id:
        return None
    project = str(((generator or {}).get("params") or {}).get("project") or "")
    grams = prompt_grams(template_id, project, n)
    if not grams:
        return None
    said = _clause_grams(source or "", n)
    for clause in _BREAK.split(text):
        words = _words(clause)
        for i in range(len(words) - n + 1):
            gram = tuple(words[i:i + n])
            if gram in grams and gram not in said:
                return " ".join(gram)
    return None
