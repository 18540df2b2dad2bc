"""reStructuredText: section titles by their adornment, literal blocks, directives, tables.

Heading levels follow the order in which adornment styles first appear, as docutils does.
Literal blocks (after `::`), code directives and tables become atomic blocks.
"""

from __future__ import annotations

import re

from alpaca_gen.blocks import Block

_ADORN = re.compile(r"^([=\-`:'\"~^_*+#<>.])\1+\s*$")
_SIMPLE_BORDER = re.compile(r"^=+( +=+)+\s*$")
_DIRECTIVE = re.compile(r"^\.\.\s+([\w:-]+)::")
_CODE_DIRECTIVES = {"code", "code-block", "sourcecode", "literalinclude", "doctest", "testcode"}
_TABLE_DIRECTIVES = {"table", "csv-table", "list-table"}


def _indented_end(lines: list[str], start: int) -> int:
    """Index after an indented body that begins at `start` (blank lines inside are kept)."""
    end = start
    index = start
    while index < len(lines):
        line = lines[index]
        if line.strip() and not line[0].isspace():
            break
        if line.strip():
            end = index + 1
        index += 1
    return end


def _simple_table_end(lines: list[str], start: int) -> int:
    borders = 0
    index = start
    while index < len(lines):
        if _SIMPLE_BORDER.match(lines[index]):
            borders += 1
            nxt = lines[index + 1] if index + 1 < len(lines) else ""
            if borders >= 2 and not nxt.strip():
                return index + 1
        index += 1
    return len(lines)


def _title_at(lines: list[str], i: int) -> tuple[str, str, int] | None:
    """(title, style, lines used) when a section title starts at line i."""
    line = lines[i]
    nxt = lines[i + 1] if i + 1 < len(lines) else ""
    if _ADORN.match(line) and i + 2 < len(lines) and lines[i + 1].strip():
        under = lines[i + 2]
        if under.strip() == line.strip() and len(line.strip()) >= len(lines[i + 1].strip()):
            return lines[i + 1].strip(), "over" + line.strip()[0], 3
    if line.strip() and not line[0].isspace() and _ADORN.match(nxt) and not _ADORN.match(line):
        if len(nxt.strip()) >= len(line.strip()) and not _SIMPLE_BORDER.match(nxt):
            return line.strip(), nxt.strip()[0], 2
    return None


def rst_blocks(text: str, offset: int = 0) -> list[Block]:
    """Blocks of a reStructuredText document."""
    lines = text.splitlines()
    styles: list[str] = []
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        title = _title_at(lines, i)
        if title:
            name, style, used = title
            if style not in styles:
                styles.append(style)
            blocks.append(Block("heading", name, offset + i + 1, offset + i + used, styles.index(style) + 1))
            i += used
            continue
        directive = _DIRECTIVE.match(line)
        if directive:
            end = _indented_end(lines, i + 1)
            name = directive.group(1)
            kind = "code" if name in _CODE_DIRECTIVES else "table" if name in _TABLE_DIRECTIVES else "text"
            blocks.append(Block(kind, "\n".join(lines[i:end]), offset + i + 1, offset + end))
            i = end
            continue
        if line.lstrip().startswith(("+-", "+=")):
            end = i
            while end < len(lines) and lines[end].lstrip().startswith(("+", "|")):
                end += 1
            blocks.append(Block("table", "\n".join(lines[i:end]), offset + i + 1, offset + end))
            i = end
            continue
        if _SIMPLE_BORDER.match(line):
            end = _simple_table_end(lines, i)
            blocks.append(Block("table", "\n".join(lines[i:end]), offset + i + 1, offset + end))
            i = end
            continue
        # A paragraph: non-blank lines up to a blank line.
        end = i
        while end < len(lines) and lines[end].strip():
            end += 1
        paragraph = "\n".join(lines[i:end])
        if paragraph.rstrip().endswith("::"):
            # The literal block that follows belongs with its introducing paragraph.
            body_start = end
            while body_start < len(lines) and not lines[body_start].strip():
                body_start += 1
            if body_start < len(lines) and lines[body_start][:1].isspace():
                body_end = _indented_end(lines, body_start)
                blocks.append(Block("text", paragraph, offset + i + 1, offset + end))
                blocks.append(Block("code", "\n".join(lines[body_start:body_end]),
                                    offset + body_start + 1, offset + body_end))
                i = body_end
                continue
        blocks.append(Block("text", paragraph, offset + i + 1, offset + end))
        i = end
    return blocks
