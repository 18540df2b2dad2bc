"""Clean text, and a question that names what it asks about.

A pair is training data only if a reader sees clean text: no raw markup (reST roles and
literals, HTML tags, link syntax), no identifier whose case was damaged on the way (`uRL`,
`hTMLResponse`, `commaSeparatedStrings` for the docs' `CommaSeparatedStrings`), no template
grammar ("What is X? in Y?", a doubled word), no letters of a script its source never uses (a
model's stray "库" in an English pair). And a question must be understood without its
source: it names its project where the project is known, else something (a name as code, a proper
name, a word its chunk uses as a name), not only "the property", "the list" or "the installation
process"; and it does not point at a text its reader lacks ("according to the section"). Every
pair passes these checks, however it was made.
"""

from __future__ import annotations

import re
from functools import lru_cache

from moderation.grounding import ChunkSource
from moderation.steps.base import Context, Item, PairStep
from moderation.steps.registry import register
from moderation.steps.question_form import question_names
from moderation.verdict import Verdict, excerpt
from pairsmith.core.readable import markup_residue, readable
from pairsmith.core.textmetrics import common_word_name, letter_script, names_project
from pairsmith.core.words import load_words

_STOP_EN = load_words("en")["stop"]

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
    spelling has a capital inside the word (`fileresponse` for `FileResponse`, `uRL` for `URL`). A
    source word in capitals throughout is a keyword or constant, not a cased name: "the foreign key"
    beside SQL's `FOREIGN KEY` is English. Without a source, a word whose first letter alone was
    lowered before capitals (`hTML`)."""
    prose = _URL.sub(" ", _FENCE.sub(" ", text))  # a URL's case is the URL's
    if source:
        spellings: dict[str, set[str]] = {}
        for word in _WORD.findall(_URL.sub(" ", source)):
            spellings.setdefault(word.lower(), set()).add(word)
        for word in _WORD.findall(prose):
            known = spellings.get(word.lower())
            if not known or word in known or len(word) < 3:
                continue
            inner = any(c.isupper() for c in word[1:]) or any(any(c.isupper() for c in k[1:]) and not k.isupper()
                                                                for k in known)
            capitalised = word[:1].isupper() and word[1:] in {k[1:] for k in known}  # "Widget" at a sentence start
            if inner and not capitalised and not word.isupper():
                return word
    written = set(_WORD.findall(source or ""))
    for found in _LOWER_THEN_CAPS.finditer(prose):
        if found.group(0) not in written:  # "vLLM" as its source writes it is a name, not damage
            return found.group(0)
    return None


_NAMING_BEFORE_AS = frozenset({"known", "named", "called", "same", "such", "referred", "shipped", "packaged",
                               "published", "released", "distributed", "installed", "available"})


def _tacked_on(flat: str, project: str) -> re.Match[str] | None:
    """The project's name glued to the end of a finished question: after a comma or colon ("How is
    the page protected, pairsmith?", "..., as pairsmith does?"), or straight after a noun ("How does
    this affect the model's performance pairsmith?") or a word no name can follow there ("how does
    it pairsmith?", "the string that pairsmith?": `not_before_name`). After another function word
    ("in", "by", "is"), a verb that takes it as object ("install", "run") or a verb's -ing form, it
    belongs to the sentence. A project spelled with capitals, found bare and in lower case, is an
    English word ("the body of non-text requests?" for Requests), not the name: there, case counts.
    A comparison ending on the name is read the same way ("Can Flask stream, as pairsmith does?"), and
    so is the name set off by commas mid-sentence after a clause ("the `transform_error` helper,
    `pairsmith`, by ..."), unless it is an item of a list ("Flask, pairsmith, and Django")."""
    name = re.escape(project.strip())

    def common_noun(quote: str, found: str) -> bool:  # a bare "requests" for Requests, "build" for build
        return not quote and found.islower() and (not project.strip().islower() or common_word_name(project))

    if (tail := re.search(rf"[,:;]\s*[`'\"]?{name}[`'\"]?\s*[?.!]?$", flat, re.I)) is not None:
        return tail
    # in brackets at the end ("... available in `pip` (pip-tools)?"), or after a closing "as" that makes
    # it no role ("... using the `pyproject.toml` as pip-tools?"; "known as pip-tools?" names it)
    if (tail := re.search(rf"\(\s*[`'\"]?{name}[`'\"]?\s*\)\s*[?.!]?$", flat, re.I)) is not None:
        return tail
    tail = re.search(rf"(?<=\s)(\S+)\s+as\s+([`'\"]?)({name})[`'\"]?\s*[?.!]?$", flat, re.I)
    if (tail is not None and tail.group(1).strip("`'\",").lower() not in _NAMING_BEFORE_AS
            and not common_noun(tail.group(2), tail.group(3))):
        return tail
    # set off by commas mid-sentence after a long clause, not as an item of a list: "the helper, `lumen`, by ..."
    for found in re.finditer(rf",\s*[`'\"]?{name}[`'\"]?\s*,(?!\s*(?:and|or)\b)", flat, re.I):
        clause = flat[:found.start()].split(",")[-1].split()
        if len(clause) >= 3 and not clause[-1][:1].isupper() and not clause[-1].endswith(("`", "'", '"')):
            return found  # after "the helper", not after a name that opens a list ("Flask, Lumen, Django")
    as_it_does = rf"[,:;]\s*(?:just\s+)?(?:as|like)\s+([`'\"]?)({name})[`'\"]?\s+(?:does|do|did|is|can|will|would)\s*[?.!]?$"
    if (tail := re.search(as_it_does, flat, re.I)) is not None and not common_noun(tail.group(1), tail.group(2)):
        return tail
    tail = re.search(rf"(?<=\s)([A-Za-z][\w'-]*)\s+([`'\"]?)({name})[`'\"]?\s*[?.!]?$", flat, re.I)
    if tail is None or common_noun(tail.group(2), tail.group(3)):
        return None
    before = tail.group(1).lower()
    words = load_words("en")
    if before in words["not_before_name"]:  # "how does it pairsmith?", "the string that pairsmith?"
        return tail
    if before in words["stop"] or before in words["name_verbs"] or before.endswith(("ing", "'s")):
        return None
    return tail


def template_grammar(question: str, project: str | None = None) -> str | None:
    """Words glued wrongly: a question mark mid-sentence, a word said twice, or the project's name
    tacked on at the end of a finished question (see `_tacked_on`)."""
    flat = " ".join(_FENCE.sub(" ", question).split())
    if (found := _MID_QUESTION.search(flat)) is not None:
        return flat[max(0, found.start() - 25): found.end() + 15]
    if project and project.strip():
        if (tail := _tacked_on(flat, project)) is not None:
            return flat[max(0, tail.start() - 25):]
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
            if word[:1].isupper() and word.lower() not in _STOP_EN:
                names.add(word.lower())
    return names


def unnamed_subject(question: str, chunk: str, project: str | None = None) -> bool:
    """True when the question does not say what it is about. With its project known, a question
    must name the project ("a client instance" does not say which library's client); without,
    it must name something: code, a proper name, or a word its chunk uses as a name.
    "What is the first step of the installation?" names nothing."""
    if project and project.strip():
        return not names_project(question, project)
    if question_names(question):
        return False
    words = {w.lower() for w in _WORD.findall(question) if w.lower() not in _STOP_EN and len(w) > 2}
    return not words & names_in_chunk(chunk)


_CONFIG_FILE = re.compile(r"\.(?:toml|ini|cfg|ya?ml|conf|json)|\[[\w.-]+\]|\bpyproject\b|\btool\.\w")


@lru_cache(maxsize=4096)
def _scripts(text: str) -> dict[str, str]:
    """The scripts of a text's letters beyond Latin and Greek (Greek letters are math in any
    language), each with its first letter. Cached: every pair of a chunk reads the same chunk."""
    found: dict[str, str] = {}
    if text.isascii():  # most text: no letter beyond Latin, and no Unicode name to look up
        return found
    for char in text:
        if ord(char) > 0x24F and (script := letter_script(char)) not in (None, "latin", "greek"):
            found.setdefault(script, char)
    return found


def foreign_letters(text: str, source: str) -> str | None:
    """A letter of a script its source never uses ("trustme库" from an English page): a model's slip
    into another language; the first such letter, or None."""
    theirs = _scripts(source)
    return next((char for script, char in _scripts(text).items() if script not in theirs), None)


def _bare_words(text: str) -> str:
    """Lower-case words without punctuation or code marks, one space apart: a heading as a question names it."""
    return " ".join(re.sub(r"[^\w\s-]", " ", text.lower()).split())


def source_reference(question: str, words: dict, has_input: bool = False,
                     headings: list[str] | tuple[str, ...] = ()) -> str | None:
    """Words by which the question points at a text its reader does not have ("according to the
    documentation", "according to the X documentation", "as per the documentation", "mentioned in
    the X docs", "the given code snippet", "the example provided", "the information provided in the
    text", "the given information", "what does the section say", "the section on performance", "this
    section", "the install section of the guide", "the documentation section on caching", and, with the
    pair's headings known, a section named by its own heading, "the Configuration section of X"): the
    pair is read without its source. With an input, "the given code" and "this snippet" are the input,
    and only the fixed phrases and parts of the docs count."""
    flat = " ".join(question.lower().split())
    if (found := next((p for p in words["source_reference"] if p in flat), None)) is not None:
        return found
    parts, docs = "|".join(words["source_parts"]), "|".join(words["source_wholes"])
    part_of_docs = rf"\bthe\s+(?:\S+\s+){{0,3}}?(?:{parts})s?\s+(?:of|in)\s+(?:the\s+)?(?:\S+\s+){{0,2}}?(?:{docs})\b"
    if parts and docs and (found := re.search(part_of_docs, flat)):
        return found.group(0)
    # the section the pair came from, named by its own heading: "the configuration section of X"
    if parts and headings and not _CONFIG_FILE.search(flat):
        own = {_bare_words(heading) for heading in headings}
        for found in re.finditer(rf"\bthe\s+(?=((?:\S+\s+){{1,6}}?)((?:{parts})s?)\b)", flat):  # from every "the"
            named = _bare_words(found.group(1))
            if named and named in own:
                return f"the {found.group(1)}{found.group(2)}"
    # a part of the text named by its topic: "the section on performance", "the section that explains",
    # "the documentation section on caching", unless a config file's section is meant ("the section
    # that sets the port in setup.cfg")
    topics = "|".join(words["source_topic_parts"])
    named_part = rf"\bthe\s+(?:(?:{docs})\s+)?(?:{topics})\s+(?:on|about|that|which|titled|called|named)\b"
    if topics and (found := re.search(named_part, flat)) and not _CONFIG_FILE.search(flat):
        return found.group(0)
    pointers, nouns = "|".join(words["source_pointers"]), "|".join(words["source_nouns"])
    if has_input or not pointers or not nouns:
        return None
    found = (re.search(rf"\b(?:{pointers})\s+(?:[\w`'.-]+\s+){{0,2}}(?:{nouns})\b", flat)  # "given `mypy` docs"
             or re.search(rf"\b(?:{nouns})\s+(?:{pointers})\b", flat)
             or re.search(rf"\b(?:according\s+(?:to\s+)?|as\s+per\s+)(?:the\s+|[\w.-]+'s\s+)(?:{nouns})\b", flat))
    # the text itself speaking: "what does the section say about ...", "what command does the
    # section suggest", "why does the documentation recommend ..."
    says = "|".join(words["source_says"])
    speaking = rf"\b(?:what|how|why|which)\s+(?:[\w-]+\s+){{0,2}}?(?:does|do|did)\s+the\s+(?:[\w.`'-]+\s+)?(?:{nouns})\s+(?:{says})\b"
    found = found or (says and re.search(speaking, flat))
    # the docs as a whole, named by their project: "according to the X documentation", "mentioned in the X docs"
    verbs = "|".join(words["source_verbs"])
    found = found or (docs and (
        re.search(rf"\b(?:according\s+(?:to\s+)?|as\s+per\s+)(?:the\s+)?(?:[\w.`-]+\s+|[\w.`-]+'s\s+(?:[\w.'`-]+\s+){{0,2}})"
                  rf"(?:{docs})\b", flat)
        or (verbs and re.search(rf"\b(?:{verbs})\s+in\s+the\s+(?:[\w.-]+\s+)?(?:{docs})\b", flat))
        # "in the X documentation", "in the documentation for X", unless the docs are what the question
        # is about: what they hold ("is there a changelog in the docs?") or how they are made ("a typo
        # in the docs", "the docs folder", "the generated documentation")
        or (not words["docs_work"] & set(re.findall(r"[\w-]+", flat))
            and not any(re.search(pattern, flat) for pattern in words["asks_what_docs_hold"])
            and re.search(rf"\bin\s+the\s+(?:[\w.`'-]+\s+){{0,2}}?(?:documentation|docs)\b(?!['\w-])", flat))))
    if found:
        return found.group(0)
    # a text named by what it is, with nothing in the pair it could be: "what does the code snippet do",
    # "in the excerpt" ("the end of the excerpt", "the prefix of the snippet" may be a thing of the project's)
    texts = "|".join(words["source_texts"])
    after = (r"(?=\s*[?.,]|\s*$|\s+(?:in|with|for|to|about|when|where|that|above|below|do|does|show|shows|print|"
             r"prints|return|returns|use|uses|define|defines|mean|means|say|says|demonstrate|demonstrates)\b)")
    if texts and (pointed := _not_named_before(rf"\b(?:in|from|does|do|did)\s+the\s+(?:code\s+)?({texts})\b{after}", flat)):
        return pointed
    demonstratives = "|".join(words["source_demonstratives"])
    if demonstratives and (pointed := _not_named_before(rf"\b(?:{demonstratives})\s+(?:\w+\s+)?({nouns})\b", flat)):
        return pointed
    return None


def answer_cites_source(answer: str, words: dict, has_input: bool = False) -> str | None:
    """The words by which an answer speaks of the text it was written from, which its reader lacks:
    that text speaking ("The section states that ...", "as this passage says") or pointed at as the
    one given ("defined in the provided YAML code snippet"). Only texts that are pieces of a page
    count (`source_texts`, "section", "passage"): "the documentation recommends" is the project's
    docs, "checks the given section" a config file's, "the context" the project's; code is left out,
    and with an input, "the given snippet" is that input."""
    flat = " ".join(_INLINE_NAME.sub(" ", _FENCE.sub(" ", answer)).split()).lower()
    pieces = sorted(set(words["source_texts"]) | set(words["source_parts"]) - {"chapter"})
    says = "|".join(w for w in words["source_says"] if w.endswith("s"))
    named = "|".join(pieces)
    if named and says and (found := re.search(rf"\b(?:the|this)\s+(?:{named})\s+(?:{says})\b", flat)):
        return found.group(0)
    pointers, texts = "|".join(words["source_pointers"]), "|".join(words["source_texts"])
    if not has_input and pointers and texts and (found := re.search(
            rf"\b(?:the|this)\s+(?:{pointers})\s+(?:[\w-]+\s+){{0,2}}?(?:{texts})\b", flat)):
        return found.group(0)
    if not has_input and not _FENCE.search(answer) and (found := shown_earlier(flat, words)):
        return found
    return None


def shown_earlier(flat: str, words: dict) -> str | None:
    """An example, command or table the answer points back at ("In the example above", "the
    previous example", "the example provided"), which its reader never saw: the answer shows none
    before it. "Described above", "above the live display" and "the command given by" say no such thing."""
    things = "|".join(words["shown_things"])
    found = (re.search(rf"\b(?:the|this|that|these)\s+(?:[\w-]+\s+){{0,2}}?(?:{things})s?\s+above\b"
                       rf"(?!\s+(?:the|a|an|it|its|your|all|each|every|this|that)\b)", flat)
             or re.search(rf"\b(?:the|this)\s+(?:previous|preceding)\s+(?:{things})s?\b", flat)
             # "The example provided shows ...": given to the writer, not shown to the reader
             or re.search(rf"\b(?:the|this)\s+(?:{things})s?\s+(?:provided|given)\b"
                          rf"(?!\s+(?:by|to|in|for|with|on|as|here|below|when|if|at)\b)", flat))
    return found.group(0) if found else None


def _not_named_before(pattern: str, flat: str) -> str | None:
    """The first match of `pattern` whose noun (its group 1) the question has not named earlier: "a
    snippet ... the snippet" and "a context ... this context" refer back inside the question."""
    for match in re.finditer(pattern, flat):
        if not re.search(rf"\b{match.group(1)}\b", flat[: match.start()]):
            return match.group(0)
    return None


@register
class CleanText(PairStep):
    name = "clean_text"
    order = 40
    section = "clean_text"

    def prepare(self, ctx: Context) -> None:
        self.source = ChunkSource(ctx.config.grounding.docs_root, near=ctx.source_file)
        self.words = load_words(ctx.config.clean_text.language)

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
        if cfg.script and chunk:
            for field, text in (("instruction", pair.instruction), ("input", pair.input), ("output", pair.output)):
                if (letter := foreign_letters(text, chunk)) is not None:
                    return Verdict(self.name, "foreign_script", evidence={
                        "score": 1.0, "match": letter, "field": field, "excerpt": excerpt(text)})
        if cfg.case:
            for field, text in (("instruction", pair.instruction), ("output", pair.output)):
                if (word := damaged_case(text, chunk)) is not None:
                    return Verdict(self.name, "damaged_case", evidence={
                        "score": 1.0, "match": word, "field": field, "excerpt": excerpt(text)})
        project = pair.project
        if cfg.template_grammar and (found := template_grammar(pair.instruction, project)) is not None:
            return Verdict(self.name, "template_grammar", evidence={
                "score": 1.0, "match": found, "excerpt": excerpt(pair.instruction)})
        if cfg.source_reference and (found := source_reference(pair.instruction, self.words, bool(pair.input.strip()),
                                                                  (pair.source or {}).get("headings") or ())) is not None:
            return Verdict(self.name, "source_reference", evidence={
                "score": 1.0, "match": found, "excerpt": excerpt(pair.instruction)})
        if cfg.source_reference and (found := answer_cites_source(pair.output, self.words, bool(pair.input.strip()))):
            return Verdict(self.name, "source_reference", evidence={
                "score": 1.0, "match": found, "field": "output", "excerpt": excerpt(pair.output)})
        if cfg.named_subject and (chunk or project):  # without a project, which words are names is the chunk's to say
            if unnamed_subject(pair.instruction, chunk or "", project):
                return Verdict(self.name, "unnamed_subject", evidence={
                    "score": 0.0, "match": excerpt(pair.instruction), "excerpt": excerpt(pair.instruction)})
        return None
