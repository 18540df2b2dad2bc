"""The answer's form: answers that are only markup, bare URLs, a list of links, a scrap of a
terminal drawing or of a table, an introduction to something that is not there, a pointer to
other docs or a "the text does not say" in place of an answer, an opening that leans on a statement
the pair never makes ("This means ..."), or only code for a question that asks what or why.

Generated answers are copied from the docs, so they are grounded, yet some copy the wrong
thing: `</div>`, a row of badges, `.. code-block:: python`, a box-drawing line of a terminal
screenshot, or "Run the following to test the output on your terminal:". Each rule is a few
regular expressions over the answer (no model), so 20,000 pairs take about a second.
"""

from __future__ import annotations

import re
from typing import Any

from moderation.steps.base import Context, Item, PairStep
from moderation.steps.registry import register
from moderation.verdict import Verdict, excerpt
from pairsmith.core.textmetrics import SENTENCE_BOUNDARY
from pairsmith.core.words import load_words

_HTML_TAG = re.compile(r"</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>|<!--.*?-->", re.S)
_MD_IMAGE = re.compile(r"!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])")
_MD_LINK = re.compile(r"\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])")  # links and reference links, badges after images
_MD_REF_DEF = re.compile(r"^\s*\[[^\]]+\]:\s*\S+.*$", re.M)
_RST_DIRECTIVE = re.compile(r"^\s*\.\.\s+[\w:-]+::.*$|^\s*:[\w -]+:.*$|^\s*\.\.\s+_[^:]+:.*$", re.M)
_RST_SUBST = re.compile(r"\|[\w .-]+\|_{0,2}")
_RST_LINK = re.compile(r"`[^`<]*<[^>]+>`_{1,2}")
_URL = re.compile(r"(?:https?://|www\.)\S+")
_DRAWING = re.compile(r"[\u2500-\u259f\u25a0-\u25ff]")  # box drawing, block elements, geometric shapes
_TABLE_CHARS = re.compile(r"[|+=:\-]{2,}|[\u2500-\u259f]")
_LETTER_WORD = re.compile(r"[^\W\d_]+")
_FENCE = re.compile(r"^\s*(```|~~~)", re.M)
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$|^\s*\+[-=+]+\+\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\S")
_INTRO = re.compile(r"(?:\bthe following|\bas follows|\bbelow|\bhere (?:is|are)|\blike this|\bfor example|\be\.g\.)"
                    r"\s*[.:]*$", re.I)
# "The following profiles are built in." with no list after it: the sentence names what it introduces
_NAMED_INTRO = re.compile(r"the following\s+[\w-]+(?:\s+[\w-]+)?\s+(?:is|are|was|were|can|will|have|has)\b",
                          re.I)


def strip_markup(text: str) -> str:
    """The answer without HTML tags, Markdown images, links and badges, reST directives and
    substitutions, URLs and table or box-drawing characters: what is left to read."""
    for pattern in (_HTML_TAG, _MD_IMAGE, _MD_LINK, _MD_REF_DEF, _RST_DIRECTIVE, _RST_LINK, _RST_SUBST, _URL,
                    _DRAWING, _TABLE_CHARS):
        text = pattern.sub(" ", text)
    return text


def _table_fragment(text: str, max_rows: int) -> bool:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if not lines or not all(line.strip().startswith(("|", "+")) or _TABLE_SEPARATOR.match(line) for line in lines):
        return False
    rows = [line for line in lines if not _TABLE_SEPARATOR.match(line)]
    return len(rows) <= max_rows


_CODE_LINE = re.compile(r"^\s*(?:>>>|\.\.\.(?:\s|$)|\$\s)|^(?: {4}|\t)")
_FENCED_BLOCK = re.compile(r"(```|~~~)[^\n]*\n.*?(?:\1|$)", re.S)
_ASKS_FOR_CODE = re.compile(r"\b(how|commands?|code|examples?|snippet|syntax|usage|install\w*|run\w*|write|show|"
                            r"call\w*|import\w*|invoke|type|print|example)\b", re.I)


def prose_words(text: str) -> int:
    """Letter words outside code: fenced blocks, doctest and shell lines, indented lines."""
    text = _FENCED_BLOCK.sub(" ", text)
    prose = [line for line in text.splitlines() if not _CODE_LINE.match(line)]
    return len(_LETTER_WORD.findall(" ".join(prose)))


