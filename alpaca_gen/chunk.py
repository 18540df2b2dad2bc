"""Chunking: by heading structure first, then by a token budget with overlap.

Fenced code and tables are never split (except an unterminated fence, cut at the budget with a
warning). Each chunk keeps its document path, heading path and line span, the lines its text
comes from, and its id is a hash of its text, so unchanged chunks keep their ids (and their
cached generations) when a document is edited elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from alpaca_gen.blocks import Block
from alpaca_gen.extract import CARRIES_TEXT
from alpaca_gen.ingest import Document
from pairsmith.core.records import content_hash
from pairsmith.core.textmetrics import SENTENCE_BOUNDARY

_TOKEN = re.compile(r"\w+|[^\w\s]")


def count_tokens(text: str) -> int:
    """A tokenizer-free token estimate (words and punctuation), close to BPE counts for prose."""
    return len(_TOKEN.findall(text))




@dataclass
class Chunk:
    """A piece of a document sized for one prompt, with its provenance."""

    id: str
    path: str
    headings: list[str]
    start: int
    end: int
    text: str
    tokens: int
    carries_text: bool = False  # holds text read from a file the page includes: not the page's lines

    def source(self) -> dict:
        """The `source` object recorded on every pair made from this chunk."""
        found = {"path": self.path, "headings": self.headings, "lines": [self.start, self.end], "chunk": self.id}
        # not the file's lines as written (converted, reST rendered by docutils, or text of an included
        # file): grounding reads what the model read
        if self.carries_text or self.path.lower().endswith(CARRIES_TEXT):
            found["text"] = self.text
        return found


@dataclass(frozen=True)
class ChunkConfig:
    """Chunk sizes in estimated tokens."""

    max_tokens: int = 384  # budget for one chunk's text
    overlap_tokens: int = 48  # trailing text repeated at the start of the next chunk
    min_tokens: int = 24  # sections smaller than this are merged into the next (child) section


def _render(block: Block) -> str:
    return f"{'#' * max(block.level, 1)} {block.text}" if block.kind == "heading" else block.text


def _split_text(block: Block, budget: int) -> list[Block]:
    """Cut an over-long block into pieces of its kind under the budget, by lines then sentences."""
    if count_tokens(block.text) <= budget:
        return [block]
    pieces: list[tuple[str, int]] = []  # (text, line offset inside the block)
    for offset, line in enumerate(block.text.split("\n")):
        if count_tokens(line) <= budget:
            pieces.append((line, offset))
            continue
        for sentence in SENTENCE_BOUNDARY.split(line):
            words = sentence.split(" ")
            while words:  # a sentence longer than the budget is cut by words
                take, used = [], 0
                while words and (used + count_tokens(words[0]) <= budget or not take):
                    used += count_tokens(words[0])
                    take.append(words.pop(0))
                pieces.append((" ".join(take), offset))
    out: list[Block] = []
    text, first, last, used = [], 0, 0, 0
    for piece, offset in pieces:
        size = count_tokens(piece)
        if text and used + size > budget:
            out.append(_piece(block, "\n".join(text), first, last))
            text, used = [], 0
        if not text:
            first = offset
        text.append(piece)
        last, used = offset, used + size
    if text:
        out.append(_piece(block, "\n".join(text), first, last))
    return out


def _piece(block: Block, text: str, first: int, last: int) -> Block:
    """Part of a cut block, on its own lines; an included block's lines are the include line's."""
    if block.included:
        return Block(block.kind, text, block.start, block.end, included=True)
    return Block(block.kind, text, block.start + first, block.start + last)


def _sections(blocks: list[Block]) -> list[tuple[list[str], list[Block]]]:
    """Group blocks under their heading path; the heading block opens its section."""
    stack: list[Block] = []
    sections: list[tuple[list[str], list[Block]]] = [([], [])]
    for block in blocks:
        if block.kind == "heading":
            while stack and stack[-1].level >= block.level:
                stack.pop()
            stack.append(block)
            sections.append(([b.text for b in stack], [block]))
        else:
            sections[-1][1].append(block)
    return [s for s in sections if s[1]]


def _make(doc: Document, headings: list[str], units: list[Block]) -> Chunk:
    text = "\n\n".join(_render(u) for u in units)
    return Chunk("c_" + content_hash(doc.path, text, length=12), doc.path, headings,
                 min(u.start for u in units), max(u.end for u in units), text, count_tokens(text),
                 any(u.included for u in units))


def _overlap(previous: list[Block], spare: int) -> list[Block]:
    """The trailing text blocks of a chunk that fit in `spare` tokens, to open the next one."""
    overlap: list[Block] = []
    for block in reversed(previous):
        cost = count_tokens(block.text)
        if block.kind != "text" or cost > spare:
            break
        overlap.insert(0, block)
        spare -= cost
    return overlap


def _pack(doc: Document, headings: list[str], units: list[Block], cfg: ChunkConfig) -> list[Chunk]:
    """Fill chunks up to the budget; each follow-on chunk opens with the overlap, not the heading
    line again, so its text comes from its own line span (the heading path is in `headings`)."""
    chunks: list[Chunk] = []
    current: list[Block] = []
    used = 0
    for unit in units:
        size = count_tokens(_render(unit))
        if current and used + size > cfg.max_tokens and any(u.kind != "heading" for u in current):
            chunks.append(_make(doc, headings, current))
            current = _overlap(current, min(cfg.overlap_tokens, cfg.max_tokens - size))  # room permitting
            used = sum(count_tokens(_render(u)) for u in current)
        current.append(unit)
        used += size
    if any(u.kind != "heading" for u in current):
        chunks.append(_make(doc, headings, current))
    return chunks


def chunk_document(doc: Document, cfg: ChunkConfig = ChunkConfig()) -> list[Chunk]:
    """Cut a document into chunks along its headings, within the token budget."""
    chunks: list[Chunk] = []
    pending: tuple[list[str], list[Block]] | None = None
    for headings, blocks in _sections(doc.blocks):
        units = [piece for b in blocks
                 for piece in (_split_text(b, cfg.max_tokens) if b.kind == "text" or b.unterminated else [b])]
        if pending is not None:
            parent_path, parent_units = pending
            if headings[: len(parent_path)] == parent_path:  # a child: carry the intro into it
                units = parent_units + units
            elif any(u.kind != "heading" for u in parent_units):
                chunks.extend(_pack(doc, parent_path, parent_units, cfg))
            pending = None
        body = sum(count_tokens(u.text) for u in units if u.kind != "heading")
        if body < cfg.min_tokens:
            pending = (headings, units)
            continue
        chunks.extend(_pack(doc, headings, units, cfg))
    if pending is not None and any(u.kind != "heading" for u in pending[1]):
        chunks.extend(_pack(doc, pending[0], pending[1], cfg))
    return chunks


def chunk_warnings(doc: Document, cfg: ChunkConfig = ChunkConfig()) -> list[str]:
    """What chunking had to work around in a document, one `path:line: problem` line each."""
    return [f"{doc.path}:{b.start}: unterminated code fence"
            + ("; cut at the chunk budget" if count_tokens(b.text) > cfg.max_tokens else "")
            for b in doc.blocks if b.unterminated]
