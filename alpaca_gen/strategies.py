"""Strategies: how one chunk becomes requests and requests become pairs.

- `MultiPairStrategy`: one request asks for several JSON pairs (capable servers; also
  Alpaca-style self-instruct with seed examples). Re-asked a bounded number of times.
- `StepwiseStrategy`: for small local models. The chunk is cut into short focus passages;
  for each, one short prompt asks for one question, then a second asks for the answer from
  that passage. Both replies are constrained to a one-field JSON schema.
"""

from __future__ import annotations

import random
from pathlib import Path
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from pairsmith.backends.base import RESPONSE_FORMATS as _MODES, Backend, Request
from alpaca_gen.chunk import Chunk, count_tokens
from alpaca_gen.parse import parse_field, parse_pairs
from alpaca_gen.schema import QUESTION_SCHEMA, choice_schema, field_schema, pairs_schema
from alpaca_gen.self_instruct import alpaca_rule_violation, seed_examples
from pairsmith.templates import Template
from pairsmith.templates import load_template
from pairsmith.textmetrics import passage_spans

REASK = load_template("reask_json").render()


@dataclass
class Unit:
    """One piece of work: a chunk, or one focus passage of it."""

    chunk: Chunk
    index: int = 0
    focus: str = ""


@dataclass
class UnitResult:
    """What a unit produced: raw pairs, rejects (with reasons and raw text) and token usage."""

    pairs: list[dict[str, str]] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0
    response_format: str | None = None  # the least structured mode any of its calls was asked in

    def count(self, completion: Any) -> None:
        """Add a completion's token usage, and its response_format mode, to the unit's."""
        self.prompt_tokens += completion.prompt_tokens
        self.completion_tokens += completion.completion_tokens
        self.calls += 1
        mode = getattr(completion, "response_format", None)
        if mode in _MODES and (self.response_format not in _MODES
                               or _MODES.index(mode) > _MODES.index(self.response_format)):
            self.response_format = mode


def reask(request: Request, reply: str, message: str = REASK) -> Request:
    """The same request with the model's reply and a request for JSON appended: the prompt changes,
    so greedy decoding does not simply repeat itself."""
    return Request(request.messages + [{"role": "assistant", "content": reply}, {"role": "user", "content": message}],
                   max_tokens=request.max_tokens, temperature=request.temperature, seed=request.seed,
                   json_schema=request.json_schema)


def _messages(template: Template, **values: Any) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": template.system}] if template.system else []
    return messages + [{"role": "user", "content": template.render(**values)}]


def _headings(chunk: Chunk) -> str:
    return " > ".join(chunk.headings) or chunk.path


def _topic(chunk: Chunk) -> str:
    """What the chunk is about, in a few words: its top heading, else its file name."""
    return chunk.headings[0] if chunk.headings else Path(chunk.path).stem.replace("_", " ")


def answer_candidates(passage: str, max_chars: int = 700) -> list[str]:
    """The spans an extractive answer may be: each sentence (of four words or more), two adjacent
    sentences, or a whole code block or table (these are never cut)."""
    return passage_spans(passage, min_words=4, max_chars=max_chars) or [" ".join(passage.split())[:max_chars]]


class Strategy(ABC):
    """Turns chunks into units, units into requests and replies into pairs."""

    name = "strategy"

    def __init__(self, pairs_per_chunk: int, temperature: float, seed: int, max_reasks: int) -> None:
        self.n = max(1, pairs_per_chunk)
        self.temperature = temperature
        self.seed = seed
        self.max_reasks = max(0, max_reasks)

    def prepare(self, chunks: list[Chunk]) -> None:
        """Look at every chunk of the run before any unit is made (default: nothing to learn)."""

    def close(self) -> None:
        """Release what the strategy loaded (default: nothing)."""

    @abstractmethod
    def units(self, chunk: Chunk) -> list[Unit]:
        """The units of work for one chunk."""

    @abstractmethod
    def first_request(self, unit: Unit) -> Request:
        """The first request of a unit (what a dry run shows)."""

    @abstractmethod
    async def run(self, unit: Unit, backend: Backend) -> UnitResult:
        """Do the unit's model calls and parse the replies."""

    @property
    @abstractmethod
    def template_ids(self) -> list[str]:
        """Template ids, recorded on pairs and part of the cache key."""

    def params(self) -> dict[str, Any]:
        """Everything besides chunk, template and model that changes a unit's result."""
        return {"strategy": self.name, "n": self.n, "temperature": self.temperature, "seed": self.seed,
                "max_reasks": self.max_reasks}

    def expected_completion_tokens(self, unit: Unit) -> int:
        """Upper bound of completion tokens for one unit (for --dry-run estimates)."""
        return self.first_request(unit).max_tokens


