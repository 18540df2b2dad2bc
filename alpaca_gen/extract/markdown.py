"""Markdown via markdown-it-py: top-level block tokens carry their line spans.

Two extensions of Markdown that docs use widely are read for what their reader sees: MyST
directives (```{note}, ```{code-block} python, ```{eval-rst}, as Sphinx renders them) and MkDocs
admonitions (!!! tip, followed by an indented body). Without this, a note's prose reached the model
as a code block, and a directive's options (:caption: x.py) as text. Lines that include another file
when the site is built (--8<-- "file", {!file!}, {* file *}) are read as that file when it is found
beside the page, and left out when it is not (`alpaca_gen/includes.py`)."""

from __future__ import annotations

import re
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference
from markdown_it.token import Token

from alpaca_gen.blocks import Block
from alpaca_gen.extract.registry import reader
from alpaca_gen.includes import MARKDOWN, code_fence, read_target, shows_whole_file, split_includes
from alpaca_gen.page_titles import labelled_section_title, linked_page_title
from pairsmith.core.readable import code_spans, outside_code, role_text, without_attribute_lists

_PARSER = MarkdownIt("commonmark").enable("table")
_CODE = {"fence", "code_block"}
# YAML front matter (Jekyll, Hugo, MkDocs): a first line of ---, up to a line of --- or ...
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_TITLE = re.compile(r"^title:[ \t]*(['\"]?)(.+?)\1[ \t]*$", re.M)


def _front_matter(text: str) -> tuple[str, str | None]:
    """The text with its front matter blanked (line numbers kept) and the front matter's title."""
    match = _FRONT_MATTER.match(text)
    body = (match.group(1) or "") if match else ""
    if not match or not re.match(r"\s*(?:[\w-]+:|\Z)", body):  # YAML opens with a key: else a rule and text
        return text, None
    title = _TITLE.search(body)
    return "\n" * match.group(0).count("\n") + text[match.end():], title.group(2).strip() if title else None


_DIRECTIVE = re.compile(r"\{([\w:.-]+)\}\s*(.*)")
_ADMONITIONS = {"note": "Note", "warning": "Warning", "tip": "Tip", "hint": "Hint", "caution": "Caution",
                "important": "Important", "attention": "Attention", "danger": "Danger", "error": "Error",
                "seealso": "See also"}
_VERSIONS = {"versionadded": "New in version", "versionchanged": "Changed in version",
             "deprecated": "Deprecated since version", "versionremoved": "Removed in version"}
_CODE_DIRECTIVES = {"code-block", "code", "sourcecode", "code-cell"}
# Directives whose content a reader does not see as text here: navigation, includes, pictures,
# autodoc (its text is in the code, not the page)
_NO_TEXT = {"contents", "toctree", "include", "literalinclude", "image", "raw", "currentmodule", "module",
            "index", "only", "tabularcolumns", "mermaid", "graphviz"}
# Directives whose body is Markdown the reader sees as text
_CONTAINERS = {"admonition", "dropdown", "tab-set", "tab-item", "card", "grid", "grid-item", "grid-item-card",
               "topic", "sidebar", "margin", "epigraph", "pull-quote", "highlights", "glossary", "figure", "table",
               "list-table", "rubric", "container", "div"}
# "!!! note", "??? tip \"Title\"", and Material's placement words: "!!! info inline end"
_MKDOCS_ADMONITION = re.compile(r"(?:!!!|\?\?\?\+?)[ \t]*([\w-]+)(?:[ \t]+(?:inline|end))*(?:[ \t]+\"([^\"]*)\")?[ \t]*$")


# [name] or [name][]: a link when the page defines [name]: url (its definitions leave no text of their own)
_SHORTCUT_REFERENCE = re.compile(r"(?<![\w\]\\!`])\[([^\[\]\n]+)\](?:\[\])?(?![(\[:])")


def _references_rendered(blocks: list[Block], references: dict) -> None:
    """Shortcut and collapsed reference links whose name the page defines, as their reader sees them:
    the name ("uses [ghp-import] to commit" reads "uses ghp-import to commit"). Code is left as written."""
    if not references:
        return

    def render(prose: str) -> str:
        return _SHORTCUT_REFERENCE.sub(
            lambda m: m.group(1) if normalizeReference(m.group(1)) in references else m.group(0), prose)

    for block in blocks:
        if block.kind != "code":  # a fence inside a list item and inline code stay as written
            block.text = outside_code(block.text, render)


_MYST_PAGE_LINK = re.compile(r"(?<!`)\{(?:std:)?(?P<role>doc|ref)\}`(?P<target>[^`\n]+)`")


