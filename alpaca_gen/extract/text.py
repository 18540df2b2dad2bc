"""Plain text: paragraphs separated by blank lines."""

from __future__ import annotations

from alpaca_gen.blocks import Block
from alpaca_gen.extract.registry import reader


def paragraphs(lines: list[str], offset: int = 0) -> list[Block]:
    """Group non-blank lines into text blocks; `offset` shifts the 1-based line numbers."""
    blocks: list[Block] = []
    start = None
    for index, line in enumerate(lines + [""]):
        if line.strip():
            if start is None:
                start = index
        elif start is not None:
            blocks.append(Block("text", "\n".join(lines[start:index]), offset + start + 1, offset + index))
            start = None
    return blocks


@reader("text", (".txt", ".text"))
def text_blocks(text: str) -> list[Block]:
    """Blocks of a plain-text file."""
    return paragraphs(text.splitlines())
