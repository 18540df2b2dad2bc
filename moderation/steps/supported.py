"""Is every fact of the answer in its source? A model's invented facts, caught without a model.

An answer a model wrote may state what its chunk does not: a changed value, a wrong name, an
added option, a flipped direction. Most such answers name something the chunk does not contain,
so each checkable fact of the answer is looked up in the chunk (as written and as rendered) and
in the question: numbers and versions, code (`spans`, identifiers, options, file names), quoted
strings and proper names. A sentence that matches a chunk sentence but flips its negation, or
swaps one word of an opposing pair (enabled/disabled, before/after), is flagged too. With
`supported.evidence` on, the pair's `evidence`, when the generator recorded one, must be words of
the chunk. Each finding names the unsupported span as evidence. Measured on a planted set in bench/planted_facts.py.
"""

from __future__ import annotations

import re
from functools import lru_cache

from moderation.grounding import ChunkSource
from moderation.steps.base import Context, Item, PairStep
from moderation.steps.registry import register
from moderation.verdict import Verdict, excerpt
from pairsmith.core.names import ACRONYM, OPTION, identifiers
from pairsmith.core.readable import readable
from pairsmith.core.textmetrics import CODE_SPAN, SENTENCE_BOUNDARY, stem_word
from pairsmith.core.words import load_words

_FENCE = re.compile(r"(```|~~~)[^\n]*\n(.*?)(?:\1|$)", re.S)
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:[.,:]\d+)*)(?![\w])")
_LIST_MARK = re.compile(r"(?m)^\s*\d+[.)]\s")
_QUOTED = re.compile(r"\"([^\"\n]{2,60})\"|“([^”\n]{2,60})”")
_WORD = re.compile(r"[A-Za-z][\w'-]*")
_COMMAND = re.compile(r"^[A-Za-z][\w.-]*(?:\s+\S+)*\s+--?[A-Za-z][\w-]*(?:\s+\S+)*$")  # a name, then words with an option


def _flat(text: str) -> str:
    return " ".join(text.lower().split())


@lru_cache(maxsize=2048)
def _source_view(text: str) -> tuple[str, frozenset[str]]:
    """The source as one lowercase string (raw and rendered) and its set of words."""
    both = f"{text}\n{readable(text)}"
    flat = _flat(both)
    return flat, frozenset(re.findall(r"[a-z0-9]+", flat))


def _present(fact: str, source_flat: str, source_words: frozenset[str]) -> bool:
    """A fact is present when the source holds it as written, or holds all its words."""
    flat = _flat(fact).strip("`'\".,;:()")
    if not flat or flat in source_flat:
        return True
    if " " not in flat:  # a name, a value or code: only as written
        return False
    words = re.findall(r"[a-z0-9]+", flat)  # a phrase (a quoted string, a proper name): all its words
    return bool(words) and all(w in source_words for w in words) and not any(c.isdigit() for c in flat)


def answer_facts(answer: str) -> list[str]:
    """The checkable facts of an answer: numbers, code, identifiers, quoted strings, proper names."""
    facts: list[str] = []
    code_blocks = [m.group(2) for m in _FENCE.finditer(answer)]
    prose = _FENCE.sub(" ", answer)
    for block in code_blocks:
        facts += [line.strip() for line in block.splitlines() if len(line.strip()) > 2]
    facts += [c for c in CODE_SPAN.findall(prose)]
    plain = _LIST_MARK.sub(" ", CODE_SPAN.sub(" ", prose))
    facts += [n for n in _NUMBER.findall(plain) if not (len(n) == 1 and n in "01")]
    facts += identifiers(plain, OPTION, ACRONYM)
    facts += [a or b for a, b in _QUOTED.findall(plain)]
    for sentence in SENTENCE_BOUNDARY.split(plain):
        words = _WORD.findall(sentence)
        for previous, word in zip(words, words[1:]):
            if word[:1].isupper() and word.lower() not in load_words("en")["stop"] and previous[-1:] not in ":":
                facts.append(word)
    return list(dict.fromkeys(f for f in facts if f.strip()))


