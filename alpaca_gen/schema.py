"""JSON schemas that constrain replies: a list of pairs, or one string field."""

from __future__ import annotations

import re
from typing import Any

from pairsmith.core.reply_schemas import NAME_WITHIN


PAIR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "instruction": {"type": "string"},
        "input": {"type": "string"},
        "output": {"type": "string"},
    },
    "required": ["instruction", "input", "output"],
    "additionalProperties": False,
}


# The evidence comes first: the model picks the words of the section, then asks about them and
# answers from them (the order of the properties is the order a grammar-constrained reply takes).
EVIDENCED_PAIR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"evidence": {"type": "string"}, **PAIR_SCHEMA["properties"]},
    "required": ["evidence", "instruction", "input", "output"],
    "additionalProperties": False,
}


# A character of an instruction inside a JSON string that needs no escape, other than '?': a grammar built from a
# pattern matches the raw JSON text, so quotes, backslashes and newlines stay out of the pattern.
_PLAIN_CHAR = r'[^"\\\n?]'


# Bounds in characters: a model that would rather not name the project cannot ramble on for its
# whole token budget waiting to; it names it within the first sentence's length.
_BEFORE_NAME, _AFTER_NAME = NAME_WITHIN, 80


def naming_pattern(name: str) -> str:
    """A regex for one line that names `name` (as written, lower case or capitalised) before its only
    question mark, at the end: a grammar constrained by it makes a model name the project inside the
    question it is writing, not in a second question tacked on after it."""
    spellings = dict.fromkeys(s for s in (name, name.lower(), name[:1].upper() + name[1:]) if s)
    alternatives = "|".join(re.escape(s) for s in spellings)
    before = f"({_PLAIN_CHAR}{{0,{_BEFORE_NAME}}}[ `(])?"  # the name starts the line or follows a space, ` or (
    after = f"([^A-Za-z0-9\"\\\\\\n?]{_PLAIN_CHAR}{{0,{_AFTER_NAME}}})?"  # and ends a word: no "apairsmith"
    return f"^{before}({alternatives}){after}\\??$"


def evidenced_pairs_schema(n: int, must_name: str | None = None) -> dict[str, Any]:
    """{"pairs": [pair + evidence, ...]}: at most n pairs, none when the section has nothing to ask;
    with `must_name`, every instruction names it (the project the pairs are about)."""
    item = EVIDENCED_PAIR_SCHEMA
    if must_name and must_name.strip():
        instruction = {"type": "string", "pattern": naming_pattern(must_name.strip())}
        item = {**item, "properties": {**item["properties"], "instruction": instruction}}
    return {
        "type": "object",
        "properties": {"pairs": {"type": "array", "items": item, "minItems": 0, "maxItems": max(1, n)}},
        "required": ["pairs"],
        "additionalProperties": False,
    }


def pairs_schema(n: int) -> dict[str, Any]:
    """{"pairs": [pair, ...]} with at most n pairs."""
    return {
        "type": "object",
        "properties": {"pairs": {"type": "array", "items": PAIR_SCHEMA, "minItems": 1, "maxItems": max(1, n)}},
        "required": ["pairs"],
        "additionalProperties": False,
    }


def field_schema(name: str, max_length: int) -> dict[str, Any]:
    """{name: "..."}: one short string, for the small-model steps."""
    return {
        "type": "object",
        "properties": {name: {"type": "string", "minLength": 1, "maxLength": max_length}},
        "required": [name],
        "additionalProperties": False,
    }


def choice_schema(name: str, choices: list[str]) -> dict[str, Any]:
    """{name: one of choices}: an answer that can only be one of the given spans."""
    return {
        "type": "object",
        "properties": {name: {"type": "string", "enum": list(choices)}},
        "required": [name],
        "additionalProperties": False,
    }
