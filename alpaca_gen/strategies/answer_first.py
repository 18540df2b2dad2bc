"""Answer first: pick answerable sentences of a chunk, ask a small model for several candidate
questions per sentence in one batch, and keep the candidate that passes round-trip
consistency (Alberti et al. 2019): embedded, it retrieves its own sentence among the chunk's
sentences by a margin, and it has the form of a question a user asks. A sentence with no
passing question yields no pair rather than a bad one.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import numpy as np

from alpaca_gen.chunk import Chunk
from alpaca_gen.parse import parse_field
from pairsmith.core.reply_schemas import QUESTION_SCHEMA
from alpaca_gen.strategies.base import Strategy, Unit, UnitResult, _headings, _messages
from alpaca_gen.strategies.registry import register
from pairsmith.core.templates import load_template
from pairsmith.core.backends.base import Backend, Request
from pairsmith.core.templates import Template
from pairsmith.core.words import load_words
from pairsmith.core.textmetrics import SENTENCE_BOUNDARY, passage_spans, rouge_l_text

# A sentence that leans on the one before ("It ...", "This ...") does not stand alone as an answer.
_LEANING = load_words("en")["leaning_openers"]
_INTRO = re.compile(r"(:\s*$)|\b(the following|as follows|below|above|like this|for example)\b", re.I)
_FENCED = re.compile(r"^[ \t]*(`{3,}|~{3,}).*?(?:^[ \t]*\1[ \t]*$|\Z)", re.M | re.S)
_INLINE = re.compile(r"<(?:abbr|em|strong|b|i|code)\b[^>]*>([^<]*)</(?:abbr|em|strong|b|i|code)>")
_MARKUP = re.compile(r"<[^>]+>|!\[|\]\(|https?://|[│─╭╮╰╯█━┃]")
_ADDRESSED = re.compile(r"^(are|do|can|could|would|will|have|did) you\b|^why not\b|^is you\b", re.I)
_ECHO = re.compile(r"\b(your (answer|question)|question:|answer:|json|this answer|the answer|this sentence)\b", re.I)


def answerable_sentences(text: str) -> list[str]:
    """Prose sentences of a chunk that can stand alone as an answer: 7 to 45 words, not leaning on
    the previous sentence, not introducing something below, not markup."""
    found = []
    text = _FENCED.sub("\n\n", text)  # code is no answer, even where its blank lines split it
    for para in re.split(r"\n\s*\n|\n(?=\s*(?:[-*+]|\d+[.)])\s)", text):  # paragraphs and list items
        stripped = para.strip()
        indented = para.lstrip("\n").startswith(("    ", "\t"))  # an rst literal block or indented code
        if not stripped or indented or stripped.startswith(("#", "```", "~~~", "|", "..", ">", "<", "=", "+", "//", "$")):
            continue
        flat = _INLINE.sub(r"\1", " ".join(stripped.split()))  # <abbr ...>CLI</abbr> -> CLI
        for sentence in SENTENCE_BOUNDARY.split(flat):
            sentence = sentence.strip().lstrip("-*+ ").strip()
            words = sentence.split()
            if not 7 <= len(words) <= 45 or words[0].lower().strip(",.;:") in _LEANING or sentence.count("**") % 2:
                continue
            if _INTRO.search(sentence) or _MARKUP.search(sentence) or not sentence.endswith((".", "!", ")", "`")):
                continue
            letters = sum(c.isalpha() for c in sentence)
            if letters < 0.6 * len(sentence):
                continue
            found.append(sentence)
    return list(dict.fromkeys(found))


def pick(sentences: list[str], n: int, exclude: list[str]) -> list[str]:
    """Up to n sentences, spread over the chunk, not already an answer (`exclude`), fact-dense first."""
    taken = [s for s in sentences if not any(s in e or e in s for e in exclude)]
    if len(taken) <= n:
        return taken
    def density(s: str) -> float:
        return len(re.findall(r"`[^`]+`|\d", s)) + 0.1 * len(s.split())
    groups = np.array_split(np.arange(len(taken)), n)
    return [taken[max(g, key=lambda i: density(taken[i]))] for g in groups if len(g)]


def paragraph_of(sentence: str, text: str) -> str:
    """The paragraph of `text` that holds `sentence` (the whole text when not found)."""
    head = " ".join(sentence.split()[:6])
    for para in re.split(r"\n\s*\n", text):
        if head in " ".join(para.split()):
            return para.strip()
    return text


def context_of(sentence: str, text: str, max_words: int) -> str:
    """The sentence with as many of the sentences before it in its paragraph as fit in
    `max_words`: enough to say what "it" is, short enough that the prompt stays small (prefill
    of long prompts, not decoding, is what a batch of candidate questions spends its time on)."""
    para = " ".join(paragraph_of(sentence, text).split())
    at = para.find(sentence)
    if at < 0:
        return sentence
    before = [s for s in SENTENCE_BOUNDARY.split(para[:at].strip()) if s.strip()]
    kept: list[str] = []
    budget = max_words - len(sentence.split())
    for prior in reversed(before):
        budget -= len(prior.split())
        if budget < 0:
            break
        kept.insert(0, prior.strip())
    return " ".join([*kept, sentence])


def question_form_ok(question: str, chunk: str) -> bool:
    """A question a user asks: a complete question of 4 to 25 words, no repeated phrase, no
    template echo, not an example quoted by the docs' code."""
    words = question.split()
    if not question.endswith("?") or not 3 <= len(words) <= 20 or _ECHO.search(question):
        return False
    if _ADDRESSED.match(question):
        return False  # "Are you want to know ...", "Why not compile ...": not a user's question about the docs
    lowered = [w.lower().strip("?,.") for w in words]
    grams = [tuple(lowered[i : i + 3]) for i in range(len(lowered) - 2)]
    if len(grams) != len(set(grams)):
        return False
    return question.lower().rstrip("?") not in chunk.lower()


