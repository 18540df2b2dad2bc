"""Ingest: walk files, folders and globs; read each supported document into blocks.

Unreadable files (binary, empty, oversized, not UTF-8, unsupported, broken) are skipped with a
reason that the run summary reports; one bad file never stops a run.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from alpaca_gen.blocks import Block
from alpaca_gen.extract import EXTRACTORS, kind_for
from pairsmith.errors import InputError

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
_IGNORED_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".tox",
                 ".mypy_cache", ".pytest_cache", "build", "dist", "site-packages"}


@dataclass
class Document:
    """A readable document: where it came from, its type and its blocks."""

    path: str
    kind: str
    blocks: list[Block]


@dataclass
class IngestResult:
    """The documents read, the files skipped (each with the reason) and warnings about documents
    that were read but not as their author meant (`path:line: problem`)."""

    documents: list[Document] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _display(path: Path) -> str:
    """A stable path for provenance: relative to the working directory when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def expand(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files named by paths, folders (walked, hidden and build folders skipped) and globs."""
    seen: set[Path] = set()
    for spec in paths:
        spec = str(spec)
        path = Path(spec)
        if path.is_dir():
            candidates = sorted(
                p for p in path.rglob("*")
                if p.is_file() and not any(part in _IGNORED_DIRS or part.startswith(".")
                                           for part in p.relative_to(path).parts[:-1])
            )
        elif path.exists():
            candidates = [path]
        elif any(ch in spec for ch in "*?["):
            candidates = sorted(Path(p) for p in glob.glob(spec, recursive=True) if Path(p).is_file())
            if not candidates:
                raise InputError(f"{spec}: the pattern matches no file")
        else:
            raise InputError(f"{spec}: no such file or folder")
        for candidate in candidates:
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                yield candidate


def read_document(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Document | str:
    """Read one file into a Document, or return the reason it is skipped."""
    kind = kind_for(path.name, path.suffix)
    if kind is None:
        return f"unsupported type ({path.suffix or 'no suffix'})"
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return f"oversized ({size:,} bytes > {max_bytes:,})"
        raw = path.read_bytes()
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})"
    if b"\x00" in raw[:8192]:
        return "binary"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "not UTF-8"
    if not text.strip():
        return "empty"
    try:
        blocks = EXTRACTORS[kind](text)
    except (ValueError, SyntaxError) as exc:
        return f"cannot parse as {kind} ({str(exc).splitlines()[0][:80]})"
    if not any(b.text.strip() for b in blocks):
        return "no text" if kind != "python" else "no docstrings"
    return Document(_display(path), kind, blocks)


def ingest(paths: Iterable[str | Path], max_bytes: int = DEFAULT_MAX_BYTES) -> IngestResult:
    """Read every supported document under `paths`; skip the rest with a reason."""
    result = IngestResult()
    for path in expand(paths):
        outcome = read_document(path, max_bytes)
        if isinstance(outcome, Document):
            result.documents.append(outcome)
        else:
            result.skipped.append((_display(path), outcome))
    return result
