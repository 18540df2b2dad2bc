"""Pairs read off a document's structure, no model needed for the question: option and
key-value tables, definition-style bullets, API docstrings, and a section's first paragraph
under its heading. The answer is the docs' own text, so it is supported by construction;
the question is built from the structure, so it is one a user would ask about that text.

Each pair carries `method` ("structure:option_table", ...), recorded in its generator metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pairsmith.textmetrics import SENTENCE_BOUNDARY

OPTION_HEADERS = {"option", "options", "flag", "flags", "argument", "arguments", "parameter", "parameters",
                  "name", "key", "setting", "settings", "field", "variable"}
HOW_TO_VERBS = {"install", "generate", "moderate", "train", "evaluate", "run", "use", "configure", "set", "create",
                "build", "read", "write", "export", "import", "review", "convert", "deploy", "add", "remove",
                "update", "upgrade", "test", "start", "get", "choose", "customize", "customise", "enable",
                "disable", "migrate", "define", "declare", "call", "pass", "load", "save", "serve", "debug",
                "format", "parse", "validate", "handle", "extend", "contribute", "publish", "package"}
WH_WORDS = ("what", "how", "why", "when", "where", "which", "who", "can", "does", "do", "is", "are")

_CODE_SPAN = re.compile(r"`+([^`]+?)`+")
_BOLD = re.compile(r"^(\*\*|__)(.+?)\1")
_BULLET = re.compile(r"^\s*[-*+]\s+(?P<body>.+)$")
_DEFINITION = re.compile(r"^(?:\*\*(?P<bold>[^*]{1,60})\*\*|`(?P<code>[^`]{1,60})`)\s*(?P<note>\([^)]{0,120}\))?\s*[:—–-]\s+(?P<text>.+)$")
_MARKUP = re.compile(r"<[^>]+>|!\[[^\]]*\]\([^)]*\)|\[!\[.*?\]\(.*?\)\]\(.*?\)")


@dataclass(frozen=True)
class Section:
    """A heading and the text under it, as the chunk renders it (Markdown-style `#` headings)."""

    heading: str
    level: int
    lines: list[str]
    opened: bool = True  # the heading line is in the chunk (False: a later chunk of a long section)


def sections(text: str, headings: list[str]) -> list[Section]:
    """The chunk cut at its heading lines; text before the first heading belongs to the chunk's
    own last heading."""
    found: list[Section] = []
    current = Section(headings[-1] if headings else "", len(headings), [], opened=False)
    in_fence = False
    for line in text.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        match = re.match(r"^(#{1,6})\s+(.+)$", line) if not in_fence else None
        if match:
            found.append(current)
            current = Section(match.group(2).strip(), len(match.group(1)), [])
        else:
            current.lines.append(line)
    found.append(current)
    return [s for s in found if s.heading or any(l.strip() for l in s.lines)]


def _plain(text: str) -> str:
    """Cell or heading text without Markdown emphasis and surrounding space."""
    return re.sub(r"\s+", " ", text.replace("**", "").replace("__", "")).strip()


def _cells(line: str) -> list[str]:
    line = line.strip().strip("|")
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)]


_GRID_BORDER = re.compile(r"^\s*\+(?:[-=]+\+)+\s*$")
_RST_REFERENCE = re.compile(r"`([^`<]+?)(?:\s*<[^>]*>)?`__?")


def _grid_tables(lines: list[str]) -> list[tuple[list[str], list[list[str]]]]:
    """reStructuredText grid tables (`+---+` borders, `+===+` under the header): (header, rows).
    A row may span several lines; its cells are joined. Reference markup (`` `MinHash`_ ``)
    becomes a code span."""
    tables = []
    i = 0
    while i < len(lines):
        if not _GRID_BORDER.match(lines[i]):
            i += 1
            continue
        header: list[str] = []
        rows: list[list[str]] = []
        current: list[list[str]] = []
        i += 1
        while i < len(lines) and lines[i].strip().startswith(("|", "+")):
            line = lines[i]
            if _GRID_BORDER.match(line):
                cells = [" ".join(parts).strip() for parts in zip(*current)] if current else []
                cells = [_RST_REFERENCE.sub(r"`\1`", c) for c in cells]
                if "=" in line and not header:
                    header = [_plain(c).lower() for c in cells]
                elif cells:
                    rows.append(cells)
                current = []
            else:
                current.append(_cells(line))
            i += 1
        if header:
            tables.append((header, [r for r in rows if len(r) == len(header)]))
    return tables


def _tables(lines: list[str]) -> list[tuple[list[str], list[list[str]]]]:
    """Pipe tables and grid tables: (header cells, body rows)."""
    return _pipe_tables(lines) + _grid_tables(lines)


def _pipe_tables(lines: list[str]) -> list[tuple[list[str], list[list[str]]]]:
    """Pipe tables: (header cells, body rows)."""
    tables, block = [], []
    for line in lines + [""]:
        if line.strip().startswith("|"):
            block.append(line)
            continue
        if len(block) >= 3 and re.match(r"^\s*\|?\s*:?-{2,}", block[1]):
            header = [_plain(c).lower() for c in _cells(block[0])]
            rows = [_cells(l) for l in block[2:]]
            tables.append((header, [r for r in rows if len(r) == len(header)]))
        block = []
    return tables


def _sentences(text: str, max_words: int) -> str:
    """Whole sentences of `text` up to about max_words words (at least one)."""
    flat = " ".join(text.split())
    out: list[str] = []
    for sentence in SENTENCE_BOUNDARY.split(flat):
        if out and len(" ".join(out + [sentence]).split()) > max_words:
            break
        out.append(sentence)
    return " ".join(out)


def _words(text: str) -> int:
    return len(re.findall(r"[A-Za-z]{2,}", _MARKUP.sub(" ", text)))


def _command(section: Section, subject: str) -> str | None:
    """The command a section documents: the most common `subject word` at the start of its code lines."""
    counts: dict[str, int] = {}
    for line in section.lines:
        match = re.match(rf"^\s*(?:\$\s+)?({re.escape(subject.lower())}\s+[a-z][\w-]*)", line.lower()) if subject else None
        if match:
            counts[match.group(1)] = counts.get(match.group(1), 0) + 1
    return max(counts, key=counts.get) if counts else None


def _singular(word: str) -> str:
    word = word.lower()
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and not word.endswith(("ss", "us", "is", "as")) else word


def _base_verb(verb: str) -> str:
    """catches -> catch, does -> do, keeps -> keep: the verb after "does"."""
    if verb.endswith("ies"):
        return verb[:-3] + "y"
    if verb.endswith(("ches", "shes", "sses", "xes", "zes", "oes")):
        return verb[:-2]
    return verb[:-1] if verb.endswith("s") and not verb.endswith("ss") else verb


def _option_pairs(section: Section, subject: str, command: str | None) -> list[dict[str, str]]:
    pairs = []
    for header, rows in _tables(section.lines):
        if len(header) < 2:
            continue
        first_is_option = header[0] in OPTION_HEADERS or all(_plain(r[0]).strip("`").startswith("-") for r in rows)
        if not first_is_option:
            continue
        for row in rows:
            raw = _plain(row[0])
            option = raw.strip("`").split()[0] if raw.strip("`") else ""
            meaning = _plain(row[1])
            if not option or _words(meaning) < 2:
                continue
            where = f"`{command}`" if command else subject
            is_flag = option.startswith("-")
            question = (f"What does the `{option}` option of {where} do?" if is_flag
                        else f"What is `{option}` in {where}?")
            answer = f"{raw if raw.startswith('`') else f'`{raw}`'}: {meaning[0].upper() + meaning[1:]}"
            if len(header) > 2 and _plain(row[2]) and header[2] in ("default", "defaults"):
                answer += f" (default: {_plain(row[2])})"
            pairs.append({"instruction": question, "output": answer.rstrip(".") + ".", "method": "structure:option_table"})
    return pairs


def _table_pairs(section: Section) -> list[dict[str, str]]:
    """Rows of key-value tables (not option tables): the value of each other column of a row."""
    pairs = []
    for header, rows in _tables(section.lines):
        if len(header) < 2 or header[0] in OPTION_HEADERS:
            continue
        kind = _singular(header[0]) if len(header[0].split()) == 1 else ""
        for row in rows:
            key = _plain(row[0])
            if not key or _words(key) > 6 or key.strip("`").startswith("-") or not re.search(r"\w", key):
                continue
            shown = key if key.startswith("`") else f"`{key}`"
            subject_phrase = f"the {shown} {kind}" if kind else shown
            for column, cell in zip(header[1:], row[1:]):
                value = _plain(cell)
                last = column.split()[-1] if column.split() else ""
                not_noun = last in ("as", "by", "for", "to", "in", "of", "from", "with") or re.search(r"(ed|en)$", last)
                if (not value or not re.search(r"\w", value) or len(column.split()) > 3 or "(" in column
                        or (not_noun and column != "used for")):
                    continue  # a header that is no noun ("written as"): no question reads well from it
                what = re.match(r"^what it (\w+)$", column)
                if column.split()[0] in ("for", "in", "of", "by", "with", "from"):
                    continue  # "For Data Sketch": no noun to ask for
                if column in ("usage", "use", "purpose") and re.match(r"^[a-z]+\b", value):
                    question = f"What is {subject_phrase} used for?"
                    answer = f"{subject_phrase[0].upper() + subject_phrase[1:]} is used to {value[0].lower() + value[1:]}"
                elif what:
                    question = f"What does {subject_phrase} {_base_verb(what.group(1))}?"
                    answer = f"{subject_phrase[0].upper() + subject_phrase[1:]}: {value}"
                elif column == "used for":
                    question = f"What is {subject_phrase} used for?"
                    answer = f"{subject_phrase[0].upper() + subject_phrase[1:]} is used for {value}"
                else:
                    question = f"What is the {column} of {subject_phrase}?"
                    answer = f"The {column} of {subject_phrase} is {value}"
                pairs.append({"instruction": question, "output": answer.rstrip(".") + ".",
                              "method": "structure:table_row"})
    return pairs


_LINKED_TERM = re.compile(r"\[(`[^`\]]{1,60}`|\*\*[^*\]]{1,60}\*\*)\]\([^)\s]+\)")


def _definition_pairs(section: Section, subject: str = "") -> list[dict[str, str]]:
    """Bullets that define a term: `- **term** (note): text` or `- `term`: text`."""
    pairs = []
    kind = _singular(section.heading) if section.heading and len(section.heading.split()) == 1 else ""
    bullets, current = [], None
    for line in section.lines:
        match = _BULLET.match(line)
        if match and not line.startswith("    "):
            current = [match.group("body")]
            bullets.append(current)
        elif current is not None and line.startswith("  ") and line.strip():
            current.append(line.strip())
        else:
            current = None
    for bullet in bullets:
        text = _LINKED_TERM.sub(r"\1", " ".join(bullet))  # "[`rich`](https://...): ..." -> "`rich`: ..."
        match = _DEFINITION.match(text)
        if not match or _words(match.group("text")) < 4:
            continue
        term = match.group("bold") or match.group("code")
        purpose = re.match(r"^to\s+(?P<goal>[a-z].+)$", match.group("text"))
        if match.group("code") and purpose and subject:
            # "* `rich`: to show nicely formatted errors." under "Dependencies": what the project uses it for
            goal = _sentences(purpose.group("goal"), 40).rstrip(".")
            pairs.append({"instruction": f"What does {subject} use `{term}` for?",
                          "output": f"{subject} uses `{term}` to {goal}.", "method": "structure:definition"})
            continue
        if _words(match.group("text")) < 5:
            continue
        if match.group("bold") and (not kind or len(term.split()) > 2):
            continue  # a bold phrase is a term only under a heading that names its kind ("Strategies")
        shown = f"`{term}`"
        question = f"What is the {shown} {kind}?" if kind else f"What does {shown} mean?"
        note = f" {match.group('note')}" if match.group("note") else ""
        answer = f"{shown}{note}: {_sentences(match.group('text'), 70)}"
        pairs.append({"instruction": question, "output": answer, "method": "structure:definition"})
    return pairs


def _docstring_pair(section: Section) -> list[dict[str, str]]:
    """A Python signature heading (from docstrings): what the function or class does."""
    match = re.match(r"^(def|class)\s+([A-Za-z_]\w*)", section.heading)
    if not match or not section.opened:
        return []
    paragraph = _first_paragraph(section)
    if not paragraph:
        return []
    name = match.group(2)
    question = f"What does the `{name}()` function do?" if match.group(1) == "def" else f"What is the `{name}` class?"
    return [{"instruction": question, "output": _sentences(paragraph, 60), "method": "structure:docstring"}]


def _first_paragraph(section: Section) -> str:
    """The first prose paragraph under the heading (not code, table, list or markup)."""
    paragraph: list[str] = []
    in_fence = skipping = False
    for line in section.lines + [""]:
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
            if paragraph:
                break
            continue
        if in_fence:
            continue
        if not stripped:
            if paragraph:
                break
            skipping = False
            continue
        if (skipping or stripped.startswith(("|", "-", "*", "+", ">", "<", "!", "[", "..", "=", ":"))
                or line.startswith("    ") or re.match(r"^\d+[.)]\s", stripped)):
            if paragraph:
                break
            if re.match(r"^([-*+]|\d+[.)])\s", stripped) and not skipping:
                return ""  # a section that opens with a list says its piece there: a later paragraph is an aside
            skipping = True  # a table or quote, with its continuation lines
            continue
        paragraph.append(stripped)
    text = " ".join(paragraph)
    return text if _words(text) >= 8 and not text.endswith(":") else ""


# Headings that name no topic: a question built from them means nothing ("know about more in X?").
_TOPICLESS = {"more", "recap", "summary", "misc", "miscellaneous", "other", "others", "notes", "note", "next",
              "next steps", "see also", "the absolute minimum", "minimum", "example", "examples", "demo", "intro",
              "introduction", "overview", "details", "extra", "extras", "appendix", "todo", "tl;dr", "tldr",
              "and more", "what's next", "learn more", "read more", "contributing", "contributions", "guidelines",
              "acknowledgements", "acknowledgments", "thanks", "credits", "authors", "changelog", "history"}


# Headings that name a task as a noun: "Installation" asks "How do I install X?".
_TASK_NOUNS = {"installation": "install", "install": "install", "installing": "install", "setup": "set up",
               "configuration": "configure", "usage": "use", "deployment": "deploy", "upgrading": "upgrade"}


def _heading_question(heading: str, subject: str) -> str | None:
    heading = _plain(_CODE_SPAN.sub(lambda m: m.group(1), heading)).split(":")[0].strip().rstrip(".")
    words = heading.split()
    if heading.lower() in _TASK_NOUNS:
        return f"How do I {_TASK_NOUNS[heading.lower()]} {subject}?"
    if heading.lower() in ("license", "licence", "licensing"):
        return f"Under which license is {subject} released?"
    if heading.endswith("?") and 3 <= len(words) <= 20:
        return heading  # a FAQ: the heading is the question
    if not words or len(words) > 8 or not re.search(r"[A-Za-z]", heading) or heading.lower() in _TOPICLESS:
        return None
    first = words[0].lower()
    if re.match(r"^what (it|this) (does|is)$", heading.lower()):
        return f"What {heading.split()[-1].lower()} {subject}{' do' if heading.lower().endswith('does') else ''}?"
    if first in WH_WORDS:
        return f"{heading} in {subject}?"
    if first in HOW_TO_VERBS:
        return f"How do I {heading[0].lower() + heading[1:]} with {subject}?"
    if first.endswith("ing") and len(first) > 5:
        return f"How does {heading[0].lower() + heading[1:]} work in {subject}?"
    return f"What should I know about {heading[0].lower() + heading[1:]} in {subject}?"


_COMMAND_PARENTS = re.compile(r"\b(command|commands|command line|cli|sub-?commands)\b", re.I)


def _command_heading(heading: str, parents: list[str], subject: str) -> str | None:
    """`subject word` when a one-word lowercase heading sits under a command-line heading
    ("## convert" under "# Command line" -> `pairsmith convert`)."""
    word = _plain(_CODE_SPAN.sub(lambda m: m.group(1), heading)).strip()
    if subject and re.fullmatch(r"[a-z][a-z0-9-]*", word) and any(_COMMAND_PARENTS.search(p) for p in parents):
        return f"{subject} {word}"
    return None


def _section_pair(section: Section, subject: str, parents: list[str] | None = None) -> list[dict[str, str]]:
    """A section's heading as the question, its first paragraph as the answer."""
    parents = parents or []
    if not section.opened or re.match(r"^(def|class)\s", section.heading):
        return []
    if section.level < 2:
        # A document's title says what it is about, not what it answers; two kinds do: the
        # project's own name opening a paragraph about it, and a task named as a noun ("Installation").
        title = _plain(_CODE_SPAN.sub(lambda m: m.group(1), section.heading)).split(":")[0].strip().lower()
        paragraph = _first_paragraph(section)
        if title == subject.lower() and paragraph.lower().startswith((title + " ", f"`{title}` ")):
            return [{"instruction": f"What is {subject}?", "output": _sentences(paragraph, 70),
                     "method": "structure:section"}]
        if title not in _TASK_NOUNS:
            return []
    command = _command_heading(section.heading, parents, subject)
    question = f"What does `{command}` do?" if command else _heading_question(section.heading, subject)
    paragraph = _first_paragraph(section)
    if not question or not paragraph:
        return []
    if question.startswith("How do I ") and _plain(section.heading).lower() in _TASK_NOUNS and "`" not in paragraph:
        return []  # "How do I install X?" is answered by a command, not by prerequisites alone
    return [{"instruction": question, "output": _sentences(paragraph, 70), "method": "structure:section"}]