# The version of the sentence rules: part of every unit's cache key (through params), so a
# pairsmith whose rules changed does not reuse units the old rules made.
RULES_VERSION = 8


@register
class AnswerFirstStrategy(Strategy):
    """Answerable sentences first, several candidate questions each, the round-trip-consistent one kept."""

    name = "answer-first"

    @classmethod
    def from_options(cls, opts: Any) -> AnswerFirstStrategy:
        from alpaca_gen.lazy_embedder import LazyEmbedder

        return cls(load_template(opts.template or "question_for_answer"), LazyEmbedder(opts.embedder),
                   pairs_per_chunk=opts.pairs_per_chunk, candidates=opts.candidates,
                   temperature=opts.temperature if opts.temperature is not None else 0.8,
                   seed=opts.seed, embedder=opts.embedder)

    def __init__(self, template: Template, embed: Callable[[list[str]], np.ndarray], pairs_per_chunk: int = 3,
                 candidates: int = 4, temperature: float = 0.8, seed: int = 0, margin: float = 0.15,
                 min_similarity: float = 0.45, embedder: str = "",
                 question_tokens: int = 40, context_words: int = 40) -> None:
        super().__init__(pairs_per_chunk, temperature, seed, max_reasks=0)
        self.template = template
        self.embed = embed
        self.candidates = max(1, candidates)
        self.margin = margin
        self.min_similarity = min_similarity
        self.embedder = embedder
        self.question_tokens = question_tokens
        self.context_words = context_words  # 0: the whole paragraph
        self.max_overlap = 0.5  # ROUGE-L of a model's question with its answer: above, it copies the answer
        self.subjects: dict[str, str] = {}

    @property
    def template_ids(self) -> list[str]:
        return [self.template.id]

    def params(self) -> dict[str, Any]:
        return {**super().params(), "candidates": self.candidates, "margin": self.margin,
                "min_similarity": self.min_similarity, "embedder": self.embedder,
                "question_tokens": self.question_tokens, "context_words": self.context_words,
                "max_overlap": self.max_overlap, "rules": RULES_VERSION}

    def prepare(self, chunks: list[Chunk]) -> None:
        self.subjects = subjects(chunks)

    def subject(self, chunk: Chunk) -> str:
        return self.subjects.get(chunk.path) or Path(chunk.path).parent.name or Path(chunk.path).stem

    def units(self, chunk: Chunk) -> list[Unit]:
        return [Unit(chunk)]

    def close(self) -> None:
        close = getattr(self.embed, "close", None)
        if close is not None:
            close()

    def question_request(self, unit: Unit, answer: str, sampled: bool) -> Request:
        chunk = unit.chunk
        return Request(_messages(self.template, subject=self.subject(chunk), headings=_headings(chunk),
                                 context=self.context(answer, chunk.text), answer=answer),
                       max_tokens=self.question_tokens, temperature=self.temperature if sampled else 0.0,
                       seed=self.seed if sampled else None, json_schema=QUESTION_SCHEMA)

    def context(self, answer: str, text: str) -> str:
        if self.context_words <= 0:
            return paragraph_of(answer, text)
        return context_of(answer, text, self.context_words)

    def first_request(self, unit: Unit) -> Request:
        spans = pick(answerable_sentences(unit.chunk.text), self.n, [])
        return self.question_request(unit, spans[0] if spans else unit.chunk.text[:200], sampled=False)

    def expected_completion_tokens(self, unit: Unit) -> int:
        return self.n * self.candidates * self.question_tokens

    async def run(self, unit: Unit, backend: Backend) -> UnitResult:
        result = UnitResult()
        chunk = unit.chunk
        answers = pick(answerable_sentences(chunk.text), self.n, [])
        if not answers:
            return result
        requests = [(answer, self.question_request(unit, answer, sampled=c > 0))
                    for answer in answers for c in range(self.candidates)]
        completions = await asyncio.gather(*(backend.complete(r) for _, r in requests))
        asked: dict[str, list[str]] = {a: [] for a in answers}
        for (answer, _), completion in zip(requests, completions):
            result.count(completion)
            question = parse_field(completion.text, "question").strip()
            if question and question not in asked[answer]:
                asked[answer].append(question)
        for answer in answers:
            chosen = self.choose(asked[answer], answer, chunk.text)
            if chosen is None:
                result.rejects.append({"reason": "no round-trip-consistent question", "answer": answer,
                                       "candidates": asked[answer]})
                continue
            question, check = chosen
            result.pairs.append({"instruction": question, "input": "", "output": answer,
                                 "method": "answer_first", "check": check})
        return result

    def choose(self, questions: list[str], answer: str, chunk: str) -> tuple[str, dict[str, Any]] | None:
        """The candidate that retrieves `answer` among the chunk's spans by the widest margin, if any
        passes; it must not copy its answer."""
        shaped = [q for q in questions if question_form_ok(q, chunk) and rouge_l_text(q, answer) < self.max_overlap]
        if not shaped:
            return None
        others = [s for s in passage_spans(chunk, min_words=4) if answer not in s and s not in answer]
        vectors = self.embed(shaped + [answer] + others)
        q, own, rest = vectors[: len(shaped)], vectors[len(shaped)], vectors[len(shaped) + 1 :]
        own_scores = q @ own
        best_other = (q @ rest.T).max(axis=1) if len(others) else np.full(len(shaped), -1.0)
        margins = own_scores - best_other
        best = int(np.argmax(margins))
        if own_scores[best] < self.min_similarity or margins[best] < self.margin:
            return None
        return shaped[best], {"similarity": round(float(own_scores[best]), 4), "margin": round(float(margins[best]), 4),
                              "candidates": len(questions)}


