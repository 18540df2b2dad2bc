"""Safe Markdown for reports: text from datasets and models goes into a report as literal text.

Pair text is data, not markup: a `<script>` in a question must not run in a viewer that renders
HTML inside Markdown, and a `|` or `*` must not break a table or start emphasis.
"""

from __future__ import annotations

import html
import re

_NEWLINES = re.compile(r"\s*[\r\n]+\s*")
# Punctuation that can open emphasis, code, links, images, table cells, closing heading marks or
# strike-through anywhere in a line; escaped with a backslash (CommonMark renders it literally).
_MARKUP = re.compile(r"([\\`*\[\]#|~])")
# An underscore between two letters or digits never opens emphasis (rouge_l stays as it is).
_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
# At the start of a line these open a list or a setext heading.
_LINE_START = re.compile(r"^(\d+)([.)])|^([-+=])")
_BACKTICKS = re.compile(r"`+")


def md_text(text: str) -> str:
    """Any text as inline Markdown that renders as exactly that text, on one line.

    HTML is entity-escaped (so no tag or attribute reaches the viewer), Markdown punctuation is
    backslash-escaped, and line breaks become spaces (a table cell or list item stays whole).
    """
    flat = _NEWLINES.sub(" ", str(text)).strip()
    escaped = _UNDERSCORE.sub(r"\\_", _MARKUP.sub(r"\\\1", html.escape(flat, quote=False)))
    return _LINE_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", escaped)


def md_code(text: str) -> str:
    """Any text as an inline code span: the fence is longer than any backtick run inside it,
    and line breaks become spaces, so the span cannot be closed early or broken."""
    flat = _NEWLINES.sub(" ", str(text)).strip()
    longest = max((len(run) for run in _BACKTICKS.findall(flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


__all__ = ["md_code", "md_text"]
