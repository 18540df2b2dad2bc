"""What reads as a name in technical prose: the identifier shapes that generation's schema,
moderation's question checks and its fact checks all look for, written once."""

from __future__ import annotations

import re

# Each pattern finds one shape of identifier in plain text (code spans are read separately).
IDENTIFIER_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\b[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?:\(\))?"),  # dotted.names, file.py, a.b()
    re.compile(r"\b[a-z]+_\w+\b|\b_\w+\b"),  # snake_case, _private
    re.compile(r"\b[a-z]+[A-Z]\w*\b|\b[A-Z][a-z0-9]+[A-Z]\w*\b"),  # camelCase, CamelCase
    re.compile(r"\b(?=[A-Za-z-]*\d)(?=[\w-]*[A-Za-z])[\w-]+\b"),  # words with digits: utf-8, v2, gpt-4
)
OPTION = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*")  # --options, -v
ACRONYM = re.compile(r"\b[A-Z]{2,}[A-Z0-9]*s?\b")  # ACRONYMS, HTTP2
VERSION = re.compile(r"(?<![\w.])\d+\.\d+(?:\.\d+)*(?![\w.])")  # version numbers: 2.7, 1.1.0


def identifiers(text: str, *extra: re.Pattern[str]) -> list[str]:
    """Every identifier-shaped word of `text`, in the order the patterns find them, each once."""
    found: list[str] = []
    for pattern in (*IDENTIFIER_PATTERNS, *extra):
        found += pattern.findall(text)
    return list(dict.fromkeys(found))