def _page_links_rendered(blocks: list[Block], path: Path | None) -> None:
    """MyST's ``{doc}`tutorial/start` `` and ``{ref}`manage` `` as the built page shows them: the
    linked page's or labelled section's title, when the run can read it, else the target's last
    part in words (`role_text`)."""
    if path is None:
        return

    def render(found: re.Match[str]) -> str:
        role = found.group("role")
        find = labelled_section_title if role == "ref" else linked_page_title
        return role_text(role, found.group("target"), lambda target: find(target, path))

    def outside_code_only(found: re.Match[str], code: list[tuple[int, int]]) -> str:
        inside = any(start <= found.start() < end for start, end in code)  # `{doc}`x`` in code stays
        return found.group(0) if inside else render(found)

    for block in blocks:  # the role's own backticks read as a code span to CommonMark: matched whole
        if block.kind != "code" and "{" in block.text:
            code = code_spans(block.text)
            block.text = _MYST_PAGE_LINK.sub(lambda found: outside_code_only(found, code), block.text)


def _options(body: str) -> tuple[int, str]:
    """A directive's option lines (":caption: x.py", or a YAML block between ---) and the rest."""
    lines = body.split("\n")
    skipped = 0
    if lines and lines[0].strip() == "---":
        close = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        skipped = close + 1 if close is not None else 0
    while skipped < len(lines) and re.match(r"\s*:[\w-]+:", lines[skipped]):
        skipped += 1
    return skipped, "\n".join(lines[skipped:])


def _labelled(blocks: list[Block], label: str, start: int) -> list[Block]:
    """An admonition's blocks, its first paragraph opened by its label ("Note: ...")."""
    first = next((b for b in blocks if b.kind == "text"), None)
    if first is not None:
        first.text = f"{label}: {first.text}"
    else:
        blocks.insert(0, Block("text", f"{label}.", start, start))
    return blocks


def _directive(token: Token, offset: int, path: Path | None, depth: int) -> list[Block] | None:
    """The blocks a MyST directive fence stands for, or None when the fence is plain code."""
    found = _DIRECTIVE.fullmatch(token.info.strip())
    if not found:
        return None
    name, argument = found.group(1).lower(), found.group(2).strip()
    start, end = token.map
    skipped, body = _options(token.content)
    inner = offset + start + 1 + skipped  # the body's first line, less one
    if name in _NO_TEXT or name.startswith("auto"):
        return []
    if name in _CODE_DIRECTIVES:
        language = argument.split()[0] if argument else ""
        return [Block("code", f"```{language}\n{body.strip(chr(10))}\n```", offset + start + 1, offset + end)]
    if name == "eval-rst":
        from alpaca_gen.extract.rst import rst_blocks

        return rst_blocks(body, inner)
    if name not in _ADMONITIONS and name not in _VERSIONS and name not in _CONTAINERS:
        return None  # not a directive MyST knows (```{r} is R Markdown's code): code, as written
    blocks = markdown_blocks(body, inner, path, depth)
    label = _ADMONITIONS.get(name) or (f"{_VERSIONS[name]} {argument}".strip() if name in _VERSIONS else None)
    label = label or (argument if name == "admonition" and argument else None)
    return _labelled(blocks, label, offset + start + 1) if label else blocks


def _unterminated(token: Token, lines: list[str]) -> bool:
    """A fence whose last line is not a closing fence (same character, at least as long)."""
    if token.type != "fence":
        return False
    start, end = token.map
    char, length = token.markup[0], len(token.markup)
    last = lines[end - 1] if start < end - 1 < len(lines) else ""
    return re.fullmatch(rf" {{0,3}}{re.escape(char)}{{{length},}}\s*", last) is None


def _included(raw: str, start: int, end: int, path: Path | None, depth: int) -> list[Block] | None:
    """A text block with include lines: its text around the included files' blocks, in order
    (None when it has no include line). An included file's blocks take the block's line span
    and are marked `included`: their text is not the page's lines."""
    parts = split_includes(raw)
    if all(isinstance(part, str) for part in parts):
        return None
    blocks: list[Block] = []
    text: list[str] = []

    def flush() -> None:
        if any(line.strip() for line in text):
            blocks.append(Block("text", "\n".join(text).strip("\n"), start, end))
        text.clear()

    for part in parts:
        if isinstance(part, str):
            text.append(part)
            continue
        flush()
        if (found := read_target(part[0], path, depth)) is None:
            continue  # the page does not carry what the line shows
        file, content = found
        if file.suffix.lower() in MARKDOWN:
            inner = markdown_blocks(content, 0, file, depth + 1)
        else:
            inner = [Block("code", code_fence(content, file), start, end)]
        whole = (str(file),) if shows_whole_file(part[0]) else ()
        blocks += [Block(b.kind, b.text, start, end, b.level, b.unterminated, included=True,
                         origins=(*whole, *b.origins))
                   for b in inner]
    flush()
    return blocks


