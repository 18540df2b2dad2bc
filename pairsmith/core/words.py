"""Words of a language, as data: one JSON file per language in `pairsmith/core/words_data/`, loaded once.

The checks that read English (stop words, negations, opposing pairs) take their words from here,
so supporting another language is adding a file, and no check hides a list in its code.
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
    """{"stop": frozenset, "negation": frozenset, "opposites": tuple of (a, b), "source_reference":
    phrases that point at a text the reader does not have, "source_pointers" and "source_nouns": the
    words that do so together ("the given snippet", "the example provided")} for a language."""
    path = _FOLDER / f"{language}.json"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in _FOLDER.glob("*.json")))
        raise ConfigError(f"no word lists for language '{language}'; known: {known}")
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {"stop": frozenset(raw["stop"]), "negation": frozenset(raw["negation"]),
            "opposites": tuple(tuple(pair) for pair in raw["opposites"]),
            "source_reference": tuple(raw.get("source_reference", ())),
            "source_pointers": tuple(raw.get("source_pointers", ())), "source_nouns": tuple(raw.get("source_nouns", ()))}
