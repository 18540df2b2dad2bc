"""Include lines in Markdown docs: a line that pulls another file into the page when the site is
built (pymdownx.snippets' `--8<-- "file"` and its block form, markdown-include's `{!file!}`, the
`{* file ln[1:9] hl[3] *}` of FastAPI-style docs). Its reader sees that file, never the line. When
the file is found beside the page, inside the page's repository (a project's own checkout has its
`docs_src/`), its content is read in the line's place; when it is not, the line is left out, since
the page does not carry what it shows."""

from __future__ import annotations

import os
import re
from pathlib import Path

_INCLUDE = re.compile(r"[ \t]*(?:-+8<-+(?:[ \t]+(\S.*?))?|\{!>?([^{}]*)!\}|\{\*([^{}]*)\*\})[ \t]*")
_SNIPPET_MARK = re.compile(r"[ \t]*-+8<-+[ \t]*")
_LINES = re.compile(r"\bln\[(\d+)(?::(\d+))?")
# snippets' "file.py:3:10" takes lines 3-10, "file.py:3" line 3 to the end, "file.py::5" lines 1-5
_RANGE = re.compile(r"^(.*?)(?::(\d*)(?::(\d*))?)?$")
MAX_INCLUDED_LINES = 120  # longer than an example a reader takes in at once: left out, not cut
MAX_INCLUDED_BYTES = 64_000
SEARCH_LEVELS = 6  # the page's folder and this many above it, inside the repository's root
MAX_DEPTH = 3  # an included Markdown file's own includes, and theirs: no further (a file may include itself)
LANGUAGES = {".py": "python", ".toml": "toml", ".yaml": "yaml", ".yml": "yaml", ".json": "json", ".sh": "bash",
             ".js": "javascript", ".ts": "typescript", ".html": "html", ".css": "css", ".rs": "rust",
             ".go": "go", ".ini": "ini", ".cfg": "ini", ".sql": "sql", ".txt": ""}
MARKDOWN = (".md", ".markdown")


def _target(text: str) -> str:
    """The file an include line names: a quoted name whole (spaces and all), else its first word."""
    text = text.strip()
    if text[:1] in "\"'" and (end := text.find(text[0], 1)) > 0:
        return text[1:end]
    return text.split()[0] if text else ""


def split_includes(raw: str) -> list[str | tuple[str]]:
    """The lines of a block in order: text lines as strings, include targets as 1-tuples; between
    two bare --8<-- lines every line names a file to include."""
    out: list[str | tuple[str]] = []
    listing = False
    for line in raw.split("\n"):
        if _SNIPPET_MARK.fullmatch(line):
            listing = not listing
        elif listing:
            if line.strip():
                out.append((_target(line),))
        elif found := _INCLUDE.fullmatch(line):
            target = next((g for g in found.groups() if g), "").strip()
            name = _target(target)
            if name and (lines := _LINES.search(target)):  # {* file ln[3:10] *} shows lines 3-10
                name += f":{lines.group(1)}:{lines.group(2) or lines.group(1)}"
            out.append((name,))
        else:
            out.append(line)
    return out


def repository_root(folder: Path) -> Path:
    """Where includes may be read from: the repository holding the page (the nearest folder with
    .git), else the working folder when the page is inside it, else the page's own folder."""
    for base in [folder, *folder.parents][: SEARCH_LEVELS + 1]:
        if (base / ".git").exists():
            return base
    cwd = Path.cwd().resolve()
    return cwd if folder == cwd or cwd in folder.parents else folder


def _resolve(target: str, page: Path | None) -> tuple[Path, int | None, int | None] | None:
    """The file an include names, looked up from the page's folder upwards and only inside its
    root (no `..` or absolute path out of the repository), with its line range."""
    if page is None or not target:
        return None
    name, first, last = _RANGE.match(target).groups()
    relative = Path(name)
    if not name or relative.is_absolute():
        return None
    try:
        folder = page.resolve().parent
        root = repository_root(folder)
        for base in [folder, *folder.parents][: SEARCH_LEVELS + 1]:
            candidate = (base / relative).resolve()
            if (candidate == root or root in candidate.parents) and candidate.is_file():
                return candidate, int(first) if first else None, int(last) if last else None
            if base == root:
                break
    except (OSError, ValueError, RuntimeError):  # a name too long, a folder it may not read, a link loop
        return None
    return None


def _read_included(found: tuple[Path, int | None, int | None]) -> str | None:
    """The included lines, or None when the file is unreadable, not UTF-8 text, or longer than an
    example (`MAX_INCLUDED_LINES`, `MAX_INCLUDED_BYTES`)."""
    path, first, last = found
    try:
        if os.path.getsize(path) > MAX_INCLUDED_BYTES:
            return None
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    if len(lines) > MAX_INCLUDED_LINES and not first and not last:
        return None
    lines = lines[(first or 1) - 1 : last or None]
    text = "\n".join(lines).strip("\n")
    return text if text.strip() and len(lines) <= MAX_INCLUDED_LINES and "\x00" not in text else None


def read_target(target: str, page: Path | None, depth: int) -> tuple[Path, str] | None:
    """The file an include line names and the text it shows, or None when it is not read (not
    found, unreadable, too long, or nested deeper than `MAX_DEPTH`)."""
    if depth >= MAX_DEPTH or (found := _resolve(target, page)) is None:
        return None
    content = _read_included(found)
    return (found[0], content) if content is not None else None


def shows_whole_file(target: str) -> bool:
    """Whether an include line shows its file whole (no line range): only then is the file all in the page."""
    _, first, last = _RANGE.match(target).groups()
    return first is None and last is None


def code_fence(text: str, path: Path, language: str | None = None) -> str:
    """An included file shown as code, in the language its suffix names, inside a fence longer than
    any run of backticks in it (a docstring's own ``` does not close it)."""
    language = language if language is not None else LANGUAGES.get(path.suffix.lower(), path.suffix.lstrip("."))
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    return f"{fence}{language}\n{text}\n{fence}"
