"""Extractors: one per document type, each turning text into a list of `Block`s. Each module
registers its reader (`alpaca_gen/extract/registry.py`); the tables below are built from them."""

from __future__ import annotations

from alpaca_gen.extract.registry import Converter, Extractor, Reader, all_readers

READERS: dict[str, Reader] = all_readers()

EXTRACTORS: dict[str, Extractor] = {kind: r.read for kind, r in READERS.items() if not r.converts}

# Binary formats: converted to Markdown first (their line numbers are those of the conversion, so
# pairs made from them carry their chunk's text in `source.text`).
CONVERTED: dict[str, Converter] = {kind: r.read for kind, r in READERS.items() if r.converts}

SUFFIX_KINDS: dict[str, str] = {suffix: kind for kind, r in READERS.items() for suffix in r.suffixes}

# Suffixes whose pairs carry their chunk's text (line numbers that are not the file's).
CARRIES_TEXT: tuple[str, ...] = tuple(s for r in READERS.values() if r.carries_text for s in r.suffixes)

# Files without a suffix that projects conventionally write in Markdown.
BARE_NAMES = {"readme", "changelog", "contributing", "authors", "history"}


def kind_for(name: str, suffix: str) -> str | None:
    """The document kind for a file name, or None when we do not read that type."""
    if suffix.lower() in SUFFIX_KINDS:
        return SUFFIX_KINDS[suffix.lower()]
    if not suffix and name.lower() in BARE_NAMES:
        return "markdown"
    return None


__all__ = ["CARRIES_TEXT", "CONVERTED", "EXTRACTORS", "Extractor", "READERS", "SUFFIX_KINDS", "kind_for"]
