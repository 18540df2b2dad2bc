"""Words of the prompt that made a pair, copied into the pair: "How do I run a worker in Textual, as a
user of Textual would ask it?" A small teacher echoes its instructions; the words are the template's
own, so the check reads the bundled template the pair records (`generator.template`; its current
version), with the run's project put in its place, and never a list of phrases. A run of the prompt
with one inner word left out ("as a user Textual would ask", for "as a user of Textual would ask")
is an echo too."""

from __future__ import annotations

import re
from functools import lru_cache

from pairsmith.core.errors import ConfigError
from pairsmith.core.templates import load_template
from pairsmith.core.textmetrics import word_tokens

ECHO_WORDS = 6  # words in a row of the prompt's own text: fewer are common English ("a user of X might")
_BREAK = re.compile(r"[\n\"“”,;:()\[\]{}.!?]")  # a clause ends a run: a list in the prompt is no phrase of it


def _runs(words: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]


def _clause_grams(text: str, n: int) -> set[tuple[str, ...]]:
    """Every run of n words inside one clause of the text."""
    return {gram for clause in _BREAK.split(text) for gram in _runs(word_tokens(clause), n)}


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
        body = template.render(**{**{field: "\n" for field in template.fields}, "project": project})
        grams |= _clause_grams(template.system, n) | _clause_grams(body, n)
    return frozenset(grams)


def prompt_echo(text: str, generator: dict | None, source: str | None, n: int = ECHO_WORDS) -> str | None:
    """The first n words in a row of `text` that are the prompt's own words and not the source's, or None."""
    template_id = str((generator or {}).get("template") or "")
    if not template_id:
        return None
    project = str(((generator or {}).get("params") or {}).get("project") or "")
    grams = prompt_grams(template_id, project, n)
    echoed = [gram for clause in _BREAK.split(text) for gram in _runs(word_tokens(clause), n) if gram in grams]
    if not echoed:  # the prompt's run with one inner word left out: "as a user Lumen would ask" for "of"
        short = _one_word_out(grams)
        echoed = [gram for clause in _BREAK.split(text) for gram in _runs(word_tokens(clause), n - 1) if gram in short]
    if not echoed:
        return None
    said = _clause_grams(source or "", len(echoed[0]))  # read only when the text holds some of the prompt's words
    return next((" ".join(gram) for gram in echoed if gram not in said), None)


@lru_cache(maxsize=32)
def _one_word_out(grams: frozenset[tuple[str, ...]]) -> frozenset[tuple[str, ...]]:
    """Each run with one of its inner words (not the first or last) left out."""
    return frozenset(gram[:i] + gram[i + 1:] for gram in grams for i in range(1, len(gram) - 1))
