"""Word documents (.docx), through python-docx: headings from the paragraph styles (Title,
Heading 1-6), list items, and tables kept whole as Markdown tables, in document order."""

from __future__ import annotations

import io
import re

from pairsmith.core.errors import MissingDependencyError
from alpaca_gen.extract.registry import reader


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


@reader("docx", (".docx",), converts=True)
def docx_markdown(raw: bytes, title: str) -> str:
    """The document as Markdown (a `# title` from the file name when it has no Title or Heading 1)."""
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError:
        raise MissingDependencyError("reading .docx needs python-docx: pip install python-docx") from None
    document = docx.Document(io.BytesIO(raw))
    out: list[str] = []
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(element, document)
            text = " ".join(paragraph.text.split())
            if not text:
                continue
            style = (paragraph.style.name if paragraph.style is not None else "") or ""
            heading = re.match(r"Heading (\d)", style)
            if style == "Title":
                out += ["", f"# {text}", ""]
            elif heading:
                out += ["", "#" * min(6, int(heading.group(1)) + 1) + " " + text, ""]
            elif "List" in style:
                out.append(("1. " if "Number" in style else "- ") + text)
            else:
                out += [text, ""]
        elif tag == "tbl":
            rows = [[_cell(c.text) for c in row.cells] for row in Table(element, document).rows]
            if rows:
                width = max(len(r) for r in rows)
                rows = [r + [""] * (width - len(r)) for r in rows]
                out += ["", "| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
                out += ["| " + " | ".join(r) + " |" for r in rows[1:]]
                out.append("")
    while out and not out[0]:
        out.pop(0)
    if not out or not out[0].startswith("# "):
        out = [f"# {title}", ""] + out
    return "\n".join(out)