_ASKS_FOR_OUTPUT = re.compile(r"\b(output|result) of\b|\bwhat does .{1,60}\b(print|output|return)\b", re.I)
_ASKS_FOR_COMMAND = re.compile(r"\b(?:what|which)\s+(?:is|are)?\s*(?:the\s+)?commands?\b(?!-)", re.I)


_ASKS_FOR_VERSION = re.compile(r"\b(?:what|which)\s+(?:\w+\s+)?versions?\b|\bsince\s+(?:what|which|when)\b|"
                               r"\bwhen\s+(?:was|were|did)\b.{0,200}?\b(?:added|introduced|deprecated|removed|released|dropped|"
                               r"changed|support|supported)\b", re.I | re.S)
_VERSION = re.compile(r"\b\d+(?:\.\d+)+\b|\bv?\d+\.x\b|\bversion\s+\d+\b", re.I)
_ASKS_FOR_COUNT = re.compile(r"\bhow\s+many\b", re.I)
_COUNT = re.compile(r"\d|\b(?:no|none|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a\s+single|"
                    r"single|both|all|any|several|dozens?|hundreds?|thousands?|unlimited)\b", re.I)
# "What is the (basic) syntax of X?", not "the syntax option"; a format is often rightly answered in words
# ("a dictionary whose keys are the header names"), a syntax is written
_ASKS_FOR_SYNTAX = re.compile(r"\b(?:what|which)\s+(?:is\s+|are\s+)?(?:the\s+)?(?:[\w-]+\s+)?syntax\b"
                              r"(?=\s*(?:of|for|used|does|do|is|are|in|to|that|when|\?|$))", re.I)
# What writes code in prose: a code span, a quoted string, an inline shell line, an option, a call, a
# dotted path or name, snake_case, CamelCase, key=value, a URL scheme, a placeholder
_CODE_IN_PROSE = re.compile(r"`[^`]+`|\"[^\"]+\"|'[^'\s][^']*'|(?:^|\s)\$\s+\S|(?:^|\s)--?[A-Za-z][\w-]*|"
                            r"\w\([^()]*\)|\b[A-Za-z_]\w*\.[A-Za-z_]|\b[A-Za-z]\w*_\w|\b[a-z]+[A-Z]\w*|"
                            r"\b[A-Z][a-z]+[A-Z]\w*|\w=\S|://|\{\w*\}|<\w+>")
# What names or writes a syntax in words: an acronym or a name with capitals inside (TOML, CycloneDX,
# ISO), or a written example with digits or symbols ("YYYY-MM-DD", "30s", ">=1.0", "#")
_FORMAT_WORD = re.compile(r"\b[A-Z]{2,}\w*|\b[A-Z][a-z]+[A-Z]\w*")
_FORMAT_EXAMPLE = re.compile(r"(?<!\S)[^\s\d#@%<>=~^*/\\|{}\[\]]*[\d#@%<>=~^*/\\|{}\[\]]\S*|\b\w+-\w+-\w+\b")
_INSTALLERS = ("pip", "pip3", "pipx", "uv", "conda", "mamba", "poetry", "pdm", "hatch", "npm", "pnpm", "yarn", "apt",
               "apt-get", "brew", "cargo", "gem", "go", "dnf", "yum", "choco", "winget")
_INSTALLER = "|".join(map(re.escape, _INSTALLERS))
_INSTALL_COMMAND = re.compile(rf"\b(?:{_INSTALLER})\s+(?:[\w-]+\s+)?(?:install|add)\b", re.I)
# "How can a user install X using pip?": an install that names its installer, which the answer must run
_ASKS_TO_INSTALL_WITH = re.compile(rf"^\s*how\b.{{0,80}}?\binstall\b.{{0,80}}?\b(?:using|with|via|through|from)\s+"
                                   rf"[`'\"]?({_INSTALLER})\b", re.I | re.S)
_EN = load_words("en")
_MEMBER_KINDS = "|".join(map(re.escape, _EN["member_kinds"]))
_STOP = _EN["stop"]
# "What options does X offer?", "What are some default options for X?": a kind whose members the answer
# must name; up to two words between ("what public API functions") and none a function word
# ("what happens to values" asks no names)
_ASKS_FOR_MEMBERS = re.compile(r"\b(?:what|which)\s+(?:are\s+|were\s+)?(?:the\s+|some\s+)?((?:[\w-]+\s+){0,2}?)"
                               rf"({_MEMBER_KINDS})\b", re.I)