class MultiPairStrategy(Strategy):
    """Several pairs per request, as JSON; also Alpaca-style self-instruct."""

    name = "multi"

    def __init__(self, template: Template, pairs_per_chunk: int = 3, temperature: float = 0.7,
                 seed: int = 0, max_reasks: int = 2, max_tokens: int = 1536,
                 seed_tasks: list[dict[str, Any]] | None = None, alpaca_rules: bool = False) -> None:
        super().__init__(pairs_per_chunk, temperature, seed, max_reasks)
        self.template = template
        self.max_tokens = max_tokens
        self.seed_tasks = seed_tasks
        self.alpaca_rules = alpaca_rules

    @property
    def template_ids(self) -> list[str]:
        return [self.template.id]

    def params(self) -> dict[str, Any]:
        extra = {"max_tokens": self.max_tokens, "alpaca_rules": self.alpaca_rules}
        if self.seed_tasks:
            extra["seed_tasks"] = [t["instruction"] for t in self.seed_tasks]
        return {**super().params(), **extra}

    def units(self, chunk: Chunk) -> list[Unit]:
        return [Unit(chunk)]

    def first_request(self, unit: Unit) -> Request:
        chunk = unit.chunk
        values: dict[str, Any] = {"chunk": chunk.text, "headings": _headings(chunk), "path": chunk.path, "n": self.n}
        if "seed_examples" in self.template.fields:
            rng = random.Random(f"{self.seed}:{chunk.id}")
            values["seed_examples"] = seed_examples(self.seed_tasks or [], 3, rng)
        return Request(_messages(self.template, **values), max_tokens=self.max_tokens,
                       temperature=self.temperature, seed=self.seed, json_schema=pairs_schema(self.n))

    async def run(self, unit: Unit, backend: Backend) -> UnitResult:
        result = UnitResult()
        request = self.first_request(unit)
        replies: list[str] = []
        for _attempt in range(1 + self.max_reasks):
            completion = await backend.complete(request)
            result.count(completion)
            replies.append(completion.text)
            pairs = parse_pairs(completion.text)
            if pairs:
                self._keep(pairs, result)
                return result
            if self.nothing_to_ask(completion.text):
                return result
            # Show the model its reply and ask again: this changes the prompt, so greedy
            # decoding does not simply repeat itself.
            request = reask(request, completion.text)
        result.rejects.append({"reason": f"no usable pair after {len(replies)} attempts", "raw": replies})
        return result

    def nothing_to_ask(self, reply: str) -> bool:
        """A reply with no pair that is an answer all the same (no re-ask); here, never."""
        return False

    def _keep(self, pairs: list[dict[str, str]], result: UnitResult) -> None:
        for pair in pairs:
            rule = alpaca_rule_violation(pair["instruction"]) if self.alpaca_rules else None
            if rule:
                result.rejects.append({"reason": rule, "pair": pair})
            else:
                result.pairs.append(pair)