def _included_code(token: Token, start: int, end: int, path: Path | None, depth: int) -> list[Block] | None:
    """A fence that holds only include lines: the files' code in it, or nothing when none is found
    (None when the fence holds code of its own). An indented block holding one fence (a tab of
    `=== "Python 3.10+"` in MkDocs Material) is read as that fence."""
    content, info = token.content.rstrip("\n"), token.info.strip()
    if token.type == "code_block" and (inner := re.fullmatch(r"(`{3,}|~{3,})([^\n]*)\n(.*)\n\1[ \t]*", content, re.S)):
        content, info = inner.group(3), inner.group(2).strip()
    parts = [part for part in split_includes(content) if part != ""]
    if not parts or any(isinstance(part, str) and part.strip() for part in parts):
        return None
    targets = [part[0] for part in parts if isinstance(part, tuple)]
    found = [(target, f) for target in targets if (f := read_target(target, path, depth))]
    if not found:
        return []
    whole = tuple(str(file) for target, (file, _) in found if shows_whole_file(target))
    found = [f for _, f in found]
    language = info.split()[0] if info else None
    code = code_fence("\n\n".join(content for _, content in found), found[0][0], language)
    return [Block("code", code, start, end, included=True, origins=whole)]


@reader("markdown", (".md", ".markdown", ".mdx"), takes_path=True)
def markdown_blocks(text: str, offset: int = 0, path: Path | None = None, depth: int = 0) -> list[Block]:
    """Blocks of a Markdown text; `offset` shifts line numbers (for embedded Markdown), `path` is
    where the page is, for the files its include lines name. Front matter is metadata, not text:
    its title names a page that has no heading of its own."""
    text, page_title = _front_matter(text)
    lines = text.splitlines()
    env: dict = {}
    tokens = _PARSER.parse(text, env)
    blocks: list[Block] = []
    consumed: set[int] = set()
    for index, token in enumerate(tokens):
        if token.level != 0 or token.map is None or token.nesting == -1 or index in consumed:
            continue
        start, end = token.map
        raw = "\n".join(lines[start:end]).rstrip()
        if not raw.strip():
            continue
        if token.type == "fence" and (directive := _directive(token, offset, path, depth)) is not None:
            blocks += directive
        elif token.type == "paragraph_open" and (found := _MKDOCS_ADMONITION.match(raw.split("\n")[0])):
            label = found.group(2) or found.group(1).replace("-", " ").capitalize()
            rest = "\n".join(line.strip() for line in raw.split("\n")[1:])
            following = next((i for i in range(index + 1, len(tokens)) if tokens[i].level == 0 and tokens[i].map
                              and tokens[i].nesting != -1), None)
            inner: list[Block] = []
            if rest.strip() and (inner := _included(rest, offset + start + 2, offset + end, path, depth)) is None:
                inner = [Block("text", rest, offset + start + 2, offset + end)]
            if not rest.strip() and following is not None and tokens[following].type == "code_block":
                consumed.add(following)
                body_start = tokens[following].map[0]
                inner = markdown_blocks(tokens[following].content, offset + body_start, path, depth)
            blocks += _labelled(inner, label, offset + start + 1) if label else inner
        elif token.type == "heading_open":
            title = tokens[index + 1].content.strip() if index + 1 < len(tokens) else raw
            title = without_attribute_lists(title).strip() or title
            blocks.append(Block("heading", title, offset + start + 1, offset + end, int(token.tag[1])))
        elif token.type in _CODE:
            if (code := _included_code(token, offset + start + 1, offset + end, path, depth)) is not None:
                blocks += code
                continue
            blocks.append(Block("code", raw, offset + start + 1, offset + end,
                                unterminated=_unterminated(token, lines)))
        elif token.type == "table_open":
            blocks.append(Block("table", raw, offset + start + 1, offset + end))
        elif token.type == "hr":
            continue
        elif (parts := _included(raw, offset + start + 1, offset + end, path, depth)) is not None:
            blocks += parts
        else:
            blocks.append(Block("text", raw, offset + start + 1, offset + end))
    if page_title and depth == 0 and not any(b.kind == "heading" and b.level == 1 for b in blocks):
        blocks.insert(0, Block("heading", page_title, offset + 1, offset + 1, 1))
    _references_rendered(blocks, env.get("references") or {})
    _page_links_rendered(blocks, path)
    return blocks
