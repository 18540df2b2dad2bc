"""Markup a reader would never see, rendered to the text they would see.

Prompts get a section as its reader sees it, and moderation flags what is left over in a pair:
Markdown link and image syntax, attribute lists (`## Title { #anchor }`), HTML tags, reST roles
(``:class:`~a.B` `` reads `B`) and their Markdown (MyST) form (``{meth}`Context.invoke` ``), reST
literals (````x````), hyperlink references (`` `text <url>`_ ``) and substitutions. Code stays
code: fenced and indented blocks are left as they are, and inline code keeps Markdown backticks.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

_FENCE = re.compile(r"^([ \t]*)(`{3,}|~{3,})[^\n]*\n.*?(?:^\1\2[ \t]*$|\Z)", re.M | re.S)
_CODE_SPANS = re.compile(rf"{_FENCE.pattern}|`+[^`\n]+`+", re.M | re.S)  # a fence (in a list item too) or inline code
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)")
_LINK = re.compile(r"(?<!!)\[([^\[\]\n]+)\]\((?:[^()\n]|\([^()\n]*\))*\)")
_REF_LINK = re.compile(r"(?<!!)\[([^\[\]\n]+)\]\[[^\]\n]*\]")
_LINK_DEF = re.compile(r"(?m)^[ \t]*\[[^\]\n]+\]:[ \t]+\S+.*$")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_HTML_TAG = re.compile(r"</?[A-Za-z][\w-]*(?:\s+[\w:-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*\s*/?>")
_ROLE = re.compile(r":(?:[\w-]+:)?([\w-]+):`([^`\n]+)`")
_MYST_ROLE = re.compile(r"\{(?:[\w-]+:)?([\w-]+)\}`([^`\n]+)`")  # Markdown (MyST) for Sphinx: {meth}`Context.invoke`
_LITERAL = re.compile(r"``([^`\n]+)``")
_HYPERLINK = re.compile(r"`([^`<\n]+?)\s*<[^>\n]+>`__?")
_NAMED_REF = re.compile(r"`([^`\n]+)`__?(?!\w)")
_FOOTNOTE = re.compile(r"\s?\[(?:#\w*|\*|\d+)\]_")
_SUBSTITUTION = re.compile(r"(?<![|\w])\|(\w[\w -]*\w)\|_?(?![|\w])")  # |name|, never a table's "| a | b |"
# An attribute list (Python-Markdown's attr_list as MkDocs uses it, Pandoc's header attributes, kramdown's
# {: ...}): "## Lifespan { #lifespan }", "![x](y){ width=300 }". Read only where it closes a line or
# follows a link or image, and only when every item is an #id, a .class or a key=value.
_ATTR_ITEM = r"""(?:[#.][A-Za-z][\w:-]*|[A-Za-z][\w-]*=(?:"[^"\n]*"|'[^'\n]*'|[^\s}]+))"""
_ATTR_BODY = rf"\{{:?[ \t]*{_ATTR_ITEM}(?:[ \t]+{_ATTR_ITEM})*[ \t]*\}}"
_ATTR_LIST = re.compile(rf"(?<![ \t])[ \t]++{_ATTR_BODY}[ \t]*$|(?<=\)){_ATTR_BODY}", re.M)
# **bold**, opened and closed outside a word: never **kwargs (no closing marks) or r**2 + x**3 (powers)
_STRONG = re.compile(r"(?<![\w*)\]])\*\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*\*(?![\w*(])")
# A link's bracketed name with no target: a reference whose definition the text left out ("open an
# issue on the [truststore GitHub issue tracker]"). Two words or more, so never a type's subscript
# (list[int]), an extra (pkg[socks]), a config section ([tool.poetry]), a key ([Enter], [y/N]), a
# usage line's [OPTIONS], a help text's [default: 5] or a list ['a', 'b'].
_BARE_REFERENCE = re.compile(r"(?<![\w\]\[!`])\[([A-Za-z][\w.-]*+(?: [\w.-]++)++)\](?![(\[:])")
_CODE_ROLES = {"class", "func", "meth", "attr", "mod", "data", "exc", "obj", "const", "envvar", "option",
               "program", "command", "file", "samp", "code", "kbd", "literal", "paramref", "type",
               # the long names of Python's roles, and the C, C++ and JavaScript domains' and :confval:'s
               "function", "method", "attribute", "exception", "module", "macro", "member", "var", "struct",
               "enum", "enumerator", "union", "expr", "texpr", "concept", "confval"}


# Roles whose text is a number or a name the built page shows with a mark or prefix (docutils' :pep:
# and :rfc:, sphinx-issues' :issue:, :pr:, :user:, :commit:, :cve:, :cwe:): "tracked in :issue:`987`"
# reads "tracked in #987", never a bare 987; "see :pep:`8`" reads "see PEP 8"
_SHOWN_AS = {"pep": "PEP {}", "rfc": "RFC {}", "issue": "#{}", "ghissue": "#{}", "pr": "#{}", "user": "@{}",
             "commit": "@{}", "cve": "{}", "cwe": "CWE-{}"}
_PAGE_ROLES = {"doc", "ref", "numref"}
_PYTHON_ROLES = {"class", "func", "meth", "attr", "mod", "data", "exc", "obj", "const", "type", "function", "method",
                 "attribute", "exception", "module"}


def _numbered(role: str, text: str) -> str:
    """A sphinx-issues or docutils numbered role's text as shown: each of a comma-separated list
    marked ("#42, #45"), another repository's kept whole ("pypa/pip#12"), a commit by its short hash."""
    shown = []
    for value in (v.strip() for v in text.split(",")):
        if not value:
            continue
        if role in ("pep", "rfc"):
            value = value.split("#", 1)[0].strip()
            shown.append(value if value.upper().startswith(role.upper()) else _SHOWN_AS[role].format(value))
        elif role == "commit":
            owner, _, sha = value.rpartition("@")
            shown.append(f"{owner}@{sha[:7]}" if owner else _SHOWN_AS[role].format(sha[:7]))
        elif role in ("issue", "pr", "ghissue") and "#" in value or role == "cwe" and value.upper().startswith("CWE"):
            shown.append(value)
        else:
            shown.append(_SHOWN_AS[role].format(value))
    return ", ".join(shown) or text


def role_text(role: str, text: str, page_title: Callable[[str], str | None] | None = None) -> str:
    """What a reader sees for a Sphinx role: its explicit title (``:ref:`the guide <target>` ``), a
    code name as code (``:class:`~pkg.mod.Name` `` reads `Name`), a numbered reference with its
    mark (PEP 8, #987), and a page or section named by its path or label (``:doc:`tutorial/getting-started` ``,
    ``:ref:`manage` ``) by the title `page_title` finds for it, else by its last part in words ("getting started")."""
    role = role.split(":")[-1]
    if "<" in text and text.rstrip().endswith(">"):  # :ref:`the title <target>`
        return text[: text.rindex("<")].strip() or text
    if role in _SHOWN_AS:
        return _numbered(role, text)
    if role in _PAGE_ROLES:
        if role in ("doc", "ref") and page_title is not None and (title := page_title(text.strip())):
            return title
        last = text.strip().rstrip("/").rsplit("/", 1)[-1]
        return " ".join(re.split(r"[-_]+", last)).strip() or text
    if text.startswith("~"):  # :class:`~pkg.mod.Name` shows Name
        text = text[1:].rsplit(".", 1)[-1]
    text = text.lstrip("!")
    if role in _PYTHON_ROLES:  # :attr:`.Engine.url` (found by its suffix) shows Engine.url
        text = text.lstrip(".") or text
    return f"`{text}`" if role in _CODE_ROLES else text


def _role(match: re.Match[str]) -> str:
    return role_text(match.group(1), match.group(2))


def _inline(text: str) -> str:
    text = _HTML_COMMENT.sub("", text)
    text = outside_code(text, without_attribute_lists)
    text = _IMAGE.sub(lambda m: m.group(1), text)
    text = _LINK.sub(lambda m: m.group(1), text)
    text = _REF_LINK.sub(lambda m: m.group(1), text)
    text = _LINK_DEF.sub("", text)
    text = _ROLE.sub(_role, text)
    text = _MYST_ROLE.sub(_role, text)
    text = _LITERAL.sub(lambda m: f"`{m.group(1)}`", text)
    text = _HYPERLINK.sub(lambda m: m.group(1), text)
    text = _FOOTNOTE.sub("", text)
    text = _SUBSTITUTION.sub(lambda m: m.group(1), text)
    text = _HTML_TAG.sub("", text)
    text = outside_code(text, lambda prose: _STRONG.sub(r"\1", prose))
    return html.unescape(text)


def outside_code(text: str, render: Callable[[str], str]) -> str:
    """`render` applied to the text with its code (fenced blocks, inline spans) held aside, so that
    bold may hold a span, and the code put back as written."""
    spans: list[str] = []

    def hold(match: re.Match[str]) -> str:
        spans.append(match.group(0))
        return f"\x00{len(spans) - 1}\x00"

    rendered = render(_CODE_SPANS.sub(hold, text.replace("\x00", "")))
    return re.sub(r"\x00(\d+)\x00", lambda m: spans[int(m.group(1))], rendered)


def code_spans(text: str) -> list[tuple[int, int]]:
    """Where the text's code is (fenced blocks, inline spans), as (start, end) offsets."""
    return [m.span() for m in _CODE_SPANS.finditer(text)]


def without_attribute_lists(text: str) -> str:
    """The text less its attribute lists: a heading's "{ #id }" is an anchor, never part of its title."""
    return _ATTR_LIST.sub("", text)


def readable(text: str) -> str:
    """The text as its reader sees it: markup rendered, code blocks untouched."""
    out, last = [], 0
    for match in _FENCE.finditer(text):
        out.append(_inline(text[last:match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_inline(text[last:]))
    return re.sub(r"\n{3,}", "\n\n", "".join(out))


# What a pair must not hold: markup its reader would see as raw syntax.
RESIDUE = (
    ("rest_role", re.compile(r":(?:[\w-]+:)?[\w-]+:`[^`\n]+`")),
    ("myst_role", re.compile(r"\{(?:[\w-]+:)?[\w-]+\}`[^`\n]+`")),
    ("rest_literal", re.compile(r"``[^`\n]+``")),
    ("rest_reference", re.compile(r"`[^`\n]+`__?(?!\w)")),
    ("rest_directive", re.compile(r"(?m)^\s*\.\. [\w:-]+::")),
    ("html_tag", re.compile(r"</?(?:a|abbr|b|br|code|div|em|i|img|kbd|li|ol|p|pre|span|strong|sup|sub|table|td|"
                            r"th|tr|ul|h[1-6])\b[^>]*>", re.I)),
    ("link_syntax", re.compile(r"\]\((?:https?:|/|\.|#)|\[[^\[\]\n]*\]\((?![^)\n]*\))")),
    ("html_entity", re.compile(r"&(?:[a-z]{2,8}|#\d{2,5});")),
    ("strong_emphasis", _STRONG),
    ("bare_reference", _BARE_REFERENCE),
    ("attribute_list", re.compile(rf"{_ATTR_LIST.pattern}|(?<![{{\w$])\{{:?[ \t]*[#.][A-Za-z][\w:-]*(?:[ \t]+{_ATTR_ITEM})*"
                                  rf"[ \t]*\}}(?!\}})", re.M)),  # a heading's anchor copied into a sentence
)


_INLINE_CODE = re.compile(r"(?<!`)`[^`\n]+`(?![`_])")


def markup_residue(text: str) -> tuple[str, str] | None:
    """(kind, the markup) of the first raw markup in prose outside code blocks, or None.
    HTML and link syntax inside inline code (`<div>`) is code, not residue."""
    prose = _FENCE.sub(" ", text)
    outside_code = _INLINE_CODE.sub(" ", prose)
    for kind, pattern in RESIDUE:
        found = pattern.search(prose if kind.startswith(("rest_", "myst_")) else outside_code)
        if found:
            return kind, found.group(0)[:60]
    return stray_backtick(prose) or stray_list_marker(prose)


_LIST_MARKER = re.compile(r"(?m)^[ \t]*\(?\d{1,2}[.)][ \t]+(?=\S)")
_INLINE_ITEM = re.compile(r"(?<=[.!?:;])[ \t]+\(?\d{1,2}[.)][ \t]+(?=\S)")  # "... it. 2. Import it."


def stray_list_marker(prose: str) -> tuple[str, str] | None:
    """A list item's number copied in front of a text that is no list ("1. `default=UNSET` is treated
    ..."): the text opens with one and holds no other item, on a line of its own or after a sentence.
    A bullet is not read so: an unfenced YAML list or diff opens with "- " too."""
    first = _LIST_MARKER.match(prose.lstrip("\n"))
    if first is None or len(_LIST_MARKER.findall(prose)) > 1 or _INLINE_ITEM.search(prose):
        return None
    return "stray_list_marker", first.group(0).strip()


def stray_backtick(prose: str) -> tuple[str, str] | None:
    """A backtick that opens or closes no code span ("the 'd`pairsmith' page"): once balanced spans,
    reST literals and fence markers are taken out, none should be left."""
    rest = re.sub(r"`{3,}", " ", _INLINE_CODE.sub(" ", _LITERAL.sub(" ", prose)))
    if (at := rest.find("`")) < 0:
        return None
    return "stray_backtick", rest[max(0, at - 20): at + 20].strip()