def _in_order_on_a_line(tokens: list[str], lines: tuple[str, ...]) -> bool:
    """Some line holds every token, each after the one before ("pip install -U lumen" holds `pip install lumen`)."""
    for line in lines:
        at = 0
        for token in tokens:
            at = line.find(token, at)
            if at < 0:
                break
            at += len(token)
        else:
            return True
    return False


@lru_cache(maxsize=2048)
def _lines(text: str) -> tuple[str, ...]:
    """The lines of a text as written and rendered, a shell line continued with a backslash read as one."""
    joined = re.sub(r"\\[ \t]*\n\s*", " ", f"{text}\n{readable(text)}")
    return tuple(_flat(line) for line in joined.splitlines() if line.strip())


def unsupported_facts(answer: str, source: str, chunk: str | None = None) -> list[str]:
    """The facts of the answer its source does not hold. With the chunk given apart from the rest of
    the source (the question), a command in code (`pairsmith --dry-run`) must stand on one line of
    the chunk, its words in order: its words scattered over the question and the chunk ("--dry-run"
    in one, "pairsmith" in the other) are no such command."""
    flat, words = _source_view(source)
    missing = []
    for fact in answer_facts(answer):
        if chunk is not None and _COMMAND.match(fact) and not _in_order_on_a_line(_flat(fact).split(), _lines(chunk)):
            missing.append(fact)
            continue
        if "\n" in fact or len(fact) > 80:  # a code line: every identifier in it must be there
            names = re.findall(r"[A-Za-z_][\w.-]{2,}", fact)
            absent = [n for n in names if not _present(n, flat, words)]
            if absent:
                missing.append(absent[0])
        elif not _present(fact, flat, words):
            missing.append(fact)
    return missing


_CLAUSE = re.compile(r"[,;:()\n]|\s[-–—]\s|\b(?:but|while|whereas|although|though|unless|so that|so|if|when|and)\b", re.I)
# A line break inside a paragraph: the next line goes on with the sentence (not a blank line, list
# item, heading, table row, quote or indented block).
_WRAPPED = re.compile(r"(?<=\S)[ \t]*\n(?![ \t]*(?:[-*+][ \t]|\d+[.)][ \t]|[#>|]|\n|$))(?=[ \t]{0,3}\S)")
_HELD = re.compile("\ue000(\\d+)\ue001")


def _clauses(text: str) -> list[str]:
    """The clauses of a text's prose: a negation belongs to its clause, not to the whole sentence,
    and a condition ("if ...", "when ...") is a clause of its own. Docs wrap their lines, so a
    line break inside a paragraph is a space, not a clause boundary; a code span (`f(a, b)`,
    `x if not y`) is held whole while the prose is split."""
    prose = _WRAPPED.sub(" ", _FENCE.sub("\n\n", readable(text)))
    spans: list[str] = []

    def hold(match: re.Match[str]) -> str:
        spans.append(match.group(0))
        return f"\ue000{len(spans) - 1}\ue001"

    prose = CODE_SPAN.sub(hold, prose)
    parts = []
    for sentence in SENTENCE_BOUNDARY.split(prose):
        for clause in _CLAUSE.split(sentence):
            parts.append(" ".join(_HELD.sub(lambda m: spans[int(m.group(1))], clause).split()))
    return [c for c in parts if c]


def _tokens(sentence: str) -> list[str]:
    """Words, hyphenated ones whole ("no-deps" is no negation), code spans and options left out."""
    return re.findall(r"[a-z0-9'][a-z0-9'-]*", re.sub(r"`[^`]*`|(?<!\w)--?[\w-]+", " ", sentence.lower()))


MIN_SHARED = 2  # one shared word ("header") does not make two clauses say the same thing


