"""What every generation strategy is: a chunk becomes units, a unit becomes requests, replies become
pairs; and the pieces strategies share (units, results, re-asks, messages, answer candidates)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from alpaca_gen.chunk import Chunk
from pairsmith.core.backends.base import RESPONSE_FORMATS as _MODES, Backend, Request
from pairsmith.core.templates import Template, load_template
from pairsmith.core.textmetrics import passage_spans


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
    self_instruct: ClassVar[bool] = False  # can it ask for many self-instruct tasks per request (--mode self-instruct)

    @classmethod
    def from_options(cls, opts: Any) -> Strategy:
        """The strategy built from generation options (`GenerateOptions`): its own defaults apply where
        an option is unset."""
        raise NotImplementedError(f"{cls.__name__} does not say how it is built from options")

    def __init__(self, pairs_per_chunk: int, temperature: float, seed: int, max_reasks: int) -> None:
        self.n = max(1, pairs_per_chunk)
        self.temperature = temperature
        self.seed = seed
        self.max_reasks = max(0, max_reasks)

    def prepare(self, chunks: list[Chunk]) -> None:
        """Look at every chunk of the run before any unit is made (default: nothing to learn)."""

    def finish(self, record: dict[str, Any]) -> dict[str, Any]:
        """A pair record as it is written, cached or new; unchanged unless a strategy tidies its pairs."""
        return record

    def notes(self) -> list[str]:
        """What the user should know about how the strategy read this run (default: nothing), said
        once in the run's summary."""
        return []

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

    def unit_params(self, unit: Unit) -> dict[str, Any]:
        """What changes this one unit's result beyond `params()` (e.g. fewer pairs asked of a short
        section); empty for most units, so their cache keys stay as they were."""
        return {}

    def expected_completion_tokens(self, unit: Unit) -> int:
        """Upper bound of completion tokens for one unit (for --dry-run estimates)."""
        return self.first_request(unit).max_tokens


