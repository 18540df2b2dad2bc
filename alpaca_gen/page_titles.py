"""The title of a page or section that a cross-reference names. Sphinx's ``:doc:`tutorial/getting-started` ``
(and MyST's ``{doc}`...` ``) shows the linked page's title, never its path; when the run can read
that page, inside the repository that holds the linking page, its title is the text a reader sees.
``:ref:`manage` `` shows the title of the section its label (``.. _manage:``, MyST's ``(manage)=``)
stands above, wherever in the docs that label is."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from alpaca_gen.includes import repository_root
from pairsmith.core.readable import readable

SUFFIXES = (".rst", ".md", ".markdown", ".txt", ".rest")
SEARCH_LEVELS = 6  # an absolute target ("/reference/cli") is read from the nearest folder above with conf.py
_HEAD_LINES = 80  # a title sits near the top of a page
_LINE_BYTES = 4096
_UNDERLINE = re.compile(r"""^([=\-`:'"~^_*+#<>.])\1{2,}\s*$""")
_ATX = re.compile(r"^#{1,6}[ \t]+(\S.*)$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_FRONT_TITLE = re.compile(r"^title:\s*(['\"]?)(.+?)\1\s*$")
_RST_LABEL = re.compile(r"^\.\.\s+_(?:`([^`]+)`|([^:`]+)):\s*$")
_MYST_LABEL = re.compile(r"^\(([^()\s]+)\)=\s*$")
MAX_LABEL_FILES = 2000  # pages read for the label index of one docs folder ...
MAX_LABEL_FOLDERS = 500  # ... and folders walked for it
MAX_PAGE_BYTES = 2_000_000
_LABEL_SUFFIXES = (".rst", ".rest", ".md", ".markdown")
_NOT_DOCS = {"node_modules", "__pycache__", "site-packages", "venv"}  # and hidden or "_"-named ones (_build, _static)


def _source_root(folder: Path) -> Path:
    """The Sphinx source folder holding `folder` (the nearest with conf.py), else `folder`."""
    for base in [folder, *folder.parents][: SEARCH_LEVELS + 1]:
        if (base / "conf.py").is_file():
            return base
    return folder


def _shown(title: str, markdown: bool) -> str:
    """A title as its reader sees it: reST's ``code`` and roles rendered; a "<" in a reST title is text."""
    if not markdown:
        title = title.replace("<", "\x01")
    return " ".join(readable(title).replace("\x01", "<").split())


@lru_cache(maxsize=1024)
def _title(path: Path) -> str | None:
    """A page's title: its front matter's `title`, else its first heading (an underlined or over- and
    underlined line, or a Markdown `#` heading); labels, comments and code before it are passed over."""
    markdown = path.suffix in (".md", ".markdown")
    try:
        with path.open(encoding="utf-8") as handle:
            lines = [handle.readline(_LINE_BYTES).rstrip("\n") for _ in range(_HEAD_LINES)]
    except (OSError, UnicodeDecodeError):
        return None
    in_front_matter, in_fence = lines[0].strip() == "---", False
    for index, line in enumerate(lines):
        if in_front_matter:
            if index > 0 and line.strip() == "---":
                in_front_matter = False
            elif found := _FRONT_TITLE.match(line.strip()):
                return _shown(found.group(2), markdown)
            continue
        if markdown and _FENCE.match(line):
            in_fence = not in_fence
        if in_fence:
            continue
        text = line.strip()
        if markdown and (atx := _ATX.match(text)):
            return _shown(atx.group(1).rstrip("# \t") or atx.group(1), markdown)
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if (text and not _UNDERLINE.match(text) and not text.startswith(("..", "(")) and _UNDERLINE.match(following)
                and len(following.strip()) >= len(text)):
            return _shown(text, markdown)
    return None


def linked_page_title(target: str, page: Path | None) -> str | None:
    """The title of the page `target` names from `page` (relative to its folder, or from the docs'
    root when it starts with "/"), or None when the run cannot read it or it lies outside both the
    repository and the Sphinx source folder that hold `page`."""
    if page is None or not target.strip():
        return None
    try:
        folder = page.resolve().parent
        base = _source_root(folder) if target.startswith("/") else folder
        roots = (repository_root(folder), _source_root(folder))  # the repository, or the Sphinx source folder
        stem = (base / target.strip().lstrip("/")).resolve()
        if not any(stem == root or root in stem.parents for root in roots):
            return None
        for suffix in ("", *SUFFIXES):
            candidate = stem.with_name(stem.name + suffix)
            if candidate.suffix in SUFFIXES and candidate.is_file():
                return _title(candidate)
    except (OSError, ValueError, RuntimeError):
        return None
    return None


def _labels_in(lines: list[str], markdown: bool) -> dict[str, str]:
    """Each label of a page with the title of the section it stands above: the next heading, with
    only blank lines and other labels between (an underline of three or more marks, as docutils takes
    one shorter than its title too); Markdown's fenced code is passed over."""
    found: dict[str, str] = {}
    waiting: list[str] = []
    in_fence = False
    for index, line in enumerate(lines):
        text = line.strip()
        if markdown and _FENCE.match(line):
            in_fence, waiting = not in_fence, []
            continue
        if in_fence:
            continue
        label = _MYST_LABEL.match(text) if markdown else _RST_LABEL.match(text)
        if label:
            name = next(group for group in label.groups() if group)
            waiting.append(" ".join(name.lower().split()))
            continue
        if not waiting or not text:
            continue
        title = None
        under = lines[index + 1] if index + 1 < len(lines) else ""
        if markdown and (atx := _ATX.match(text)):
            title = atx.group(1).rstrip("# \t") or atx.group(1)
        elif markdown and re.match(r"^(=+|-+)\s*$", under.strip()):
            title = text  # a setext heading
        elif not markdown:
            if _UNDERLINE.match(text) and index + 2 < len(lines) and _UNDERLINE.match(lines[index + 2]):
                title = lines[index + 1].strip()  # an over- and underlined title
            elif _UNDERLINE.match(under):
                title = text
        if title:
            found.update({name: _shown(title, markdown) for name in waiting})
        waiting = []
    return found


@lru_cache(maxsize=64)
def _label_index(root: Path) -> dict[str, str]:
    """Every label under a docs folder with its section's title (a label defined twice: the last,
    as Sphinx keeps it after its warning). Bounded: MAX_LABEL_FOLDERS folders, MAX_LABEL_FILES pages."""
    index: dict[str, str] = {}
    pages: list[Path] = []
    for walked, (folder, subfolders, files) in enumerate(os.walk(root)):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith((".", "_")) and d not in _NOT_DOCS)
        pages += [Path(folder) / name for name in sorted(files) if Path(name).suffix in _LABEL_SUFFIXES]
        if len(pages) >= MAX_LABEL_FILES or walked + 1 >= MAX_LABEL_FOLDERS:
            break
    for page in pages[:MAX_LABEL_FILES]:
        try:
            if page.stat().st_size > MAX_PAGE_BYTES:
                continue
            lines = page.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        index.update(_labels_in(lines, page.suffix in (".md", ".markdown")))
    return index


def forget_titles() -> None:
    """Drop the titles and label indexes read so far: a run reads its docs as they are when it
    starts, so a process that runs again after the docs changed (a notebook, a service) sees the change."""
    _title.cache_clear()
    _label_index.cache_clear()


def labelled_section_title(label: str, page: Path | None) -> str | None:
    """The title of the section `label` stands above, found in the Sphinx source folder that holds
    `page` (the nearest folder with conf.py, else the page's own folder), or None."""
    if page is None or not label.strip():
        return None
    try:
        folder = page.resolve().parent
        return _label_index(_source_root(folder)).get(" ".join(label.lower().split()))
    except (OSError, ValueError, RuntimeError):
        return None