_VAGUE = "|".join(re.escape(q).replace(r"\ ", r"\s+") for q in _EN["vague_quantifiers"])
_KIND_VERBS = "|".join(map(re.escape, _EN["kind_verbs"]))
_LISTED = re.compile(r"\b(?:such\s+as|including|like|namely|e\.g\.|for\s+example)\b|:|,[^,]+(?:,|\band\b|\bor\b)",
                     re.I)


def _writes_code(answer: str, question: str) -> bool:
    """Whether the answer writes any code the question does not: a block, a shell or doctest line, or
    code in its prose (a code span, an option, a call, a dotted, snake_case or CamelCase name,
    key=value). A name the question holds ("MySQL", "scikit-build-core") is no answer to it."""
    if _has_code(answer):
        return True
    asked = question.lower()
    return any(found.group(0).strip().lower() not in asked for found in _CODE_IN_PROSE.finditer(answer))


def _writes_no_syntax(answer: str, question: str) -> bool:
    """An answer to "what is the syntax of X?" that writes no code, names no syntax the question does
    not (an acronym or a cased name: "TOML", "ISO 8601") and shows no example with digits or symbols
    ("YYYY-MM-DD", "30s"): "X uses a more intuitive dotted syntax"."""
    if _writes_code(answer, question):
        return False
    asked = question.lower()
    shown = (found.group(0).lower() for pattern in (_FORMAT_WORD, _FORMAT_EXAMPLE) for found in pattern.finditer(answer))
    return all(word in asked for word in shown)


def _names_members_vaguely(answer: str, question: str) -> bool:
    """The kind the question asks to be named ("What options does X offer?") comes back behind a
    vague quantifier ("X has a few options for ...", "X provides functions to help you ..."), with no
    code, no count ("two options", "no arguments") and nothing listed after it."""
    asked = _ASKS_FOR_MEMBERS.search(question)
    if asked is None or any(w.lower() in _STOP for w in asked.group(1).split()) or _writes_code(answer, question):
        return False
    kind = re.escape(asked.group(2))
    vague = rf"\b(?:{_VAGUE})\s+((?:[\w-]+\s+){{0,2}}?){kind}\b|\b(?:{_KIND_VERBS})\s+(){kind}\b"  # a verb right before
    for found in re.finditer(vague, answer, re.I):
        between = (found.group(1) or "").lower().split()
        if any(_COUNT.fullmatch(w) for w in between) or _LISTED.search(answer[found.end():]):
            continue  # "several new options" but not "other two options"; "options such as A", "options A, B and C"
        return True
    return False


def asked_value_missing(answer: str, question: str) -> str | None:
    """What a question asks for that its answer never gives: a version ("Which version added X?",
    "When was X deprecated?") with no version number in the answer but the question's own, a count
    ("How many ...?") with no number, a syntax written with no code or example at all ("X uses a more
    intuitive dotted syntax"), an install with no install command ("you can also install it via pip"),
    or the members of a kind named only by the kind ("Trio provides functions to help you test ...").
    Such an answer talks around the question."""
    if _ASKS_FOR_VERSION.search(question) and not set(_VERSION.findall(answer)) - set(_VERSION.findall(question)):
        return "version"
    if _ASKS_FOR_COUNT.search(question) and not _COUNT.search(answer):
        return "count"
    if _ASKS_FOR_SYNTAX.search(question) and _writes_no_syntax(answer, question):
        return "syntax"
    if _ASKS_TO_INSTALL_WITH.search(question) and not _writes_code(answer, question) and \
            not _INSTALL_COMMAND.search(answer):
        return "install command"
    if _names_members_vaguely(answer, question):
        return "names"
    return None


def _has_code(answer: str) -> bool:
    """Whether the answer holds a fenced block or a shell, doctest or indented code line."""
    return bool(_FENCED_BLOCK.search(answer)) or any(_CODE_LINE.match(l) for l in answer.splitlines() if l.strip())


def code_only(answer: str, question: str, min_words: int) -> bool:
    """An answer that is only code, to a question that asks what or why rather than how (code
    shows how, it does not say what something is for), or that asks for a command's output
    (the command is not its output)."""
    if not _has_code(answer) or prose_words(answer) >= min_words:
        return False
    return bool(_ASKS_FOR_OUTPUT.search(question)) or not _ASKS_FOR_CODE.search(question)


def command_missing(answer: str, question: str) -> bool:
    """A question asking which command does something, answered with no command at all (no code
    span, no code block, no shell line)."""
    return bool(_ASKS_FOR_COMMAND.search(question)) and "`" not in answer and not _has_code(answer)


