"""Text helpers shared by the moderation steps: normalisation, tokens, sentences, prose."""

from __future__ import annotations

import re
import string

from pairsmith.text import SENTENCE_BOUNDARY

_PUNCT = str.maketrans({c: " " for c in string.punctuation + "“”‘’«»…–—"})
_SPACE = re.compile(r"\s+")
_ROUGE_TOKEN = re.compile(r"[^a-z0-9]+")
_FENCE = re.compile(r"```.*?(```|$)", re.S)


def normalise(text: str) -> str:
    """Lower case, punctuation to spaces, whitespace collapsed: the exact-duplicate key."""
    return _SPACE.sub(" ", text.lower().translate(_PUNCT)).strip()


def rouge_tokens(text: str) -> list[str]:
    """Tokens as rouge-score's default tokenizer makes them (lower case, alphanumeric runs)."""
    return [t for t in _ROUGE_TOKEN.split(text.lower()) if t]


def words(text: str) -> list[str]:
    return text.split()


def prose(text: str) -> str:
    """The text without fenced code blocks (rules about language and sentences skip code)."""
    return _FENCE.sub(" ", text)


def sentences(text: str) -> list[str]:
    """Sentences of the prose of a text (code blocks removed)."""
    flat = _SPACE.sub(" ", prose(text)).strip()
    return [s for s in SENTENCE_BOUNDARY.split(flat) if s.strip()] if flat else []


def prompt_text(instruction: str, input: str) -> str:
    """What a dedupe step compares: the instruction, and its input when there is one."""
    return f"{instruction}\n{input}" if input else instruction
