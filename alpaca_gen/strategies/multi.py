"""`multi`: one request asks for several JSON pairs (capable servers), and Alpaca-style
self-instruct with seed examples. Re-asked a bounded number of times."""

from __future__ import annotations

from typing import Any
import random

from alpaca_gen.chunk import Chunk
from alpaca_gen.parse import parse_pairs
from alpaca_gen.schema import pairs_schema
from alpaca_gen.self_instruct import alpaca_rule_violation, load_seed_tasks, seed_examples
from alpaca_gen.strategies.base import Strategy, Unit, UnitResult, _headings, _messages, reask
from alpaca_gen.strategies.registry import register
from pairsmith.core.backends.base import Backend, Request
from pairsmith.core.templates import Template, load_template, seed_tasks_path


@register
class MultiPairStrategy(Strategy):
    """Several pairs per request, as JSON; also Alpaca-style self-instruct."""

    name = "multi"
    self_instruct = True

    @classmethod
    def from_options(cls, opts: Any) -> MultiPairStrategy:
        template = load_template(opts.template or ("self_instruct" if opts.mode == "self-instruct" else "qa_from_chunk"))
        seeds = load_seed_tasks(opts.seed_tasks or seed_tasks_path()) if "seed_examples" in template.fields else None
        return cls(template, pairs_per_chunk=opts.pairs_per_chunk,
                   temperature=opts.temperature if opts.temperature is not None else 0.7,
                   seed=opts.seed, max_reasks=opts.max_reasks, max_tokens=opts.max_tokens,
                   seed_tasks=seeds, alpaca_rules=opts.alpaca_rules and opts.mode == "self-instruct")

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