_RST_CODE = re.compile(r"^\s*\.\.\s+(?:code-block|code|sourcecode)::\s*(\w*)\s*$")
_BOX = re.compile(r"[\u2500-\u257f]")
_VAGUE_HEADING = {"it", "this", "that", "them", "example", "examples", "usage", "demo", "more", "other", "misc"}


def code_block(lines: list[str], max_lines: int = 20) -> tuple[str, str] | None:
    """The intro prose and the first code block of a section's lines (fenced, an rst code
    directive, or an rst `::` literal block), the block as a fenced Markdown block; None when
    there is none, it is long, or it is a terminal screenshot."""
    intro: list[str] = []
    i = 0
    while i < len(lines):
        line, stripped = lines[i], lines[i].strip()
        fence = re.match(r"^\s*(```+|~~~+)\s*([\w+-]*)", line)
        rst = _RST_CODE.match(line) or (re.match(r"^.*\S::\s*$", line) and not stripped.startswith(".."))
        if fence or rst:
            body: list[str] = []
            if fence:
                language = fence.group(2)
                for j in range(i + 1, len(lines)):
                    if lines[j].strip().startswith(fence.group(1)):
                        break
                    body.append(lines[j])
                else:
                    return None  # unclosed
            else:
                language = rst.group(1) if _RST_CODE.match(line) else ""
                if not _RST_CODE.match(line):
                    intro.append(stripped[:-1].rstrip() + ":")
                j = i + 1
                while j < len(lines) and (not lines[j].strip() or lines[j].startswith((" ", "\t"))):
                    body.append(lines[j])
                    j += 1
                indent = min((len(l) - len(l.lstrip()) for l in body if l.strip()), default=0)
                body = [l[indent:] for l in body]
            while body and not body[0].strip():
                body.pop(0)
            while body and not body[-1].strip():
                body.pop()
            if not body or len(body) > max_lines or any(_BOX.search(l) for l in body):
                return None
            prose = " ".join(intro).strip()
            return prose, f"```{language}\n" + "\n".join(body) + "\n```"
        if stripped.startswith(("<", "|", "!", "[!")):
            i += 1
            continue
        if re.match(r"^([-*+]|\d+[.)])\s", stripped):
            return None  # steps in a list: the code is one of several, not the section's answer
        if stripped:
            intro.append(stripped)
        i += 1
    return None


