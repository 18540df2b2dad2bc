"""Tolerant parsing of model replies into pairs.

Accepts a JSON array or an object holding the pairs, keys instruction/input/output or
question/answer (and a few synonyms), inside a ```json fence or not, after a <think> block or
not, with prose around it or not. A reply cut off mid-JSON keeps every complete pair before
the cut. Alpaca's numbered `1. Instruction: / 1. Input: / 1. Output:` format is read too.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pairsmith.core.backends.base import strip_think

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)(?:```|$)", re.S)
_INSTRUCTION_KEYS = ("instruction", "question", "prompt", "task", "query")
_OUTPUT_KEYS = ("output", "answer", "response", "completion")
_INPUT_KEYS = ("input", "context")
_EVIDENCE_KEYS = ("evidence", "quote", "source_sentence")
_ALPACA_ITEM = re.compile(
    r"\d+\s*\.\s*Instruction:\s*(?P<instruction>.*?)\s*\d+\s*\.\s*Input:\s*(?P<input>.*?)"
    r"\s*\d+\s*\.\s*Output:\s*(?P<output>.*?)\s*(?=###|\n\s*\d+\s*\.\s*Instruction:|$)",
    re.S,
)


def _pick(obj: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    lowered = {str(k).lower(): v for k, v in obj.items()}
    for key in keys:
        value = lowered.get(key)
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
    return None


def as_pair(obj: Any) -> dict[str, str] | None:
    """A normalised {instruction, input, output} from an object with any known key names."""
    if not isinstance(obj, dict):
        return None
    instruction, output = _pick(obj, _INSTRUCTION_KEYS), _pick(obj, _OUTPUT_KEYS)
    if instruction is None or output is None:
        return None
    pair = {"instruction": instruction.strip(), "input": (_pick(obj, _INPUT_KEYS) or "").strip(),
            "output": output.strip()}
    evidence = _pick(obj, _EVIDENCE_KEYS)
    if evidence and evidence.strip():
        pair["evidence"] = evidence.strip()
    return pair


def _matching_brace(text: str, start: int) -> int:
    """Index of the `}` closing the `{` at `start`, or -1 when the text ends first."""
    depth, in_string, escaped = 0, False, False
    for index in range(start, len(text)):
        char = text[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
    return -1


def complete_objects(text: str) -> list[dict[str, Any]]:
    """Every complete JSON object in `text` that is a pair, outermost first, in order.

    Containers ({"pairs": [...]}) are descended into, so a truncated container still yields
    the complete pairs inside it.
    """
    found: list[dict[str, Any]] = []
    index = text.find("{")
    while index >= 0:
        end = _matching_brace(text, index)
        if end > 0:
            try:
                obj = json.loads(text[index : end + 1])
            except json.JSONDecodeError:
                obj = None
            if as_pair(obj) is not None:
                found.append(obj)
                index = text.find("{", end + 1)
                continue
        index = text.find("{", index + 1)
    return found


def _whole_json(text: str, outermost_only: bool = False) -> Any:
    """The first complete JSON value in the text (array or object), or None.

    With `outermost_only`, only the first bracket is tried: a truncated container must not
    be mistaken for the first complete object nested inside it (the salvage pass finds those).
    """
    decoder = json.JSONDecoder()
    for match in re.finditer(r"[\[{]", text):
        try:
            value, _ = decoder.raw_decode(text, match.start())
            return value
        except json.JSONDecodeError:
            if outermost_only:
                return None
    return None


def _pairs_from_value(value: Any) -> list[dict[str, str]]:
    if isinstance(value, dict):
        single = as_pair(value)
        if single:
            return [single]
        lists = [v for v in value.values() if isinstance(v, list)]
        value = lists[0] if lists else []
    if isinstance(value, list):
        return [p for p in (as_pair(item) for item in value) if p]
    return []


def parse_pairs(reply: str) -> list[dict[str, str]]:
    """Every usable pair in a model reply (possibly none)."""
    text = strip_think(reply)
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    for candidate in candidates:
        pairs = _pairs_from_value(_whole_json(candidate, outermost_only=True))
        if pairs:
            return _usable(pairs)
    salvaged = [p for p in (as_pair(o) for o in complete_objects(text)) if p]
    if salvaged:
        return _usable(salvaged)
    alpaca = [{k: m.group(k).strip() for k in ("instruction", "input", "output")}
              for m in _ALPACA_ITEM.finditer(text)]
    for pair in alpaca:
        if pair["input"].lower() in ("<noinput>", "none", "n/a"):
            pair["input"] = ""
    return _usable(alpaca)


def _usable(pairs: list[dict[str, str]]) -> list[dict[str, str]]:
    return [p for p in pairs if p["instruction"] and p["output"]]


def parse_field(reply: str, key: str) -> str:
    """One string field (e.g. "question") from a reply: JSON when present, else the plain text."""
    text = strip_think(reply)
    value = _whole_json(text)
    if isinstance(value, dict):
        for k, v in value.items():
            if str(k).lower() == key and isinstance(v, str):
                return v.strip()
    match = re.search(r'"%s"\s*:\s*"((?:[^"\\]|\\.)*)' % re.escape(key), text)
    if match:  # a truncated object: keep what was written of the string
        try:
            return json.loads(f'"{match.group(1)}"').strip()
        except json.JSONDecodeError:
            return match.group(1).strip()
    if "{" in text[:3]:
        return ""
    plain = re.sub(rf"^\s*{key}\s*:\s*", "", text, flags=re.I).strip()
    return plain.strip('"').strip()