def spelling(name: str, text: str) -> str:
    """`name`, or `Name` where `text` writes it so more often outside code and links ("Typer" for a
    folder `typer`; a class spelled otherwise, such as `SqliteDict`, does not count)."""
    prose = re.sub(r"`[^`]*`|\([^)]*\)|https?://\S+|<[^>]+>", " ", text)
    found = Counter(m.group(0) for m in re.finditer(rf"\b{re.escape(name)}\b", prose, re.I))
    capital = name[:1].upper() + name[1:]
    return capital if found[capital] > found[name] else name


_GENERIC_FOLDERS = {"docs", "doc", "documentation", "src", "examples", "example", "guide", "manual", "site", "."}


def subjects(chunks: list[Chunk]) -> dict[str, str]:
    """What each document is about: the top heading of the nearest README at or above its folder
    (markup removed), else the folder's name."""
    readmes: dict[Path, str] = {}
    texts: dict[Path, str] = {}
    raw: dict[Path, str] = {}
    for chunk in chunks:
        path = Path(chunk.path)
        if path.stem.lower() == "readme":
            texts[path.parent] = texts.get(path.parent, "") + "\n" + chunk.text.lower()
            raw[path.parent] = raw.get(path.parent, "") + "\n" + chunk.text
    for chunk in chunks:
        path = Path(chunk.path)
        if path.stem.lower() == "readme" and chunk.headings and path.parent not in readmes:
            title = re.sub(r"<[^>]+>|[`*_\[\]]", "", chunk.headings[0]).strip()
            folder = path.parent.name
            # a README whose first heading is a tagline ("FastAPI of CLIs") names its project by its folder
            named = folder.lower() in title.lower() or folder.lower() in _GENERIC_FOLDERS
            if not named and texts[path.parent].count(folder.lower()) >= 3:
                readmes[path.parent] = spelling(folder, raw[path.parent])
            elif title and len(title.split()) <= 4:
                readmes[path.parent] = title
    for chunk in chunks:  # a README with no usable heading: its folder, as the README spells it
        path = Path(chunk.path)
        if path.stem.lower() == "readme" and path.parent not in readmes and path.parent.name:
            readmes[path.parent] = spelling(path.parent.name, raw.get(path.parent, ""))
    found = {}
    for chunk in chunks:
        for folder in Path(chunk.path).parents:
            if folder in readmes:
                found[chunk.path] = readmes[folder]
                break
    return found
