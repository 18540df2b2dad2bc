"""What every moderation step shares: the item in play, the context, and the small base.

A step marks verdicts on the items still in play; none deletes one. `PairStep`s judge one pair
at a time (`check` returns a Verdict, or None to keep it); group steps (duplicates) override
`run` and walk the survivors best first, so the member of a group that is kept is the better one.
Each step is enabled and tuned by its section of the moderation config.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from moderation.config import ModerationConfig
from moderation.verdict import Verdict
from pairsmith.core.models.embedder import Embedder
from pairsmith.core.records import Pair
from pairsmith.core.textmetrics import prompt_text


@dataclass
class Item:
    """A pair in moderation: its verdicts so far and what the steps learned about it."""

    index: int
    pair: Pair
    verdicts: list[Verdict] = field(default_factory=list)
    approved: bool = False  # a human approved it earlier: no automatic drop or review
    support: float | None = None
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)  # step -> what it measured, kept or not

    @property
    def dropped(self) -> bool:
        return any(v.decision == "drop" for v in self.verdicts)

    @property
    def prompt(self) -> str:
        return prompt_text(self.pair.instruction, self.pair.input)

    def quality(self) -> tuple[float, int, int]:
        """Sort key, best first: human-approved, better grounded, longer answer, earlier."""
        support = self.support if self.support is not None else 0.0
        return (-float(self.approved), -round(support, 3), -min(len(self.pair.output.split()), 400), self.index)

    def mark(self, verdict: Verdict) -> None:
        if self.approved:
            return
        other = verdict.evidence.get("duplicate_of")
        if other and any(v.rule == verdict.rule and v.evidence.get("duplicate_of") == other for v in self.verdicts):
            return  # the same finding from a later step adds nothing
        self.verdicts.append(verdict)


@dataclass
class Context:
    """What steps share: settings, the embedder (lazy), the judge, and data for the report."""

    config: ModerationConfig
    embedder: Embedder | None = None
    judge_url: str | None = None
    judge_key: str | None = None
    source_file: str | None = None  # the pairs file, when read from one (grounding looks for docs near it)
    stats: dict[str, Any] = field(default_factory=dict)
    engine: Any = None  # where the heavy work runs (moderation.engines); in-process when None

    def __post_init__(self) -> None:
        if self.engine is None:
            from moderation.engines.local import LocalEngine

            self.engine = LocalEngine()

    def local_embedder(self) -> Embedder:
        """This process's embedder (and the embedding cache), loaded on first use."""
        if self.embedder is None:
            self.embedder = Embedder(self.config.embedder, batch_size=self.config.batch_size)
        return self.embedder

    def embed(self, texts: list[str]) -> np.ndarray:
        return self.engine.embed(texts, self)

    def prefetch(self, texts: list[str]) -> None:
        """Embed many texts in one call, so that the per-pair calls that follow hit the cache."""
        unique = list(dict.fromkeys(t for t in texts if t))
        if unique:
            self.embed(unique)


def alive(items: list[Item]) -> list[Item]:
    return [i for i in items if not i.dropped]


def best_first(items: list[Item]) -> list[Item]:
    return sorted(items, key=Item.quality)


class Step:
    """A moderation step: `name` is how its verdicts are labelled, `section` its config section."""

    name: ClassVar[str]
    section: ClassVar[str]
    order: ClassVar[int]  # where it runs among the steps: lower first (see the package's docstring)

    def enabled(self, config: ModerationConfig) -> bool:
        return bool(getattr(config, self.section).enabled)

    def run(self, items: list[Item], ctx: Context) -> None:
        raise NotImplementedError


class PairStep(Step):
    """A step that judges each pair still in play on its own."""

    def check(self, item: Item, ctx: Context) -> Verdict | None:
        """None keeps the pair; a Verdict drops it or sends it to review, with its evidence."""
        raise NotImplementedError

    def prepare(self, ctx: Context) -> None:
        """Set up what every `check` of a run shares (compiled patterns, the chunk reader)."""

    def run(self, items: list[Item], ctx: Context) -> None:
        self.prepare(ctx)
        for item in alive(items):
            verdict = self.check(item, ctx)
            if verdict is not None:
                item.mark(verdict)
