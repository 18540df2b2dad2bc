"""Pairwise LLM judge: which of two answers is better, asked in both orders to cancel the
judge's position bias. Uses the OpenAI-compatible backend with its retries."""

from __future__ import annotations

import asyncio
import json
from typing import Any

JUDGE_SCHEMA = {
    "type": "object",
    "properties": {"winner": {"type": "string", "enum": ["A", "B", "tie"]}, "reason": {"type": "string"}},
    "required": ["winner", "reason"],
    "additionalProperties": False,
}
PROMPT = """You compare two answers to a question about a software project.

Question: {question}
Reference answer: {reference}

Answer A: {a}

Answer B: {b}

Which answer is more correct and helpful, judged against the reference? Reply with a JSON object:
{{"winner": "A" or "B" or "tie", "reason": "one short sentence"}}"""


def parse_winner(text: str) -> str | None:
    """"A", "B" or "tie" from a judge reply; None when unreadable."""
    from alpaca_gen.parse import strip_think

    text = strip_think(text)
    start, end = text.find("{"), text.rfind("}")
    if start >= 0 and end > start:
        try:
            winner = json.loads(text[start : end + 1]).get("winner")
            if winner in ("A", "B", "tie"):
                return winner
        except json.JSONDecodeError:
            pass
    head = text.strip().upper()[:8]
    for option in ("TIE", "A", "B"):
        if head.startswith(option):
            return "tie" if option == "TIE" else option
    return None


def compare(base_url: str, model: str, api_key: str | None, questions: list[str], references: list[str],
            first: list[str], second: list[str], concurrency: int = 8) -> list[float | None]:
    """Score of `second` against `first` per question (1 win, 0.5 tie, 0 loss), averaged over
    both presentation orders; None when the judge's replies could not be read."""
    from alpaca_gen.backends.base import Request
    from alpaca_gen.backends.openai_backend import OpenAIBackend

    async def run() -> list[float | None]:
        backend = OpenAIBackend(model, base_url=base_url, api_key=api_key, concurrency=concurrency)

        async def ask(q: str, r: str, a: str, b: str) -> str | None:
            reply = await backend.complete(Request([{"role": "user", "content": PROMPT.format(
                question=q, reference=r, a=a, b=b)}], max_tokens=200, temperature=0.0, json_schema=JUDGE_SCHEMA))
            return parse_winner(reply.text)

        async def one(i: int) -> float | None:
            forward, backward = await asyncio.gather(ask(questions[i], references[i], first[i], second[i]),
                                                     ask(questions[i], references[i], second[i], first[i]))
            if forward is None or backward is None:
                return None
            score_forward = {"B": 1.0, "tie": 0.5, "A": 0.0}[forward]  # second shown as B
            score_backward = {"A": 1.0, "tie": 0.5, "B": 0.0}[backward]  # second shown as A
            return (score_forward + score_backward) / 2

        try:
            return list(await asyncio.gather(*(one(i) for i in range(len(questions)))))
        finally:
            await backend.aclose()

    return asyncio.run(run())


def win_rate(scores: list[float | None]) -> dict[str, Any]:
    readable = [s for s in scores if s is not None]
    return {"win_rate": sum(readable) / len(readable) if readable else None, "judged": len(readable),
            "unreadable": len(scores) - len(readable)}