def _code_question(heading: str, parents: list[str], subject: str) -> str | None:
    """The how-to question a heading over a code block asks: "PIP" under "Installation" ->
    "How do I install X with pip?", "Context Manager" -> "How do I use the context manager in X?"."""
    plain = _plain(_CODE_SPAN.sub(lambda m: m.group(1), heading)).strip().rstrip(".:")
    words = plain.split()
    if not words or len(words) > 5 or set(w.lower() for w in words) & _VAGUE_HEADING:
        return None
    lower = plain[0].lower() + plain[1:] if not plain[:2].isupper() else plain
    first = words[0].lower()
    under_install = any(re.search(r"\binstall", p, re.I) for p in parents)
    if first in ("install", "installation", "installing"):
        rest = " ".join(words[1:])
        return f"How do I install {subject}{' ' + rest if rest else ''}?"
    if under_install and first in ("from", "with", "using", "via", "on"):
        return f"How do I install {subject} {lower}?"
    if under_install and len(words) <= 2:
        return f"How do I install {subject} with {plain if plain[:2].isupper() and len(plain) > 3 else plain.lower()}?"
    if first in HOW_TO_VERBS:
        task = re.sub(r"\byour\b", "my", lower)
        return f"How do I {task}?" if subject.lower() in task.lower() else f"How do I {task} with {subject}?"
    return None


