"""The project the docs belong to, so that questions can name it.

A question "How do I export curated pairs?" is understood only with its project's name. The
name is `--project` when given; else the first that names it of the docs folder and the one above
it (the `name` of a pyproject.toml or package.json, the `project` of a Sphinx conf.py beside it or
in docs/ or source/, the `site_name` of an mkdocs.yml, the first heading of a README) and, further
up to the repository's root (the nearest folder with .git, at most four levels up), a docs config
alone (conf.py, mkdocs.yml: a repository that holds another project's docs does not name them);
else unknown, and prompts name each document's title instead. A name found in a package's metadata
is a package name ("click", "trio"); the run writes it as the docs' prose does ("Click", "Trio").
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path

from pairsmith.core.readable import code_spans, outside_code
from pairsmith.core.textmetrics import common_word_name

_SPHINX_PROJECT = re.compile(r"^project\s*=\s*(['\"])(.+?)\1\s*(?:#.*)?$", re.M)  # read, never run
_MKDOCS_SITE = re.compile(r"^site_name:[ \t]*(['\"]?)(.+?)\1[ \t]*$", re.M)
_DOCS_WORDS = re.compile(r"\s+(?:documentation|docs|user guide|manual)$", re.I)
_SPHINX_CONFS = ("conf.py", "docs/conf.py", "source/conf.py", "docs/source/conf.py", "doc/conf.py")
MAX_LEVELS = 4
_HEADING = re.compile(r"^\s*#\s+(.+?)\s*#*\s*$|^(\S.*)\n[=#*-]{3,}\s*$", re.M)


def _name_in(folder: Path, packages: bool = True) -> str | None:
    """The name a folder gives: with `packages`, a pyproject.toml's, package.json's or README's too,
    else only a docs config's (Sphinx, MkDocs), which names the docs a folder below it holds."""
    try:
        pyproject = folder / "pyproject.toml"
        if packages and pyproject.is_file():
            name = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("name")
            if isinstance(name, str) and name.strip():
                return name.strip()
        package = folder / "package.json"
        if packages and package.is_file():
            name = json.loads(package.read_text(encoding="utf-8")).get("name")
            if isinstance(name, str) and name.strip():
                return name.strip().split("/")[-1]
        for conf in (folder / name for name in _SPHINX_CONFS):
            if conf.is_file() and (found := _SPHINX_PROJECT.search(conf.read_text(encoding="utf-8", errors="replace"))):
                return found.group(2).strip()
        mkdocs = folder / "mkdocs.yml"
        if mkdocs.is_file() and (found := _MKDOCS_SITE.search(mkdocs.read_text(encoding="utf-8", errors="replace"))):
            site = _DOCS_WORDS.sub("", found.group(2).strip())
            if 0 < len(site.split()) <= 4:
                return site
        for readme in sorted(folder.glob("README*")) if packages else ():
            if readme.suffix.lower() in (".md", ".rst", ".txt", ""):
                found = _HEADING.search(readme.read_text(encoding="utf-8", errors="replace")[:4000])
                if found:
                    title = (found.group(1) or found.group(2)).strip()
                    title = re.sub(r"[`*_\[\]]|\(.*?\)|<[^>]+>", "", title).strip()
                    if 0 < len(title.split()) <= 4:
                        return title
    except (OSError, ValueError):
        return None
    return None


def infer_project(paths: list[str]) -> str | None:
    """The project's name from the files beside the docs, or None."""
    for raw in paths:
        path = Path(raw).expanduser()
        folder = path if path.is_dir() else path.parent
        if not folder.exists():
            continue
        for level, candidate in enumerate(_folders_up(folder.resolve())):
            name = _name_in(candidate, packages=level < 2)
            if name:
                return name
    return None


def _folders_up(folder: Path) -> list[Path]:
    """The docs folder and those above it up to the repository's root (at most `MAX_LEVELS` up), or
    the docs folder and its parent when no repository holds it."""
    above = [folder, *folder.parents][: MAX_LEVELS + 1]
    root = next((i for i, f in enumerate(above) if (f / ".git").exists()), None)
    return above[: root + 1] if root is not None else above[:2]