def link_list(answer: str, min_links: int, max_words: int) -> bool:
    """An introduction and a list of links ("For details, see: - [A](...) - [B][b]"): the answer is elsewhere."""
    links = len(_MD_LINK.findall(answer)) + len(_URL.findall(_MD_LINK.sub(" ", answer)))
    if links < min_links:
        return False
    left = _URL.sub(" ", _MD_LINK.sub(" ", answer))
    return len(_LETTER_WORD.findall(left)) <= max_words and (":" in left or bool(_LIST_ITEM.search(answer)))


def _dangling(text: str) -> str | None:
    """The introduction the answer ends on, when nothing it introduces follows."""
    lines = [line for line in text.rstrip().splitlines() if line.strip()]
    if not lines:
        return None
    last = lines[-1].strip()
    if _FENCE.match(last) or _LIST_ITEM.match(last) or lines[-1].startswith(("    ", "\t")):
        return None  # the answer ends on a code block or a list: what was introduced is there
    last = re.sub(r"[*_`]+$", "", last).rstrip()  # "**Note:**" ends on a colon too
    if last.endswith(":"):
        return last
    if _INTRO.search(last):
        return last
    named = _NAMED_INTRO.match(last) if len(lines) == 1 and ":" not in last else None
    if named and len(SENTENCE_BOUNDARY.split(last)) == 1 and not re.search(r"[,`;(]", last[named.end():]):
        return named.group(0)  # one sentence, and what it names is not listed after it
    return None


def _opener_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """An answer opening on one of the phrases; a one-word opener ("however", "then") only with the
    comma that makes it a connective ("However, ..."; not "However you install it, ...")."""
    alternatives = "|".join(r"\s+".join(map(re.escape, phrase.split())) + ("" if " " in phrase else r"(?=\s*,)")
                            for phrase in phrases)
    return re.compile(rf"^(?:{alternatives})\b(?!\s+of\b)", re.I)


_LEANING = _opener_pattern(load_words("en")["leaning_answer_openers"])
_PURPOSE = _opener_pattern(load_words("en")["purpose_openers"])
# what "To do this" may stand for: a question asking how, or what to do or run
_ASKS_HOW = re.compile(r"\bhow\b|\bwhat\s+(?:should|can|must|do|would|could)\s+(?:i|you|we|one)\s+do\b|"
                       r"\bwhat\s+commands?\b|^\W*(?:explain|describe|show)\b", re.I)
# what "This means/makes/ensures ..." may stand for: the thing a why-question, or a question asking
# what something does, means or causes, is about
_ASKS_ABOUT_ITS_SUBJECT = re.compile(r"^\W*why\b|^\W*what\s+(?:does|do|did|will|would)\b", re.I)
_DEMONSTRATIVE = re.compile(r"^(?:this|that)\b", re.I)


def leans_on_unseen(answer: str, question: str) -> str | None:
    """The opening by which an answer leans on a statement the pair never makes ("This means a
    migration script ...", "While this leads to ...", "To achieve this, ...", "As mentioned in ..."):
    copied from the middle of a passage, it answers something the reader was not told. "To do this"
    after a how-question stands for what was asked, and "This is because ..." after a why-question,
    or "This makes X exit" after "What does `--check` do?", for what the question is about: kept."""
    found = _LEANING.search(answer.strip().lstrip("*_ "))
    if found is None:
        return None
    words = found.group(0)
    if _PURPOSE.match(words) and _ASKS_HOW.search(question):
        return None
    if _DEMONSTRATIVE.match(words) and _ASKS_ABOUT_ITS_SUBJECT.search(question):
        return None
    return words


_DEFERS = re.compile(r"\b(?:refer(?:ring)? to|see|consult|check(?: out)?|read|visit|go(?: straight)? to|look at)\s+"
                     r"(?:the\s+|their\s+|its\s+|our\s+)?(?:[\w`'.-]+\s+){0,4}?"
                     r"(?:section|documentation|docs|page|guide|manual|chapter|website|tutorial)s?\b", re.I)


def defers_elsewhere(answer: str) -> str | None:
    """The words by which an answer sends its reader to other docs instead of answering ("you can
    refer to the advanced section of the documentation"): every sentence of the answer defers, so
    none says what was asked. An answer that says it and then adds "see the guide" is kept."""
    sentences = [s for s in SENTENCE_BOUNDARY.split(" ".join(answer.split())) if s.strip()]
    found = [_DEFERS.search(s) for s in sentences]
    if not sentences or not all(found):
        return None
    return found[0].group(0)


