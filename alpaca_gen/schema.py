"""JSON schemas that constrain replies: a list of pairs, or one string field."""

from __future__ import annotations

from typing import Any

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


def evidenced_pairs_schema(n: int) -> dict[str, Any]:
    """{"pairs": [pair + evidence, ...]}: at most n pairs, none when the section has nothing to ask."""
    return {
        "type": "object",
        "properties": {"pairs": {"type": "array", "items": EVIDENCED_PAIR_SCHEMA, "minItems": 0,
                                 "maxItems": max(1, n)}},
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


# A question: opens with a question word, one line, ends with "?" and stays short, so a small
# model can neither copy a sentence of the passage nor ramble or loop inside it.
QUESTION_WORDS = ("What", "How", "Why", "When", "Where", "Which", "Who", "Can", "Does", "Do", "Is",
                  "Are", "Should", "Will")
QUESTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"question": {"type": "string", "pattern": "^(" + "|".join(QUESTION_WORDS) + ") [^\\n?]{8,110}\\?$"}},
    "required": ["question"],
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