MIN_PROPER_USES = 3  # a spelling with capitals mid-sentence this often is how the docs write the name
_SENTENCE_START = re.compile(r"(?:^|[.!?:]\s+|\n\s*(?:[-*+]|\d+\.)?\s*)$")
# after a word in lower case, a number, a comma or a semicolon, on the same line
_MID_SENTENCE_BEFORE = re.compile(r"(?:(?<![^\s(])[a-z][a-z0-9'-]*|[0-9,;])[ \t]+$")
_CODE_WORD_BEFORE = re.compile(r"(?:\b(?:import|from|new|return|class|def|extends|raise|isinstance)|(?<!\S)-{1,2}[\w-]+)[ \t]+$")
_CODE_LINE = re.compile(r"^(?: {4}|\t|\s*(?:>>>|\.\.\.|\$)\s)")


def spelled_as_in_docs(name: str, texts: Iterable[str]) -> str:
    """`name` as the docs' prose writes it. A package name in lower case ("click") that the docs
    write with capitals inside their sentences ("Click handles ...", "with Click") at least
    `MIN_PROPER_USES` times, outside code, headings and sentence starts, is written so; a name that
    already holds capitals, or that the docs write in lower case ("build", "pip"), is kept."""
    if not name or name != name.lower():
        return name
    counts = {spelling: n for spelling, n in _mid_sentence_spellings(name, texts).items() if spelling != name}
    best = max(counts, key=lambda spelling: counts[spelling], default=None)
    return best if best is not None and counts[best] >= MIN_PROPER_USES else name


def _mid_sentence_spellings(name: str, texts: Iterable[str]) -> dict[str, int]:
    """How often the docs' prose writes `name` in each spelling inside a sentence (outside code,
    headings and sentence starts)."""
    pattern = re.compile(rf"(?<![\w.\-/]){re.escape(name)}(?![\w\-/]|\.\w)", re.I)
    counts: dict[str, int] = {}

    def tally(prose: str) -> str:
        for found in pattern.finditer(prose):
            if not _SENTENCE_START.search(prose[max(0, found.start() - 40):found.start()]):
                counts[found.group(0)] = counts.get(found.group(0), 0) + 1
        return prose

    for text in texts:
        outside_code("\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")), tally)
    return counts


def kept_in_lower_case(name: str, texts: Iterable[str]) -> bool:
    """Whether the docs clearly write `name` in lower case: inside their sentences at least
    `MIN_PROPER_USES` times so, never otherwise there, and never capitalised in their code (a class
    `Gizmo` beside a package `gizmo`): "uv", "msgspec", "cibuildwheel". A name that is an English word
    ("build", "click") is not, since a capital is how a question tells it from the word."""
    if not name or name != name.lower() or common_word_name(name):
        return False
    texts = list(texts)
    counts = _mid_sentence_spellings(name, texts)
    if counts.get(name, 0) < MIN_PROPER_USES or any(spelling != name for spelling in counts):
        return False
    in_code = re.compile(rf"(?<![\w\-/]){re.escape(name.capitalize())}(?![\w\-/])")
    return not any(in_code.search(code) for text in texts for code in _code_of(text))


def _code_of(text: str) -> list[str]:
    """A text's code: fenced blocks, inline spans, and indented, doctest or shell lines."""
    return [text[start:end] for start, end in code_spans(text)] + \
        [line for line in text.splitlines() if _CODE_LINE.match(line)]


def respelled(text: str, name: str) -> str:
    """`text` with the model's capitalised form of a name the docs keep in lower case written as the
    docs write it ("using Cibuildwheel?" -> "using cibuildwheel?", "one, Msgspec.json.Decoder"): only
    right after a word in lower case, a number, a comma or a semicolon on the same line (never at a
    sentence or line start, after a quote, a bracket or markup), never after a dot, a slash or a
    dash, never before another capitalised word ("Build Tools") or an opening bracket (a call), never
    in code (spans, blocks, indented, doctest or shell lines, after "import", "new" or an option), and
    never in capitals ("UV")."""
    if not name or name != name.lower():
        return text
    pattern = re.compile(rf"(?<![\w.\-/\\]){re.escape(name.capitalize())}(?![\w\-/\\(]|\s+[A-Z])")

    def lower_line(line: str) -> str:
        def one(found: re.Match[str]) -> str:
            before = line[max(0, found.start() - 40):found.start()]
            if _MID_SENTENCE_BEFORE.search(before) and not _CODE_WORD_BEFORE.search(before):
                return name
            return found.group(0)
        return line if _CODE_LINE.match(line) else pattern.sub(one, line)

    return outside_code(text, lambda prose: "\n".join(map(lower_line, prose.split("\n"))))