_SOURCE_TEXT = r"(?:text|section|passage|documentation|docs|document|context|excerpt|snippet)"
_SOURCE_SILENT = re.compile(
    rf"\b(?:the|this|that)\s+(?:given\s+|provided\s+)?{_SOURCE_TEXT}\s+(?:does\s+not|doesn't|do\s+not|don't|did\s+not)\s+"
    r"(?:\w+\s+)?(?:provide|mention|say|state|specify|contain|include|describe|cover|explain|give|discuss|address)\b"
    rf"|\bno\s+(?:information|details?|mention)\b[^.]{{0,40}}\b(?:in|from)\s+the\s+{_SOURCE_TEXT}\b"
    rf"|\bnot\s+(?:explicitly\s+|directly\s+|clearly\s+)?(?:mentioned|specified|stated|provided|covered|described)"
    rf"\s+in\s+the\s+(?:given\s+|provided\s+)?{_SOURCE_TEXT}\b", re.I)


def source_silent(answer: str) -> str | None:
    """The words by which an answer says its source does not say ("The text does not provide any
    information about ..."): a pair whose answer is that there is no answer teaches nothing."""
    found = _SOURCE_SILENT.search(" ".join(answer.split()))
    return found.group(0) if found else None


@register
class AnswerForm(PairStep):
    name = "answer_form"
    order = 20
    section = "answer_form"

    def measure(self, answer: str) -> dict[str, Any]:
        tokens = answer.split()
        chars = [c for c in answer if not c.isspace()]
        left = strip_markup(answer)
        return {"letter_words": len(_LETTER_WORD.findall(left)),
                "markup_removed": len(" ".join(left.split())) < len(" ".join(answer.split())),
                "url_share": round(sum(bool(_URL.match(t.strip("<>()[]`*"))) for t in tokens) / max(1, len(tokens)), 3),
                "drawing_share": round(len(_DRAWING.findall(answer)) / max(1, len(chars)), 3)}

    def check(self, item: Item, ctx: Context) -> Verdict | None:
        cfg = ctx.config.answer_form
        answer = item.pair.output
        if not answer.strip():
            return None  # blank answers are the rules step's
        found = self.measure(answer)
        item.checks[self.name] = found
        clip = excerpt(answer)
        if found["drawing_share"] >= cfg.drawing_share:
            return Verdict(self.name, "drawing_fragment", evidence={"score": found["drawing_share"], "excerpt": clip})
        if found["url_share"] >= cfg.url_share:
            return Verdict(self.name, "url_list", evidence={"score": found["url_share"], "excerpt": clip})
        if _table_fragment(answer, cfg.max_table_rows):
            return Verdict(self.name, "table_fragment", evidence={"score": found["letter_words"], "excerpt": clip})
        if found["markup_removed"] and found["letter_words"] < cfg.min_letter_words:
            return Verdict(self.name, "markup_only", evidence={"score": found["letter_words"], "excerpt": clip})
        if cfg.link_list and link_list(answer, 2, cfg.link_list_words):
            return Verdict(self.name, "link_list", evidence={"score": found["letter_words"], "excerpt": clip})
        if cfg.code_only and code_only(answer, item.pair.instruction, cfg.min_letter_words):
            return Verdict(self.name, "code_only_answer", evidence={"score": prose_words(answer), "excerpt": clip})
        if cfg.code_only and command_missing(answer, item.pair.instruction):
            return Verdict(self.name, "no_command_in_answer", evidence={"score": 0.0, "excerpt": clip})
        if cfg.asked_value and (asked := asked_value_missing(answer, item.pair.instruction)) is not None:
            return Verdict(self.name, "no_value_in_answer", evidence={"score": 0.0, "match": asked, "excerpt": clip})
        if cfg.dangling_intro:
            intro = _dangling(answer)
            if intro is not None:
                return Verdict(self.name, "dangling_intro", evidence={"score": 1.0, "excerpt": excerpt(intro)})
        if cfg.leaning_opener and (words := leans_on_unseen(answer, item.pair.instruction)) is not None:
            return Verdict(self.name, "leans_on_unseen", evidence={"score": 1.0, "match": words, "excerpt": clip})
        if cfg.source_silent and (words := source_silent(answer)) is not None:
            return Verdict(self.name, "says_source_is_silent", evidence={"score": 1.0, "match": words, "excerpt": clip})
        if cfg.defers_elsewhere and (words := defers_elsewhere(answer)) is not None:
            return Verdict(self.name, "defers_elsewhere", evidence={"score": 1.0, "match": words, "excerpt": clip})
        return None