def flipped(answer: str, source: str, overlap: float = 0.5) -> str | None:
    """An answer clause that says what a close source clause says, with its negation or one word
    of an opposing pair flipped: the clause, or None. Close: the two share at least `overlap` of
    each one's content words, and two words or more."""
    words = load_words("en")
    negations, opposites = words["negation"], words["opposites"]
    source_sentences = [(s, _tokens(s)) for s in _clauses(source)]
    for sentence in _clauses(answer):
        tokens = _tokens(sentence)
        if len(tokens) < 3:
            continue
        content = {stem_word(t) for t in tokens if t not in words["stop"] and t not in negations}
        if not content:
            continue
        best, best_tokens, best_share, best_shared = None, [], 0.0, 0
        for text, theirs in source_sentences:
            shared = len(content & {stem_word(t) for t in theirs})
            if shared / len(content) > best_share:
                best, best_tokens, best_share, best_shared = text, theirs, shared / len(content), shared
        if best is None or best_share < overlap or best_shared < MIN_SHARED:
            continue
        their_content = {stem_word(t) for t in best_tokens if t not in words["stop"] and t not in negations}
        if best_shared < overlap * len(their_content):  # close both ways: not a short clause inside a long one
            continue
        ours_neg = sum(t in negations or t.endswith("n't") for t in tokens)
        theirs_neg = sum(t in negations or t.endswith("n't") for t in best_tokens)
        if (ours_neg > 0) != (theirs_neg > 0):
            return sentence
        mine, theirs = set(tokens), set(best_tokens)
        for a, b in opposites:
            if (a in mine and a not in theirs and b in theirs) or (b in mine and b not in theirs and a in theirs):
                return sentence
    return None


def evidence_in_source(evidence: str, source: str, share: float = 0.8) -> bool:
    """The generator's quoted evidence is (nearly) words of the source."""
    _, words = _source_view(source)
    quoted = re.findall(r"[a-z0-9]+", evidence.lower())
    return not quoted or sum(w in words for w in quoted) >= share * len(quoted)


def presumed(question: str, answer: str, chunk: str, words: dict) -> tuple[str, str] | None:
    """What a pair speaks of that its section never does (`presumed` in the word lists): a default
    ("What is the default value of `filepath`?", "... `None` by default"), merits ("What are the
    benefits of ...?"), examples asked for ("What are some examples of ...?"). The model made it up or
    stretched the section to fit the question. (kind, word found), or None."""
    for kind, spec in words["presumed"].items():
        said = "|".join(re.escape(w) for w in spec["words"])
        licence = "|".join(re.escape(w) for w in (*spec["words"], *spec["licensed_by"]))
        if not said or re.search(rf"(?<!\w)(?:{licence})(?!\w)", chunk, re.I):
            continue
        pattern = re.compile(rf"\b(?:{said})\b", re.I)
        found = pattern.search(question) or (pattern.search(answer) if spec["in"] == "pair" else None)
        if found:
            return kind, found.group(0)
    return None


@register
class Supported(PairStep):
    name = "supported"
    order = 50
    section = "supported"

    def prepare(self, ctx: Context) -> None:
        self.source = ChunkSource(ctx.config.grounding.docs_root, near=ctx.source_file)
        self.words = load_words("en")

    def check(self, item: Item, ctx: Context) -> Verdict | None:
        cfg = ctx.config.supported
        pair = item.pair
        chunk = self.source.text(pair)
        if not chunk or not pair.output.strip():
            item.checks[self.name] = {"chunk": bool(chunk)}
            return None
        known = f"{chunk}\n{pair.instruction}\n{pair.input}"
        if cfg.facts and (missing := unsupported_facts(pair.output, known, chunk)):
            return Verdict(self.name, "unsupported_fact", evidence={
                "score": 0.0, "match": ", ".join(missing[:5]), "excerpt": excerpt(pair.output)})
        if cfg.flips and (sentence := flipped(pair.output, chunk)) is not None:
            return Verdict(self.name, "contradicts_source", evidence={
                "score": 0.0, "match": excerpt(sentence), "excerpt": excerpt(pair.output)})
        if cfg.presumed and (found := presumed(pair.instruction, pair.output, chunk, self.words)) is not None:
            return Verdict(self.name, f"presumed_{found[0]}", evidence={
                "score": 0.0, "match": found[1], "excerpt": excerpt(pair.instruction)})
        evidence = str((pair.generator or {}).get("evidence") or "")
        if cfg.evidence and evidence and not evidence_in_source(evidence, chunk):
            return Verdict(self.name, "evidence_not_in_source", evidence={
                "score": 0.0, "match": excerpt(evidence), "excerpt": excerpt(pair.output)})
        item.checks[self.name] = {"facts": len(answer_facts(pair.output))}
        return None
