"""reStructuredText, read by docutils: sections, paragraphs, lists, tables and code as blocks.

docutils parses the document, so roles and directives are resolved to what a reader sees:
``:class:`~pkg.Name` `` reads `Name`, ``:ref:`the guide <target>` `` reads "the guide",
``:doc:`tutorial/start` `` reads the linked page's title, ``:issue:`987` `` reads "#987",
``` ``x`` ``` reads `x`, a note reads "Note: ...". Sphinx's roles and directives are not
docutils' own: every role docutils does not know renders its text (code roles as inline code),
code directives (`code-block`, `sourcecode`, doctests) are code, and directives that only
generate content elsewhere (`autoclass`, `toctree`, ...) are skipped. Line numbers are those
docutils reports for each block, in the original file.
"""

from __future__ import annotations

import re
import types
from pathlib import Path
from typing import Any

from alpaca_gen.blocks import Block
from alpaca_gen.extract.registry import reader
from alpaca_gen.page_titles import labelled_section_title, linked_page_title
from pairsmith.core.readable import role_text

_LEVEL_PREFIX = {"note": "Note", "warning": "Warning", "tip": "Tip", "important": "Important",
                 "caution": "Caution", "danger": "Danger", "attention": "Attention", "hint": "Hint",
                 "error": "Error", "seealso": "See also", "versionadded": "New in version",
                 "versionchanged": "Changed in version", "deprecated": "Deprecated since version"}
_VERSION_NOTES = {"versionadded", "versionchanged", "deprecated"}
# intersphinx's explicit form, :external:doc:`x` or :external+python:ref:`x`: the role after the prefix
_EXTERNAL = re.compile(r":external(?:\+[\w.-]+)?:(?=[\w-]+(?::[\w-]+)?:`)")
_setup_done = False
_interpreted: Any = None  # set by _setup: how an inline parser reads a role


def _labelled(node: Any, label: str) -> Any:
    """A note's body opened by its label, as the built page runs it into the first paragraph ("Note:
    Passing ...", "Changed in version 4.0: Now raises ..."); a note with no text reads "Note."."""
    from docutils import nodes

    first = node.next_node(nodes.paragraph)
    if first is not None:
        first.insert(0, nodes.Text(f"{label}: "))
    else:
        node.insert(0, nodes.paragraph(f"{label}.", f"{label}."))
    return node


