"""Markdown via markdown-it-py: top-level block tokens carry their line spans."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from alpaca_gen.blocks import Block
from alpaca_gen.extract.registry import reader

_PARSER = MarkdownIt("commonmark").enable("table")
_CODE = {"fence", "code_block"}
# YAML front matter (Jekyll, Hugo, MkDocs): a first line of ---, up to a line of --- or ...
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_TITLE = re.compile(r"^title:[ \t]*(['\"]?)(.+?)\1[ \t]*$", re.M)


def _front_matter(text: str) -> tuple[str, str | None]:
    """The text with its front matter blanked (line numbers kept) and the front matter's title."""
    match = _FRONT_MATTER.match(text)
    body = (match.group(1) or "") if match else ""
    if not match or not re.match(r"\s*(?:[\w-]+:|\Z)", body):  # YAML opens with a key: else a rule and text
        return text, None
    title = _TITLE.search(body)
    return "\n" * match.group(0).count("\n") + text[match.end():], title.group(2).strip() if title else None


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
    """Blocks of a Markdown text; `offset` shifts line numbers (for embedded Markdown). Front matter
    is metadata, not text: its title names a page that has no heading of its own."""
    text, page_title = _front_matter(text)
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
    if page_title and not any(b.kind == "heading" and b.level == 1 for b in blocks):
        blocks.insert(0, Block("heading", page_title, offset + 1, offset + 1, 1))
    return blocks
