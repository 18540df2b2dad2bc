"""Include lines in Markdown docs: a line that pulls another file into the page when the site is
built (pymdownx.snippets' `--8<-- "file"` and its block form, markdown-include's `{!file!}`, the
`{* file hl[3] *}` of FastAPI-style docs). Its reader sees that file, never the line. When the file
is found beside the page (a project's own checkout has its `docs_src/`), its content is read in the
line's place; when it is not, the line is left out, since the page does not carry what it shows."""

from __future__ import annotations

import re
from pathlib import Path

_INCLUDE = re.compile(r"[ \t]*(?:-{1,2}8<-{1,2}(?:[ \t]+(\S.*?))?|\{!>?([^{}]*)!\}|\{\*([^{}]*)\*\})[ \t]*")
_SNIPPET_MARK = re.compile(r"[ \t]*-{1,2}8<-{1,2}[ \t]*")
_LINES = re.compile(r"\bln\[(\d+)(?::(\d+))?")
_RANGE = re.compile(r"^(.*?)(?::(\d+))?(?::(\d+))?$")  # snippets' "file.py:3:10" takes lines 3-10
MAX_INCLUDED_LINES = 120  # a longer file is not shown whole in one chunk: left out, not cut
SEARCH_LEVELS = 6  # the page's folder and this many above it, stopping at the repository's root
LANGUAGES = {".py": "python", ".toml": "toml", ".yaml": "yaml", ".yml": "yaml", ".json": "json", ".sh": "bash",
             ".js": "javascript", ".ts": "typescript", ".html": "html", ".css": "css", ".rs": "rust",
             ".go": "go", ".ini": "ini", ".cfg": "ini", ".sql": "sql", ".txt": ""}
MARKDOWN = (".md", ".markdown")


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
                out.append((line.strip(),))
        elif found := _INCLUDE.fullmatch(line):
            target = next((g for g in found.groups() if g), "").strip()
            name = target.split()[0].strip("\"'") if target else ""
            if name and (lines := _LINES.search(target)):  # {* file ln[3:10] *} shows lines 3-10
                name += f":{lines.group(1)}:{lines.group(2) or lines.group(1)}"
            out.append((name,))
        else:
            out.append(line)
    return out


def resolve(target: str, page: Path | None) -> tuple[Path, int | None, int | None] | None:
    """The file an include names, looked up from the page's folder upwards, with a line range."""
    if page is None or not target:
        return None
    name, first, last = _RANGE.match(target).groups()
    relative = Path(name)
    if relative.is_absolute():
        return None
    folder = page.resolve().parent
    for base in [folder, *folder.parents][: SEARCH_LEVELS + 1]:
        candidate = base / relative
        if candidate.is_file():
            return candidate, int(first) if first else None, int(last) if last else None
        if (base / ".git").exists():
            break  # the repository's root: nothing above it belongs to these docs
    return None


def read_included(found: tuple[Path, int | None, int | None]) -> str | None:
    """The included lines, or None when the file is unreadable, not text or too long to show whole."""
    path, first, last = found
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    if first:
        lines = lines[first - 1 : last or first]
    text = "\n".join(lines).strip("\n")
    return text if text.strip() and len(lines) <= MAX_INCLUDED_LINES and "\x00" not in text else None


def code_fence(text: str, path: Path, language: str | None = None) -> str:
    """An included file shown as code, in the language its suffix names."""
    language = language if language is not None else LANGUAGES.get(path.suffix.lower(), path.suffix.lstrip("."))
    return f"```{language}\n{text}\n```"
