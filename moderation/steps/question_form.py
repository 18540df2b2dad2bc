"""The question's form, and its fit to the source chunk.

Small generators ask questions a user never would: the same clause twice, a template echoed
back ("Your answer", "1"), a question cut off at the token limit, one in another language than
the docs, one about names the chunk never mentions, an example question quoted from a code
sample ("What is the capital of France?"), or one that fits any answer ("What is the output of
the following command?"). Every rule is word lists and regular expressions: no model.
The chunk rules (language, names, code examples) need the chunk and skip pairs without one.
"""

from __future__ import annotations

import re
from pathlib import Path
from functools import lru_cache
from typing import Any

from moderation.grounding import ChunkSource
from moderation.prompt_echo import prompt_echo
from moderation.steps.base import Context, Item, PairStep
from moderation.steps.registry import register
from moderation.verdict import Verdict, excerpt
from pairsmith.core.names import VERSION, identifiers
from pairsmith.core.words import load_words, stop_words_by_language
from pairsmith.core.textmetrics import letter_script, normalise, project_name_position, rouge_l, rouge_tokens, word_tokens

_EN = load_words("en")
_STOP_EN = _EN["stop"]  # every language's stop words: stop_words_by_language()
# A question may end on a preposition ("What is it used for?"), never on an article or conjunction.
_CONNECTIVES = _EN["connectives"]
_TEMPLATE_WORDS = re.compile(r"^\W*json\b|^\W*(?:question|answer|instruction|input|output|response|text|query)\W*$", re.I)
_GENERIC_WORDS = _EN["generic_question_words"]
_CLAUSE = re.compile(r"[,;?.!:]+")
_PLACEHOLDER = re.compile(r"<[A-Za-z_][^<>]{0,40}>|\[(?:insert|your|question|answer)[^\]]*\]", re.I)
_FENCED = re.compile(r"(```|~~~)[^\n]*\n(.*?)(?:\1|$)", re.S)
_INLINE = re.compile(r"`([^`\n]+)`")
_INDENTED = re.compile(r"(?m)^(?: {4}|\t)(.+)$|^\s*>>>\s?(.*)$")
_STRING = re.compile(r"\"([^\"\n]{8,})\"|'([^'\n]{8,})'")
_BACKTICK = re.compile(r"`([^`]+)`")


def _script(text: str) -> str | None:
    """The dominant script of the letters: 'latin' or another Unicode script name; on a tie, the
    script met first. ASCII letters are Latin without a lookup (most text is ASCII; the lookup reads
    a character's Unicode name)."""
    if text.isascii():
        return "latin" if any(char.isalpha() for char in text) else None
    counts: dict[str, int] = {}
    for char in text:
        script = ("latin" if char.isalpha() else None) if char.isascii() else letter_script(char)
        if script is not None:
            counts[script] = counts.get(script, 0) + 1
    return max(counts, key=counts.get) if counts else None


def guess_language(text: str, min_words: int) -> tuple[str | None, float]:
    """(language, stop-word share) from stop words and script; None when too short to tell."""
    words = word_tokens(text)
    if len(words) < min_words:
        return None, 0.0
    script = _script(text)
    if script and script != "latin":
        return script, 1.0
    shares = {lang: sum(w in stop for w in words) / len(words) for lang, stop in stop_words_by_language().items()}
    lang = max(shares, key=shares.get)
    if shares[lang] < 0.1:
        return None, shares[lang]
    return lang, shares[lang]


@lru_cache(maxsize=4096)
def _code_of(chunk: str) -> tuple[str, tuple[str, ...]]:
    """The chunk's code (fenced, indented, doctest, inline), normalised, and its string literals."""
    parts = [m.group(2) for m in _FENCED.finditer(chunk)]
    parts += [m.group(1) or m.group(2) or "" for m in _INDENTED.finditer(chunk)]
    parts += _INLINE.findall(chunk)
    code = "\n".join(parts)
    literals = tuple(a or b for a, b in _STRING.findall(code))
    return normalise(code), literals


