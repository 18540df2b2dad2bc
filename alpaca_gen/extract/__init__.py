"""Extractors: one per document type, each turning text into a list of `Block`s."""

from __future__ import annotations

from collections.abc import Callable

from alpaca_gen.blocks import Block
from alpaca_gen.extract.docx import docx_markdown
from alpaca_gen.extract.html import html_blocks
from alpaca_gen.extract.markdown import markdown_blocks
from alpaca_gen.extract.notebook import notebook_blocks
from alpaca_gen.extract.pdf import pdf_markdown
from alpaca_gen.extract.python import python_blocks
from alpaca_gen.extract.rst import rst_blocks
from alpaca_gen.extract.text import text_blocks

Extractor = Callable[[str], list[Block]]

EXTRACTORS: dict[str, Extractor] = {
    "markdown": markdown_blocks,
    "rst": rst_blocks,
    "text": text_blocks,
    "html": html_blocks,
    "notebook": notebook_blocks,
    "python": python_blocks,
}

SUFFIX_KINDS: dict[str, str] = {
    ".md": "markdown", ".markdown": "markdown", ".mdx": "markdown",
    ".rst": "rst", ".rest": "rst",
    ".txt": "text", ".text": "text",
    ".html": "html", ".htm": "html",
    ".ipynb": "notebook",
    ".py": "python",
    ".pdf": "pdf",
    ".docx": "docx",
}

# Binary formats: converted to Markdown first (their line numbers are those of the conversion, so
# pairs made from them carry their chunk's text in `source.text`).
CONVERTED: dict[str, Callable[[bytes, str], str]] = {"pdf": pdf_markdown, "docx": docx_markdown}

# Files without a suffix that projects conventionally write in Markdown.
BARE_NAMES = {"readme", "changelog", "contributing", "authors", "history"}


def kind_for(name: str, suffix: str) -> str | None:
    """The document kind for a file name, or None when we do not read that type."""
    if suffix.lower() in SUFFIX_KINDS:
        return SUFFIX_KINDS[suffix.lower()]
    if not suffix and name.lower() in BARE_NAMES:
        return "markdown"
    return None


__all__ = ["CONVERTED", "EXTRACTORS", "Extractor", "kind_for"]
