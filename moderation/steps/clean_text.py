"""Clean text, and a question that names what it asks about.

A pair is training data only if a reader sees clean text: no raw markup (reST roles and
literals, HTML tags, link syntax), no identifier whose case was damaged on the way (`uRL`,
`hTMLResponse`, `commaSeparatedStrings` for the docs' `CommaSeparatedStrings`), no template
grammar ("What is X? in Y?", a doubled word). And a question must be understood without its
source: it names something (a name as code, a proper name, its project, or a word its chunk uses
as a name), not only "the property", "the list" or "the installation process". Every pair passes these checks, however it was made.
"""

from __future__ import annotations

import re

from moderation.grounding import ChunkSource
from moderation.steps.answer_form import excerpt
from moderation.steps.base import Context, Item, PairStep
from moderation.steps.question_form import _STOP, question_names
from moderation.verdict import Verdict
from pairsmith.readable import markup_residue, readable

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_LOWER_THEN_CAPS = re.compile(r"\b[a-z][A-Z]{2,}[A-Za-z0-9]*\b")  # uRL, hTMLResponse: a first letter lowered
_MID_QUESTION = re.compile(r"\?\s+(?=[a-z(])")  # "What is X? in Y?": a question mark inside the sentence
_DOUBLED = re.compile(r"\b(\w{2,})\s+\1\b", re.I)
_FENCE = re.compile(r"(```|~~~).*?(?:\1|$)", re.S)
_URL = re.compile(r"https?://\S+|\b[\w.-]+\.(?:com|org|net|io|dev|html?)\b\S*")
_INLINE_NAME = re.compile(r"`([^`\n]+)`")
_IDENTIFIER = re.compile(r"\b\w*(?:[_.]\w+|\d)\w*\b|\b[a-z]+[A-Z]\w*\b")


def damaged_case(text: str, source: str | None) -> str | None:
    """An identifier of `text` whose letters its source writes with other case, where either
    spelling has a capital inside the word (`fileresponse` for `FileResponse`, `uRL` for `URL`);
    without a source, a word whose first letter alone was lowered before capitals (`hTML`)."""
    prose = _URL.sub(" ", _FENCE.sub(" ", text))  # a URL's case is the URL's
    if source:
        spellings: dict[str, set[str]] = {}
        for word in _WORD.findall(_URL.sub(" ", source)):
            spellings.setdefault(word.lower(), set()).add(word)
        for word in _WORD.findall(prose):
            known = spellings.get(word.lower())
            if not known or word in known or len(word) < 3:
                continue
            inner = any(c.isupper() for c in word[1:]) or any(any(c.isupper() for c in k[1:]) for k in known)
            capitalised = word[:1].isupper() and word[1:] in {k[1:] for k in known}  # "Widget" at a sentence start
            if inner and not capitalised and not word.isupper():
                return word
    found = _LOWER_THEN_CAPS.search(prose)
    return found.group(0) if found else None


def template_grammar(question: str) -> str | None:
    """Words a template glued wrongly: a question mark mid-sentence, or a word said twice."""
    flat = " ".join(_FENCE.sub(" ", question).split())
    if (found := _MID_QUESTION.search(flat)) is not None:
        return flat[max(0, found.start() - 25): found.end() + 15]
    for match in _DOUBLED.finditer(flat):
        if match.group(1).lower() not in ("that", "had", "is"):  # "that that", "had had" are English
            return match.group(0)
    return None


def names_in_chunk(chunk: str) -> set[str]:
    """Words the chunk uses as names: a whole inline code span, an identifier, or a word
    capitalised inside a sentence."""
    text = readable(chunk)
    names = {m.strip().lower() for m in _INLINE_NAME.findall(text) if " " not in m.strip()}
    names |= {w.lower() for w in _IDENTIFIER.findall(_FENCE.sub(" ", text)) if any(c.isalpha() for c in w)}
    for sentence in re.split(r"(?<=[.!?:])\s+|\n", _FENCE.sub(" ", text)):
        for word in _WORD.findall(sentence)[1:]:
            if word[:1].isupper() and word.lower() not in _STOP["en"]:
                names.add(word.lower())
    return names


def unnamed_subject(question: str, chunk: str, project: str | None = None) -> bool:
    """True when the question names nothing: no code, no proper name, not its project, and no
    word its chunk uses as a name. "What is the first step of the installation?" names nothing."""
    if question_names(question):
        return False
    words = {w.lower() for w in _WORD.findall(question) if w.lower() not in _STOP["en"] and len(w) > 2}
    if project and {w.lower() for w in _WORD.findall(project)} & words:
        return False
    return not words & names_in_chunk(chunk)


class CleanText(PairStep):
    name = "clean_text"
    section = "clean_text"

    def prepare(self, ctx: Context) -> None:
        self.source = ChunkSource(ctx.config.grounding.docs_root, near=ctx.source_file)

    def check(self, item: Item, ctx: Context) -> Verdict | None:
        cfg = ctx.config.clean_text
        pair = item.pair
        if not pair.instruction.strip():
            return None  # blank questions are the rules step's
        chunk = self.source.text(pair)
        if cfg.markup:
            for field, text in (("instruction", pair.instruction), ("output", pair.output)):
                if (found := markup_residue(text)) is not None:
                    kind, markup = found
                    return Verdict(self.name, "markup_residue", evidence={
                        "score": 1.0, "match": markup, "kind": kind, "field": field, "excerpt": excerpt(text)})
        if cfg.case:
            for field, text in (("instruction", pair.instruction), ("output", pair.output)):
                if (word := damaged_case(text, chunk)) is not None:
                    return Verdict(self.name, "damaged_case", evidence={
                        "score": 1.0, "match": word, "field": field, "excerpt": excerpt(text)})
        if cfg.template_grammar and (found := template_grammar(pair.instruction)) is not None:
            return Verdict(self.name, "template_grammar", evidence={
                "score": 1.0, "match": found, "excerpt": excerpt(pair.instruction)})
        if cfg.named_subject and chunk:  # which words are names is the chunk's to say
            project = ((pair.generator or {}).get("params") or {}).get("project")
            if unnamed_subject(pair.instruction, chunk, project if isinstance(project, str) else None):
                return Verdict(self.name, "unnamed_subject", evidence={
                    "score": 0.0, "match": excerpt(pair.instruction), "excerpt": excerpt(pair.instruction)})
        return None
