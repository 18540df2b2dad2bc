"""Markdown via markdown-it-py: top-level block tokens carry their line spans."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from alpaca_gen.blocks import Block
from alpaca_gen.extract.registry import reader

_PARSER = MarkdownIt("commonmark").enable("table")
_CODE = {"fence", "code_block"}


def _unterminated(token: Token, lines: list[str]) -> bool:
    """A fence whose last line is not a closing fence (same character, at least as long)."""
    if token.type != "fence":
        return False
    start, end = token.map
    char, length = token.markup[0], len(token.markup)
    last = lines[end - 1] if start < end - 1 < len(lines) else ""
    return re.fullmatch(rf" {{0,3}}{re.escape(char)}{{{length},}}\s*", last) is None


@reader("markdown", (".md", ".markdown", ".mdx"))
def markdown_blocks(text: str, offset: int = 0) -> list[Block]:
    """Blocks of a Markdown text; `offset` shifts line numbers (for embedded Markdown)."""
    lines = text.splitlines()
    tokens = _PARSER.parse(text)
    blocks: list[Block] = []
    for index, token in enumerate(tokens):
        if token.level != 0 or token.map is None or token.nesting == -1:
            continue
        start, end = token.map
        raw = "\n".join(lines[start:end]).rstrip()
        if not raw.strip():
            continue
        if token.type == "heading_open":
            title = tokens[index + 1].content.strip() if index + 1 < len(tokens) else raw
            blocks.append(Block("heading", title, offset + start + 1, offset + end, int(token.tag[1])))
        elif token.type in _CODE:
            blocks.append(Block("code", raw, offset + start + 1, offset + end,
                                unterminated=_unterminated(token, lines)))
        elif token.type == "table_open":
            blocks.append(Block("table", raw, offset + start + 1, offset + end))
        elif token.type == "hr":
            continue
        else:
            blocks.append(Block("text", raw, offset + start + 1, offset + end))
    return blocks