def _code_pair(section: Section, subject: str, parents: list[str]) -> list[dict[str, str]]:
    """A section whose heading names a task and whose body shows it in code: the how-to
    question from the heading, the intro sentence and the code as the answer."""
    if not section.opened or section.level < 2 or re.match(r"^(def|class)\s", section.heading):
        return []
    found = code_block(section.lines)
    question = _code_question(section.heading, parents, subject) if found else None
    if not found or not question:
        return []
    intro, code = found
    intro = _sentences(intro, 40) if intro else ""
    return [{"instruction": question, "output": f"{intro}\n\n{code}".strip(), "method": "structure:code"}]


def structure_pairs(text: str, headings: list[str], subject: str) -> list[dict[str, str]]:
    """Every structure-derived pair of a chunk (its text and heading path), for docs about `subject`."""
    pairs: list[dict[str, str]] = []
    stack: list[tuple[int, str]] = list(enumerate(headings, 1))  # the headings above each section
    for section in sections(text, headings):
        if section.opened:
            stack = [(level, h) for level, h in stack if level < section.level] + [(section.level, section.heading)]
        parents = [h for _, h in stack if h != section.heading]
        command = _command(section, subject)
        pairs += _option_pairs(section, subject, command)
        pairs += _table_pairs(section)
        pairs += _definition_pairs(section, subject)
        pairs += _docstring_pair(section)
        pairs += _code_pair(section, subject, parents)  # before the section's: a how-to answered by its command
        pairs += _section_pair(section, subject, parents)
    seen: set[str] = set()
    unique = []
    for pair in pairs:
        key = pair["instruction"].lower()
        if key not in seen:
            seen.add(key)
            unique.append({"instruction": pair["instruction"], "input": "", "output": pair["output"],
                           "method": pair["method"]})
    return unique
