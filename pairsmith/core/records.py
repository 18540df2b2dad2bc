"""The record that flows through every stage: an Alpaca pair plus optional metadata.

The Alpaca keys (instruction, input, output) stay at the top level so any Alpaca tool reads
our files as they are; provenance, moderation and review live in optional sub-objects.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

ALPACA_KEYS = ("instruction", "input", "output")
META_KEYS = ("source", "generator", "moderation", "review")

_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Collapse whitespace and trim, so ids ignore layout-only differences."""
    return _SPACE.sub(" ", text).strip()


def content_hash(*parts: str, length: int = 16) -> str:
    """A short, stable hex digest of some text parts (a separator keeps parts distinct)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


def as_text(value: Any, key: str) -> str:
    """A record's text field as a string: null is empty and numbers are text, but an object,
    list or boolean is refused (ValueError naming the key) rather than stored as its repr."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    kind = {dict: "an object", list: "a list", bool: "a boolean"}.get(type(value), type(value).__name__)
    raise ValueError(f"'{key}' holds {kind}, expected text")


def make_pair_id(instruction: str, input: str, output: str, source_path: str = "") -> str:
    """Stable id: the same content from the same source gives the same id on every run."""
    return "p_" + content_hash(
        normalise(instruction), normalise(input), normalise(output), source_path
    )


@dataclass
class Pair:
    """One instruction / input / output example with its provenance and decisions."""

    instruction: str
    output: str
    input: str = ""
    id: str = ""
    source: dict[str, Any] | None = None
    generator: dict[str, Any] | None = None
    moderation: dict[str, Any] | None = None
    review: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.instruction = "" if self.instruction is None else str(self.instruction)
        self.input = "" if self.input is None else str(self.input)
        self.output = "" if self.output is None else str(self.output)
        if not self.id:
            path = (self.source or {}).get("path", "")
            self.id = make_pair_id(self.instruction, self.input, self.output, path)

    @property
    def project(self) -> str | None:
        """The project the pair's docs describe, as generation recorded it (`generator.params.project`)."""
        name = ((self.generator or {}).get("params") or {}).get("project")
        return name.strip() if isinstance(name, str) and name.strip() else None

    def to_dict(self) -> dict[str, Any]:
        """The JSON record: id and Alpaca keys first, then metadata that is set, then extras."""
        record: dict[str, Any] = {"id": self.id}
        record.update({k: getattr(self, k) for k in ALPACA_KEYS})
        for key in META_KEYS:
            value = getattr(self, key)
            if value:
                record[key] = value
        for key, value in self.extra.items():
            record.setdefault(key, value)
        return record

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> Pair:
        """Build a Pair from a record with Alpaca keys; unknown keys are kept in `extra`.

        A text field holding anything but a string, a number or null is a ValueError (see `as_text`).
        """
        known = {"id", *ALPACA_KEYS, *META_KEYS}
        return cls(
            instruction=as_text(record.get("instruction"), "instruction"),
            input=as_text(record.get("input"), "input"),
            output=as_text(record.get("output"), "output"),
            id=as_text(record.get("id"), "id"),
            source=record.get("source"),
            generator=record.get("generator"),
            moderation=record.get("moderation"),
            review=record.get("review"),
            extra={k: v for k, v in record.items() if k not in known},
        )
