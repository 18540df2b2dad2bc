"""Ingest: walk files, folders and globs; read each supported document into blocks.

Unreadable files (binary, empty, oversized, not UTF-8, unsupported, broken) are skipped with a
reason that the run summary reports; one bad file never stops a run.
"""

from __future__ import annotations

import glob
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from alpaca_gen.blocks import Block
from alpaca_gen.extract import CONVERTED, EXTRACTORS, READERS, kind_for
from alpaca_gen.page_titles import forget_titles
from pairsmith.core.errors import InputError, MissingDependencyError

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


# Single-byte encodings of Latin-script languages: on short texts the detector's pick among them is
# a close call, and cp1252 (a superset of latin-1) is the commonest for docs.
_LATIN_SCRIPT = r"cp125[0247]|windows_125[0247]|latin_1|iso8859_(1|2|3|4|9|10|13|14|15|16)|mac_(roman|latin2|turkish|iceland)"


def decode(raw: bytes) -> str | None:
    """Text from bytes: UTF-8 (with or without a byte-order mark), else the encoding detected
    (latin-1, cp1252, ...); None when no encoding gives readable text."""
    try:
        text = raw.decode("utf-8-sig")
        return text if _readable(text) else None
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes
    except ImportError:
        from_bytes = None
    if from_bytes is not None:
        best = from_bytes(raw).best()
        if best is not None:
            text = str(best)
            if re.fullmatch(_LATIN_SCRIPT, best.encoding or ""):
                # Western European guesses are close calls on short texts: cp1252, the commonest
                # legacy encoding of docs, when it decodes
                try:
                    text = raw.decode("cp1252")
                except UnicodeDecodeError:
                    pass
            if _readable(text):
                return text
    for encoding in ("cp1252", "latin-1"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _readable(text):
            return text
    return None


def _readable(text: str) -> bool:
    """Mostly letters, digits, punctuation and spaces: not control characters."""
    control = sum(1 for c in text if ord(c) < 32 and c not in "\n\r\t\f")
    return control <= 0.001 * max(1, len(text))


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
    if kind in CONVERTED:
        try:
            text = CONVERTED[kind](raw, path.stem)
        except MissingDependencyError as exc:
            return str(exc)
        except Exception as exc:  # noqa: BLE001 - any parser failure is this file's skip reason
            return f"cannot parse as {kind} ({(str(exc).splitlines() or [type(exc).__name__])[0][:80]})"
        blocks = EXTRACTORS["markdown"](text)
        if not any(b.kind != "heading" and b.text.strip() for b in blocks):
            return "no text (a scanned PDF has only images)" if kind == "pdf" else "no text"
        return Document(_display(path), kind, blocks)
    if b"\x00" in raw[:8192]:
        return "binary"
    text = decode(raw)
    if text is None:
        return "not text in any encoding it could be decoded from"
    if not text.strip():
        return "empty"
    try:
        blocks = EXTRACTORS[kind](text, path=path) if READERS[kind].takes_path else EXTRACTORS[kind](text)
    except (ValueError, SyntaxError) as exc:
        return f"cannot parse as {kind} ({str(exc).splitlines()[0][:80]})"
    if not any(b.text.strip() for b in blocks):
        return "no text" if kind != "python" else "no docstrings"
    return Document(_display(path), kind, blocks)


def ingest(paths: Iterable[str | Path], max_bytes: int = DEFAULT_MAX_BYTES) -> IngestResult:
    """Read every supported document under `paths`; skip the rest with a reason. A file found in a
    folder that a page of the run includes whole (an example in `docs_src/` shown by an include
    line) is read as part of that page, where its reader sees it, and not again on its own."""
    forget_titles()  # titles and labels are read afresh each run: the docs may have changed since the last
    result = IngestResult()
    paths = list(paths)
    named = {_resolved(Path(p)) for p in paths if Path(p).is_file()}  # a file asked for by name is read
    read: list[tuple[Path, Document]] = []
    for path in expand(paths):
        outcome = read_document(path, max_bytes)
        if isinstance(outcome, Document):
            read.append((path, outcome))
        else:
            result.skipped.append((_display(path), outcome))
    included = _included_by(read)
    for path, document in read:
        page = included.get(_resolved(path))
        if page is not None and page != document.path and _resolved(path) not in named:
            result.skipped.append((document.path, f"included by {page}: read as part of that page"))
        else:
            result.documents.append(document)
    return result


def _resolved(path: Path) -> str:
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):
        return str(path)


def _included_by(read: list[tuple[Path, Document]]) -> dict[str, str]:
    """Each file a document of the run includes (resolved path) -> the first page that includes it."""
    pages: dict[str, str] = {}
    for _, document in read:
        for block in document.blocks:
            for origin in block.origins:
                pages.setdefault(origin, document.path)
    return pages
