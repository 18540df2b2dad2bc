"""Blocks: the units a document is cut into before chunking (heading, text, code, table).

Code and table blocks are atomic: the chunker never splits them, except an unterminated code
fence, which would otherwise swallow the rest of the file. Line numbers are 1-based and
inclusive, in the original file wherever the format allows it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Block:
    """One structural piece of a document."""

    kind: str  # "heading" | "text" | "code" | "table"
    text: str
    start: int
    end: int
    level: int = 0  # heading level (1 = top); 0 for non-headings
    unterminated: bool = False  # a code fence never closed: it runs to the end of the text
    included: bool = False  # read from another file the page includes: not the page's own lines
    origins: tuple[str, ...] = ()  # the files (resolved) an included block shows whole