def _setup() -> None:
    """Teach docutils Sphinx's roles and directives once, as text, code or nothing."""
    global _setup_done
    if _setup_done:
        return
    from docutils import nodes
    from docutils.parsers.rst import Directive, directives, roles
    from docutils.utils import unescape

    def role(name: str, rawtext: str, text: str, lineno: int, inliner: Any, options: Any = None,
             content: Any = None) -> tuple[list, list]:
        text = unescape(text)  # docutils hands a role its text with backslash escapes as NUL marks
        page = getattr(inliner.document.settings, "pairsmith_page", None)
        find = labelled_section_title if name.split(":")[-1] == "ref" else linked_page_title
        shown = role_text(name, text, lambda target: find(target, page))
        code = shown.startswith("`") and shown.endswith("`") and len(shown) > 1
        return ([nodes.literal(rawtext, shown[1:-1]) if code else nodes.Text(shown)], [])

    def interpreted(inliner: Any, rawsource: str, text: str, role_name: str, lineno: int) -> tuple[list, list]:
        """docutils' reading of an interpreted text, but a role nobody registered (a project's own, a
        domain's :c:func: or :confval:) reads as its text, as the built page shows it, not as an error."""
        role_fn, messages = roles.role(role_name, inliner.language, lineno, inliner.reporter)
        if role_fn is None:
            return role(role_name, rawsource, text, lineno, inliner)
        found, more = role_fn(role_name, rawsource, text, lineno, inliner)
        return found, messages + more

    global _interpreted
    _interpreted = interpreted

    for name in ("ref", "doc", "term", "class", "func", "meth", "attr", "mod", "data", "exc", "obj", "const",
                 "envvar", "option", "program", "command", "file", "samp", "kbd", "abbr", "dfn", "guilabel",
                 "menuselection", "mimetype", "pep", "rfc", "issue", "pr", "user", "bdg", "paramref", "type",
                 "py:class", "py:func", "py:meth", "py:attr", "py:mod", "py:data", "py:exc", "py:obj", "any",
                 "download", "numref", "keyword", "token", "ghissue", "pypi", "commit", "cve", "cwe"):
        roles.register_local_role(name, role)

    class Code(Directive):
        has_content, optional_arguments, final_argument_whitespace = True, 1, True
        option_spec = None

        def run(self) -> list:
            return [nodes.literal_block("\n".join(self.content), "\n".join(self.content))]

    class Admonition(Directive):  # note, tip, warning, seealso: no arguments, so the lines under it are its text
        has_content = True
        option_spec = None

        def run(self) -> list:
            node = nodes.container()
            self.state.nested_parse(self.content, self.content_offset, node)
            return [_labelled(node, _LEVEL_PREFIX.get(self.name, self.name.title()))]

    class VersionNote(Directive):  # versionadded, versionchanged, deprecated: a version, then maybe text
        has_content, required_arguments, optional_arguments, final_argument_whitespace = True, 1, 1, True
        option_spec = None

        def run(self) -> list:
            label = _LEVEL_PREFIX[self.name]
            version, _, rest = self.arguments[0].partition(" ") if self.arguments else ("", "", "")
            head = f"{label} {version}".strip()
            node = nodes.container()
            if rest.strip() or len(self.arguments) > 1:  # ".. deprecated:: 3.1 Use other() instead."
                text = " ".join([rest.strip(), *self.arguments[1:]]).strip()
                inline, _ = self.state.inline_text(text, self.lineno)
                node += nodes.paragraph(text, "", *inline)
            self.state.nested_parse(self.content, self.content_offset, node)
            return [_labelled(node, head)]

    class Skip(Directive):
        has_content, optional_arguments, final_argument_whitespace = True, 10, True
        option_spec = None

        def run(self) -> list:
            return []

    class Keep(Directive):  # content that is plain text: only, centered, rst-class, ...
        has_content, optional_arguments, final_argument_whitespace = True, 10, True
        option_spec = None

        def run(self) -> list:
            node = nodes.container()
            self.state.nested_parse(self.content, self.content_offset, node)
            return [node]

    for name in ("code-block", "sourcecode", "code", "doctest", "testcode", "testoutput", "literalinclude",
                 "ipython", "jupyter-execute", "prompt", "console"):
        directives.register_directive(name, Code)
    for name in _LEVEL_PREFIX:
        directives.register_directive(name, VersionNote if name in _VERSION_NOTES else Admonition)
    for name in ("toctree", "autoclass", "autofunction", "automodule", "automethod", "autodata", "autoattribute",
                 "autoexception", "autosummary", "currentmodule", "module", "highlight", "index", "include",
                 "raw", "image", "figure", "only", "tabularcolumns", "spelling", "contents", "sectnum",
                 "meta", "program", "cmdoption", "option", "glossary", "todo", "youtube", "mermaid", "graphviz"):
        directives.register_directive(name, Skip)
    for name in ("rst-class", "centered", "container", "tab", "tabs", "tab-set", "tab-item", "card", "grid",
                 "grid-item", "grid-item-card", "dropdown", "hlist", "class", "function", "method", "attribute",
                 "data", "exception", "describe", "py:class", "py:function", "py:method", "topic", "sidebar",
                 "rubric", "admonition"):
        directives.register_directive(name, Keep)
    _setup_done = True


def _inline(node: Any) -> str:
    """A node's text as a reader sees it; inline literals keep Markdown backticks."""
    from docutils import nodes

    out: list[str] = []
    for child in node.children:
        if isinstance(child, nodes.Text):
            out.append(str(child))
        elif isinstance(child, nodes.literal):
            out.append(f"`{child.astext()}`")
        elif isinstance(child, (nodes.footnote_reference, nodes.citation_reference, nodes.target,
                                nodes.substitution_definition, nodes.system_message, nodes.problematic)):
            continue
        elif isinstance(child, nodes.image):
            out.append(child.get("alt", ""))
        else:
            out.append(_inline(child))
    return "".join(out)


def _line(node: Any, fallback: int) -> int:
    for each in (node, *node.findall(include_self=False)):
        if getattr(each, "line", None):
            return int(each.line)
    return fallback


def _table(node: Any) -> str:
    from docutils import nodes

    rows = []
    for row in node.findall(nodes.row):
        cells = [" ".join(_inline(p) for p in entry.findall(nodes.paragraph)) or entry.astext()
                 for entry in row.findall(nodes.entry)]
        rows.append("| " + " | ".join(" ".join(c.split()) for c in cells) + " |")
    if len(rows) > 1:
        rows.insert(1, "|" + "---|" * rows[0].count(" | ") + "---|")
    return "\n".join(rows)


_BORDER = re.compile(r"^\s*(?:[=+][-=+ ]*|\.\. )")


