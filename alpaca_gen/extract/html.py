"""HTML: headings, paragraphs, preformatted code and tables, with their source lines."""

from __future__ import annotations

from html.parser import HTMLParser

from alpaca_gen.blocks import Block
from alpaca_gen.extract.registry import reader

_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_TEXT_TAGS = {"p", "li", "dt", "dd", "blockquote", "figcaption", "caption", "div", "section",
              "article", "main", "body", "td", "th"}
_SKIP = {"script", "style", "nav", "head", "noscript", "template", "svg"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.buffer: list[str] = []
        self.start_line = 1
        self.mode = "text"  # text | code | table | heading
        self.level = 0
        self.skip_depth = 0
        self.row: list[str] = []
        self.rows: list[list[str]] = []

    def _flush(self, end_line: int) -> None:
        text = "".join(self.buffer)
        self.buffer = []
        if self.mode == "code":
            body = text.strip("\n")
            if body.strip():
                self.blocks.append(Block("code", f"```\n{body}\n```", self.start_line, end_line))
            return
        if self.mode == "heading":
            title = " ".join(text.split())
            if title:
                self.blocks.append(Block("heading", title, self.start_line, end_line, self.level))
            return
        cleaned = "\n".join(" ".join(part.split()) for part in text.split("\n") if part.strip())
        if cleaned:
            self.blocks.append(Block("text", cleaned, self.start_line, end_line))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        if tag in _SKIP:
            self.skip_depth += 1
            return
        if self.skip_depth:
            return
        if self.mode == "table":
            if tag == "tr":
                self.row = []
            elif tag in ("td", "th"):
                self.buffer = []
            return
        if tag == "pre":
            self._flush(line)
            self.mode, self.start_line = "code", line
        elif tag in _HEADINGS and self.mode != "code":
            self._flush(line)
            self.mode, self.level, self.start_line = "heading", _HEADINGS[tag], line
        elif tag == "table" and self.mode != "code":
            self._flush(line)
            self.mode, self.rows, self.start_line = "table", [], line
        elif tag in _TEXT_TAGS and self.mode == "text":
            self._flush(line)
            self.start_line = line
        elif tag == "br":
            self.buffer.append("\n")

    def handle_endtag(self, tag: str) -> None:
        line = self.getpos()[0]
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if self.skip_depth:
            return
        if self.mode == "table":
            if tag in ("td", "th"):
                self.row.append(" ".join("".join(self.buffer).split()))
                self.buffer = []
            elif tag == "tr" and self.row:
                self.rows.append(self.row)
            elif tag == "table":
                if self.rows:
                    width = max(len(r) for r in self.rows)
                    lines = ["| " + " | ".join(r + [""] * (width - len(r))) + " |" for r in self.rows]
                    lines.insert(1, "|" + "---|" * width)
                    self.blocks.append(Block("table", "\n".join(lines), self.start_line, line))
                self.mode, self.buffer, self.start_line = "text", [], line
            return
        if tag == "pre" and self.mode == "code":
            self._flush(line)
            self.mode, self.start_line = "text", line
        elif tag in _HEADINGS and self.mode == "heading":
            self._flush(line)
            self.mode, self.start_line = "text", line
        elif tag in _TEXT_TAGS and self.mode == "text":
            self._flush(line)
            self.start_line = line

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if self.mode == "text" and data.strip() and not "".join(self.buffer).strip():
            self.start_line = self.getpos()[0]  # text starts where its first words are
        self.buffer.append(data)


@reader("html", (".html", ".htm"))
def html_blocks(text: str) -> list[Block]:
    """Blocks of an HTML page; line numbers point into the HTML source."""
    collector = _Collector()
    collector.feed(text)
    collector.close()
    collector._flush(text.count("\n") + 1)
    return collector.blocks