_DEFINED = re.compile(r"^\s*(?:export\s+)?(?:async\s+)?(?:class|def|function|interface|struct|fn)\s+([A-Za-z_]\w*)", re.M)


@lru_cache(maxsize=4096)
def defined_in_examples(chunk: str) -> frozenset[str]:
    """Classes and functions the chunk's code blocks define (`class UserSchema(Schema):`) that its
    prose never names: names an example makes up, which a reader without the chunk cannot know. A
    name the prose names too ("use the `on_function_instance` hook") is the project's, which the
    example only implements."""
    blocks = [m.group(2) for m in _FENCED.finditer(chunk)]
    blocks += ["\n".join(m.group(1) or m.group(2) or "" for m in _INDENTED.finditer(chunk))]
    defined = {name for block in blocks for name in _DEFINED.findall(block)}
    prose = _INDENTED.sub(" ", _FENCED.sub(" ", chunk))
    return frozenset(name for name in defined if not re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", prose))


def example_subject(question: str, chunk: str, given: str = "") -> list[str]:
    """The names the question asks about that only the chunk's example defines; a name the pair's
    input defines is the input's, and may be asked about."""
    made_up = defined_in_examples(chunk) - set(_DEFINED.findall(given))
    if not made_up:
        return []
    asked = {re.sub(r"\(.*$", "", n.strip("`")).split(".")[0] for n in question_names(question)}
    return sorted(asked & made_up)


def code_names(question: str) -> list[str]:
    """The names a question quotes as code or versions: `code`, snake_case, dotted.names, CamelCase,
    words with digits, 2.7: each should appear in the docs the question is asked from."""
    names = [m.strip() for m in _BACKTICK.findall(question) if m.strip()]
    plain = _BACKTICK.sub(" ", question)
    names += identifiers(plain, VERSION)
    return list(dict.fromkeys(n for n in names if len(n) > 1))


def question_names(question: str) -> list[str]:
    """What the question names: `code`, CamelCase, snake_case, dotted names, words with digits,
    and capitalised words not at the start of a sentence."""
    names = [m.strip() for m in _BACKTICK.findall(question) if m.strip()]
    plain = _BACKTICK.sub(" ", question)
    names += identifiers(plain, VERSION)
    words = plain.split()
    for i, word in enumerate(words):
        clean = re.sub(r"['’]s$", "", word.strip(".,;:!?()[]\"'“”"))  # Starlette's: the name is Starlette
        at_start = i == 0 or words[i - 1].endswith((".", "?", "!", ":"))
        if clean[:1].isupper() and not at_start and clean.lower() not in _STOP_EN and clean != "I" \
                and not clean.replace(".", "").isdigit():
            names.append(clean)
    return list(dict.fromkeys(n for n in names if len(n) > 1))


_SECOND_QUESTION = re.compile(rf"(?:,\s*|\s)and\s+(?:{'|'.join(sorted(_EN['question_openers']))})\b.*$", re.I)


def two_questions(question: str) -> str | None:
    """The second question of one that asks two, joined by "and" after a clause ("What is X, and how
    is it set?", "Where are decisions saved and how are they stored?"), or None."""
    flat = " ".join(question.split())
    first = flat.split(" ", 1)[0].lower().strip("\"'`*(")
    if first not in _EN["question_openers"]:
        return None  # a request ("Explain X and how ...") asks for one text
    found = _SECOND_QUESTION.search(flat)
    if found is None or len(flat[: found.start()].split()) < 4:
        return None
    return found.group(0).lstrip(", ")[:60]


_COMPARISON = re.compile(r"\bdifference between (?P<a>.+?) and (?P<b>.+?)\??$", re.I)


def unanswered_comparison(question: str, answer: str) -> str | None:
    """A "difference between A and B" question whose answer names only one side (or neither):
    the answer cannot be the comparison asked for."""
    match = _COMPARISON.search(question.strip())
    if not match:
        return None
    said = set(re.findall(r"[a-z0-9]+", answer.lower()))
    def named(side: str) -> bool:
        words = [w for w in re.findall(r"[a-z0-9]+", side.lower()) if w not in ("a", "an", "the")]
        return bool(words) and sum(w in said for w in words) * 2 >= len(words)
    if named(match.group("a")) and named(match.group("b")):
        return None
    return match.group(0)[:80]

@register
class QuestionForm(PairStep):
    name = "question_form"
    order = 30
    section = "question_form"

    def prepare(self, ctx: Context) -> None:
        self.source = ChunkSource(ctx.config.grounding.docs_root, near=ctx.source_file)
        self.patterns = [re.compile(p, re.I) for p in ctx.config.question_form.generic_patterns]

    # --- form rules: the question alone -------------------------------------------------

    def repeated(self, question: str, n: int, min_content: int) -> str | None:
        words = word_tokens(question)
        seen: set[tuple[str, ...]] = set()
        for i in range(len(words) - n + 1):
            gram = tuple(words[i : i + n])
            if gram in seen and sum(w not in _STOP_EN for w in gram) >= min_content:
                return " ".join(gram)
            seen.add(gram)
        clauses = [normalise(c) for c in _CLAUSE.split(question)]
        clauses = [c for c in clauses if len(c.split()) >= 2]
        for i, clause in enumerate(clauses):
            if clause in clauses[:i]:
                return clause
        return None

    def template(self, question: str, phrases: list[str]) -> str | None:
        stripped = question.strip()
        if not any(c.isalpha() for c in stripped):
            return stripped[:40] or "(blank)"
        lowered = stripped.lower()
        for phrase in phrases:
            p = phrase.lower()
            if (re.search(rf"(?<!\w){re.escape(p)}(?!\w)", lowered) if p[:1].isalnum() and p[-1:].isalnum()
                    else p in lowered):
                return phrase
        found = _PLACEHOLDER.search(stripped) or _TEMPLATE_WORDS.search(stripped)
        return found.group(0).strip() if found else None

    def cut_off(self, question: str, verbs: list[str], min_words: int) -> str | None:
        text = question.strip()
        words = text.rstrip("?!. ").split()
        if not words:
            return None
        last = words[-1].lower().strip("\"'`*)")
        if text.endswith(("-", "-?", ",", ",?")) or re.search(r"\w-\w?\?$", text) or (
                last in _CONNECTIVES and len(words) > 3):
            return text[-30:]
        if text.endswith(("?", ".", "!", ")", "`", '"')):
            return None
        first = word_tokens(text)[:1]
        if first and first[0] in verbs:
            return None  # a request: "Explain how the cache works"
        if len(words) >= min_words:
            return text[-30:]
        return None

    def generic(self, question: str) -> str | None:
        flat = " ".join(question.strip().split())
        for pattern in self.patterns:
            if pattern.fullmatch(flat.rstrip("?.! ")):
                return pattern.pattern
        content = [w for w in word_tokens(flat) if w not in _GENERIC_WORDS and w not in _STOP_EN]
        if not content and word_tokens(flat):
            return "no content words"
        return None

    # --- chunk rules: the question against its source -------------------------------------

    def wrong_language(self, question: str, chunk: str, min_words: int) -> dict[str, Any] | None:
        asked, asked_share = guess_language(question, min_words)
        docs, _ = guess_language(chunk, min_words * 4)
        if asked and docs and asked != docs:
            return {"score": round(asked_share, 3), "question_language": asked, "chunk_language": docs}
        return None

    def unknown_names(self, question: str, chunk: str, strict: bool) -> list[str] | None:
        """The names the question uses that its chunk does not: None when any name is found, or
        (`strict`) every code name the question quotes is."""
        lowered = chunk.lower()
        flat = normalise(chunk)
        def found(name: str) -> bool:
            return name.lower() in lowered or bool(normalise(name) and normalise(name) in flat)
        if strict:
            missing = [n for n in code_names(question)
                       if not found(n.strip("`")[:-1] if n.strip("`").endswith("()") else n.strip("`"))]
            if missing:
                return missing
        names = question_names(question)
        if not names or any(found(name) for name in names):
            return None
        return names

    def code_example(self, question: str, chunk: str, similarity: float) -> dict[str, Any] | None:
        code, literals = _code_of(chunk)
        asked = normalise(question)
        if not code or len(asked.split()) < 3:
            return None
        if f" {asked} " in f" {code} ":
            return {"score": 1.0, "match": excerpt(question)}
        tokens = rouge_tokens(question)
        best, match = 0.0, ""
        for literal in literals:
            score = rouge_l(tokens, rouge_tokens(literal))
            if score > best:
                best, match = score, literal
        if best >= similarity:
            return {"score": round(best, 3), "match": excerpt(match)}
        return None

    def check(self, item: Item, ctx: Context) -> Verdict | None:
        cfg = ctx.config.question_form
        question = item.prompt
        instruction = item.pair.instruction
        if not instruction.strip():
            return None  # blank questions are the rules step's
        clip = excerpt(question)
        if (found := self.template(instruction, cfg.template_phrases)) is not None:
            return Verdict(self.name, "template_echo", evidence={"score": 1.0, "match": found, "excerpt": clip})
        if (found := self.repeated(instruction, cfg.repeat_ngram, cfg.min_repeat_content)) is not None:
            return Verdict(self.name, "repeated_question", evidence={"score": 1.0, "match": found, "excerpt": clip})
        if (found := self.cut_off(instruction, cfg.imperative_verbs, cfg.min_words_unterminated)) is not None:
            return Verdict(self.name, "cut_off", evidence={"score": 1.0, "match": found, "excerpt": clip})
        if (found := self.generic(instruction)) is not None:
            return Verdict(self.name, "generic_question", evidence={"score": 1.0, "match": found, "excerpt": clip})
        if cfg.comparisons and (found := unanswered_comparison(instruction, item.pair.output)) is not None:
            return Verdict(self.name, "unanswered_comparison", evidence={"score": 0.0, "match": found, "excerpt": clip})
        if cfg.two_questions and (found := two_questions(instruction)) is not None:
            return Verdict(self.name, "two_questions", decision="review", evidence={"score": 0.0, "match": found,
                                                                                 "excerpt": clip})
        if cfg.late_name and (at := project_name_position(instruction, item.pair.project)) is not None \
                and at >= cfg.late_name:
            return Verdict(self.name, "late_name", decision="review", evidence={
                "score": float(at), "match": excerpt(instruction[max(0, at - 40):]), "excerpt": clip})
        chunk = getattr(self, "source", None) and self.source.text(item.pair)
        for text in (instruction, item.pair.output):  # the prompt's own words, copied into the pair
            if (found := prompt_echo(text, item.pair.generator, chunk)) is not None:
                return Verdict(self.name, "template_echo", evidence={"score": 1.0, "match": found, "excerpt": clip})
        checks: dict[str, Any] = {"chunk": bool(chunk)}
        if chunk:
            if cfg.language and (found := self.wrong_language(question, chunk, cfg.min_words_for_language)):
                return Verdict(self.name, "wrong_language", evidence={**found, "excerpt": clip})
            if cfg.code_example and (found := self.code_example(instruction, chunk, cfg.code_example_similarity)):
                return Verdict(self.name, "code_example_question", evidence={**found, "excerpt": clip})
            if cfg.example_subject and (made_up := example_subject(instruction, chunk, item.pair.input)):
                return Verdict(self.name, "example_subject",
                               evidence={"score": 0.0, "match": ", ".join(made_up[:5]), "excerpt": clip})
            if cfg.unknown_names:
                names = question_names(question)
                checks["names"] = names[:10]
                strict = cfg.strict_code_names
                # the project a document belongs to is named by its path, not always by its chunk
                place = " ".join(Path(str((item.pair.source or {}).get("path", ""))).parts[-3:-1])
                project = ((item.pair.generator or {}).get("params") or {}).get("project")
                place += f" {project}" if isinstance(project, str) else ""  # and by the project the run named
                if (missing := self.unknown_names(question, f"{chunk}\n{place}", strict)) is not None:
                    return Verdict(self.name, "unknown_names",
                                   evidence={"score": 0.0, "match": ", ".join(missing[:5]), "excerpt": clip})
        item.checks[self.name] = checks
        return None