class _Reader:
    """Collects blocks, each placed at the lines of the file that hold it."""

    def __init__(self, text: str, offset: int) -> None:
        self.lines = text.splitlines() or [""]
        self.blocks: list[Block] = []
        self.offset = offset
        self.next = 0  # 0-based index of the first line not yet given to a block

    def _locate(self, kind: str, text: str, node: Any) -> tuple[int, int]:
        """(start, end), 1-based: the first line at or after the last block's that holds the block's
        first words, to the line docutils reports; docutils' line when the words are not found."""
        words = re.findall(r"[A-Za-z0-9_]{2,}", text)[:2]
        reported = min(max(_line(node, self.next + 1), 1), len(self.lines))
        start = None
        if words:
            for index in range(self.next, len(self.lines)):
                if all(w in self.lines[index] for w in words):
                    start = index
                    break
        if start is None:
            start = max(self.next, reported - 1 - text.count("\n"))
        if kind == "table" and start > 0 and _BORDER.match(self.lines[start - 1]):
            start -= 1  # the table's top border
        end = start + text.count("\n") if kind in ("heading", "text") else max(start, reported - 1)
        if kind != "heading":  # a table runs to its last border; text and code to the reported line
            while end + 1 < len(self.lines) and (end + 1 < reported or kind == "table") and self.lines[end + 1].strip():
                end += 1
        return start + 1, min(max(end, start), len(self.lines) - 1) + 1

    def add(self, kind: str, text: str, node: Any, level: int = 0) -> None:
        text = text.strip("\n")
        if not text.strip():
            return
        start, end = self._locate(kind, text, node)
        self.next = max(self.next, start if kind == "heading" else end)
        self.blocks.append(Block(kind, text, self.offset + start, self.offset + end, level))

    def walk(self, node: Any, depth: int) -> None:
        from docutils import nodes

        for child in node.children:
            if isinstance(child, nodes.section):
                title = child.next_node(nodes.title)
                if title is not None:
                    self.add("heading", _inline(title), title, depth + 1)
                self.walk(child, depth + 1)
            elif isinstance(child, nodes.title):
                if depth == 0:
                    self.add("heading", _inline(child), child, 1)
            elif isinstance(child, (nodes.literal_block, nodes.doctest_block)):
                language = " ".join(c for c in child.get("classes", []) if c != "code")
                self.add("code", f"```{language}\n{child.astext()}\n```", child)
            elif isinstance(child, nodes.table):
                self.add("table", _table(child), child)
            elif isinstance(child, nodes.paragraph):
                self.add("text", _inline(child), child)
            elif isinstance(child, (nodes.bullet_list, nodes.enumerated_list)):
                items = []
                for number, item in enumerate(child.children, 1):
                    mark = f"{number}." if isinstance(child, nodes.enumerated_list) else "-"
                    items.append(f"{mark} " + " ".join(_inline(p) for p in item.findall(nodes.paragraph)))
                self.add("text", "\n".join(items), child)
            elif isinstance(child, nodes.definition_list):
                entries = []
                for item in child.findall(nodes.definition_list_item):
                    term = item.next_node(nodes.term)
                    body = " ".join(_inline(p) for p in item.findall(nodes.paragraph))
                    entries.append(f"{_inline(term) if term is not None else ''}: {body}")
                self.add("text", "\n".join(entries), child)
            elif isinstance(child, nodes.field_list):
                fields = [f"{_inline(f.children[0])}: {' '.join(_inline(p) for p in f.findall(nodes.paragraph))}"
                          for f in child.findall(nodes.field)]
                self.add("text", "\n".join(fields), child)
            elif isinstance(child, (nodes.system_message, nodes.comment, nodes.target, nodes.substitution_definition,
                                    nodes.raw, nodes.footnote, nodes.citation)):
                continue
            else:  # containers, block quotes, admonitions: their children
                self.walk(child, depth)


def _inliner() -> Any:
    """docutils' inline parser whose unknown roles read as their text (docutils reads its class's
    own attributes to build its patterns, so the method is set on the instance, not subclassed)."""
    from docutils.parsers.rst import states

    inliner = states.Inliner()
    inliner.interpreted = types.MethodType(_interpreted, inliner)
    return inliner


@reader("rst", (".rst", ".rest"), carries_text=True, takes_path=True)
def rst_blocks(text: str, offset: int = 0, path: Path | None = None) -> list[Block]:
    """Blocks of a reStructuredText document, read by docutils; `path` is the file's, to read the
    titles of the pages its `:doc:` roles link."""
    from docutils.core import publish_doctree
    from docutils.parsers.rst import Parser

    _setup()
    settings = {"report_level": 5, "halt_level": 5, "warning_stream": False, "file_insertion_enabled": False,
                "raw_enabled": False, "doctitle_xform": False, "sectsubtitle_xform": False,
                "pairsmith_page": path}
    try:
        doctree = publish_doctree(_EXTERNAL.sub(":", text), parser=Parser(inliner=_inliner()),
                                  settings_overrides=settings)
    except Exception:  # docutils gave up on this text: read it as plain paragraphs
        return [Block("text", para, offset + 1, offset + 1) for para in re.split(r"\n\s*\n", text) if para.strip()]
    reader = _Reader(text, offset)
    reader.walk(doctree, 0)
    return reader.blocks