def focus_passages(chunk: Chunk, n: int, max_tokens: int = 160) -> list[str]:
    """Up to n short passages of a chunk, in order, each a few paragraphs under a token budget."""
    paragraphs = [p for p in chunk.text.split("\n\n") if p.strip() and not p.lstrip().startswith("#")]
    if not paragraphs:
        return []
    # Spread n groups over the paragraphs; each group keeps whole paragraphs.
    groups = min(n, len(paragraphs))
    per_group = -(-len(paragraphs) // groups)
    passages = []
    for start in range(0, len(paragraphs), per_group):
        selected, used = [], 0
        for para in paragraphs[start : start + per_group]:
            cost = count_tokens(para)
            if selected and used + cost > max_tokens:
                break
            selected.append(para)
            used += cost
        passages.append("\n\n".join(selected))
    return passages[:groups]


class StepwiseStrategy(Strategy):
    """One question per call, then its answer drawn from the same passage.

    With an extractive answer template (the default) the answer's decoding is constrained to
    the passage's own sentences, so a small model's answer is supported by its chunk by
    construction; with a free answer template the model writes the answer itself.
    """

    name = "stepwise"

    def __init__(self, question_template: Template, answer_template: Template, pairs_per_chunk: int = 2,
                 temperature: float = 0.0, seed: int = 0, max_reasks: int = 1,
                 question_tokens: int = 48, answer_tokens: int = 256) -> None:
        super().__init__(pairs_per_chunk, temperature, seed, max_reasks)
        self.question_template = question_template
        self.answer_template = answer_template
        self.question_tokens = question_tokens
        self.answer_tokens = answer_tokens

    @property
    def template_ids(self) -> list[str]:
        return [self.question_template.id, self.answer_template.id]

    def params(self) -> dict[str, Any]:
        return {**super().params(), "question_tokens": self.question_tokens, "answer_tokens": self.answer_tokens}

    def units(self, chunk: Chunk) -> list[Unit]:
        return [Unit(chunk, i, text) for i, text in enumerate(focus_passages(chunk, self.n))]

    def first_request(self, unit: Unit) -> Request:
        return Request(_messages(self.question_template, chunk=unit.focus, headings=_headings(unit.chunk),
                                 topic=_topic(unit.chunk), path=unit.chunk.path),
                       max_tokens=self.question_tokens, temperature=self.temperature, seed=self.seed,
                       json_schema=QUESTION_SCHEMA)

    @property
    def extractive(self) -> bool:
        """An extractive answer template: decoding may only copy spans of the passage."""
        return self.answer_template.purpose == "answer-extract"

    def answer_request(self, unit: Unit, question: str) -> Request:
        values = {"chunk": unit.focus, "question": question, "instruction": question, "input": unit.focus,
                  "headings": _headings(unit.chunk), "topic": _topic(unit.chunk), "path": unit.chunk.path}
        schema = choice_schema("answer", answer_candidates(unit.focus)) if self.extractive else field_schema("answer", 700)
        return Request(_messages(self.answer_template, **values), max_tokens=self.answer_tokens,
                       temperature=self.temperature, seed=self.seed, json_schema=schema)

    def expected_completion_tokens(self, unit: Unit) -> int:
        return self.question_tokens + self.answer_tokens

    async def run(self, unit: Unit, backend: Backend) -> UnitResult:
        result = UnitResult()
        question, raw = "", []
        request = self.first_request(unit)
        for _attempt in range(1 + self.max_reasks):
            completion = await backend.complete(request)
            result.count(completion)
            raw.append(completion.text)
            question = parse_field(completion.text, "question")
            if len(question.split()) >= 3 and question.endswith("?"):
                break
            request = Request(request.messages + [{"role": "assistant", "content": completion.text},
                                                  {"role": "user", "content": "Write a complete question, "
                                                   "ending with a question mark."}],
                              max_tokens=request.max_tokens, temperature=request.temperature,
                              seed=request.seed, json_schema=request.json_schema)
        else:
            result.rejects.append({"reason": "no usable question", "raw": raw})
            return result
        completion = await backend.complete(self.answer_request(unit, question))
        result.count(completion)
        answer = parse_field(completion.text, "answer")
        if not answer:
            result.rejects.append({"reason": "no usable answer", "raw": raw + [completion.text],
                                   "pair": {"instruction": question, "input": "", "output": ""}})
        else:
            result.pairs.append({"instruction": question, "input": "", "output": answer})
        return result
