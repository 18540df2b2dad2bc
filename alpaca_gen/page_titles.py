"""The title of a page that a cross-reference names. Sphinx's ``:doc:`tutorial/getting-started` ``
(and MyST's ``{doc}`...` ``) shows the linked page's title, never its path; when the run can read
that page, its first heading is the text a reader sees."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

SUFFIXES = (".rst", ".md", ".markdown", ".txt", ".rest")
SEARCH_LEVELS = 6  # an absolute target ("/reference/cli") is read from the nearest folder above with conf.py
_HEAD_LINES = 80  # a title sits near the top of a page
_UNDERLINE = re.compile(r"""^([=\-`:'"~^_*+#<>.])\1{2,}\s*$""")
_ATX = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")


def _source_root(folder: Path) -> Path:
    """The Sphinx source folder holding `folder` (the nearest with conf.py), else `folder`."""
    for base in [folder, *folder.parents][: SEARCH_LEVELS + 1]:
        if (base / "conf.py").is_file():
            return base
    return folder


@lru_cache(maxsize=1024)
def _title(path: Path) -> str | None:
    """The first heading of a reST or Markdown page: an underlined (or over- and underlined) line,
    or a Markdown `#` heading; front matter, comments and labels before it are passed over."""
    try:
        with path.open(encoding="utf-8") as handle:
            lines = [handle.readline().rstrip("\n") for _ in range(_HEAD_LINES)]
    except (OSError, UnicodeDecodeError):
        return None
    in_front_matter = lines[0].strip() == "---"
    for index, line in enumerate(lines):
        if in_front_matter:
            in_front_matter = not (index > 0 and line.strip() == "---")
            continue
        text = line.strip()
        if path.suffix in (".md", ".markdown") and (atx := _ATX.match(text)):
            return atx.group(1)
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if (text and not _UNDERLINE.match(text) and not text.startswith(("..", "(")) and _UNDERLINE.match(following)
                and len(following.strip()) >= len(text)):
            return text
    return None


def linked_page_title(target: str, page: Path | None) -> str | None:
    """The title of the page `target` names from `page` (relative to its folder, or from the docs'
    root when it starts with "/"), or None when the run cannot read it."""
    if page is None or not target.strip():
        return None
    try:
        folder = page.resolve().parent
        base = _source_root(folder) if target.startswith("/") else folder
        stem = (base / target.strip().lstrip("/")).resolve()
        for suffix in ("", *SUFFIXES):
            candidate = stem.with_name(stem.name + suffix)
            if candidate.suffix in SUFFIXES and candidate.is_file():
                return _title(candidate)
    except (OSError, ValueError, RuntimeError):
        return None
    return None
