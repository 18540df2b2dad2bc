"""`stepwise`, for small local models: the chunk is cut into short focus passages; for each, one
short prompt asks for one question, then a second asks for the answer from that passage. Both
replies are constrained to a one-field JSON schema."""

from __future__ import annotations

from typing import Any

from alpaca_gen.chunk import Chunk, count_tokens
from alpaca_gen.parse import parse_field
from alpaca_gen.schema import choice_schema, field_schema
from pairsmith.core.reply_schemas import QUESTION_SCHEMA
from alpaca_gen.strategies.base import Strategy, Unit, UnitResult, _headings, _messages, _topic, answer_candidates
from alpaca_gen.strategies.registry import register
from pairsmith.core.backends.base import Backend, Request
from pairsmith.core.templates import Template, load_template


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


@register
class StepwiseStrategy(Strategy):
    """One question per call, then its answer drawn from the same passage.

    With an extractive answer template (the default) the answer's decoding is constrained to
    the passage's own sentences, so a small model's answer is supported by its chunk by
    construction; with a free answer template the model writes the answer itself.
    """

    name = "stepwise"

    @classmethod
    def from_options(cls, opts: Any) -> StepwiseStrategy:
        return cls(load_template(opts.template or "question_from_chunk"),
                   load_template(opts.answer_template or "extract_answer_from_chunk"),
                   pairs_per_chunk=opts.pairs_per_chunk,
                   temperature=opts.temperature if opts.temperature is not None else 0.0,
                   seed=opts.seed, max_reasks=min(opts.max_reasks, 2))

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
