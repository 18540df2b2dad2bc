"""Text patterns every stage shares."""

from __future__ import annotations

import re

# A sentence ends at . ! or ? followed by space and a capital, digit, quote, backtick or bracket.
SENTENCE_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`\"'(])")

# Paragraphs that are code, tables or reST directives / underlines: kept whole, never split.
_BLOCK_STARTS = ("```", "~~~", "|", "+-", "=", "..")
_PARAGRAPH = re.compile(r"\n\s*\n")


def passage_spans(text: str, min_words: int = 1, max_chars: int | None = None) -> list[str]:
    """The spans an answer drawn from `text` may be: each sentence, two adjacent sentences, and
    each code block or table whole; paragraph by paragraph, so headings stand apart.

    Generation offers these as the choices of an extractive answer; grounding matches answers
    against them. Sentences shorter than `min_words`, and spans over `max_chars`, are left out.
    """
    sentences: list[str] = []
    blocks: list[str] = []
    for para in _PARAGRAPH.split(text):
        stripped = para.strip()
        if not stripped:
            continue
        if stripped.startswith(_BLOCK_STARTS) or para.startswith("    "):
            if max_chars is None or len(stripped) <= max_chars:
                blocks.append(stripped)
            continue
        flat = " ".join(stripped.split())
        sentences += [s for s in SENTENCE_BOUNDARY.split(flat)
                      if len(s.split()) >= min_words and any(c.isalnum() for c in s)]
    pairs = [f"{a} {b}" for a, b in zip(sentences, sentences[1:])
             if max_chars is None or len(a) + len(b) < max_chars]
    return list(dict.fromkeys(sentences + pairs + blocks))
