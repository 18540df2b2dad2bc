"""PDF, through pypdf (pure Python, well kept): each page's text, with headings where the PDF's
outline (bookmarks) names them and running headers and footers removed, as Markdown.

A PDF has no paragraphs or tables in it, only positioned text: lines are kept in reading order,
bullets become list items, and a heading is a line that matches an outline entry on or after the
entry's page. Without an outline the document is one section under its file name. Scanned PDFs
(images only) have no text: they are skipped with that reason.
"""

from __future__ import annotations

import io
import re
from collections import Counter

from pairsmith.core.errors import MissingDependencyError
from alpaca_gen.extract.registry import reader


def _outline(reader) -> list[tuple[int, str, int]]:
    """(level, title, page index) of every outline entry, in order."""
    found: list[tuple[int, str, int]] = []

    def walk(items, level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
                continue
            try:
                page = reader.get_destination_page_number(item)
            except Exception:  # noqa: BLE001 - a broken bookmark only loses its heading
                page = 0
            found.append((level, " ".join(str(item.title).split()), page))

    try:
        walk(reader.outline, 1)
    except Exception:  # noqa: BLE001 - an unreadable outline: no headings from it
        return []
    return found


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Lines on most pages (running headers, footers): not content."""
    if len(pages) < 3:
        return set()
    counts = Counter(line for lines in pages for line in set(lines))
    return {line for line, n in counts.items() if n >= 0.6 * len(pages) and len(line) < 80}


@reader("pdf", (".pdf",), converts=True)
def pdf_markdown(raw: bytes, title: str) -> str:
    """The PDF's text as Markdown: `# title`, outline headings, paragraphs and list items."""
    try:
        from pypdf import PdfReader
    except ImportError:
        raise MissingDependencyError("reading PDF needs pypdf: pip install pypdf") from None
    reader = PdfReader(io.BytesIO(raw))
    pages = [[" ".join(l.split()) for l in (page.extract_text() or "").splitlines()] for page in reader.pages]
    running = _running_lines(pages)
    pending = _outline(reader)
    widths = sorted(len(l) for lines in pages for l in lines if l)
    full = widths[len(widths) // 2] if widths else 0  # a typical full line
    out = [f"# {title}", ""]
    for number, lines in enumerate(pages):
        for line in lines:
            previous = out[-1] if out else ""
            if previous and previous[-1:] in ".:!?" and len(previous) < 0.75 * full and not previous.startswith("#"):
                out.append("")  # a short line ending a sentence ends its paragraph
            if not line or line in running or re.fullmatch(r"\d+", line):
                continue
            match = next((k for k, (_, heading, page) in enumerate(pending) if page <= number and line == heading), None)
            if match is not None:
                level, heading, _ = pending.pop(match)
                out += ["", "#" * min(6, level + 1) + " " + heading, ""]
                continue
            if re.match(r"^[•▪◦●‣∙·-]\s*", line):
                out += ["", "- " + re.sub(r"^[•▪◦●‣∙·-]\s*", "", line)]
                continue
            out.append(line)
        out.append("")
    return "\n".join(out)
