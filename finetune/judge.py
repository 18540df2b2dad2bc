"""Pairwise LLM judge: which of two answers is better, asked in both orders to cancel the
judge's position bias. Uses the OpenAI-compatible backend with its retries."""

from __future__ import annotations

from typing import Any

from pairsmith.core.judge import ask, reply_object

JUDGE_SCHEMA = {
    "type": "object",
    "properties": {"winner": {"type": "string", "enum": ["A", "B", "tie"]}, "reason": {"type": "string"}},
    "required": ["winner", "reason"],
    "additionalProperties": False,
}


def parse_winner(text: str) -> str | None:
    """"A", "B" or "tie" from a judge reply; None when unreadable."""
    data = reply_object(text)
    if data is not None and data.get("winner") in ("A", "B", "tie"):
        return data["winner"]
    head = text.strip().upper()[:8]
    for option in ("TIE", "A", "B"):
        if head.startswith(option):
            return "tie" if option == "TIE" else option
    return None


def compare(base_url: str, model: str, api_key: str | None, questions: list[str], references: list[str],
            first: list[str], second: list[str], concurrency: int = 8) -> list[float | None]:
    """Score of `second` against `first` per question (1 win, 0.5 tie, 0 loss), averaged over
    both presentation orders; None when the judge's replies could not be read."""
    n = len(questions)
    values = [{"question": questions[i], "reference": references[i], "a": a, "b": b}
              for i in range(n) for a, b in ((first[i], second[i]), (second[i], first[i]))]
    replies = ask(base_url, model, api_key, "pairwise_judge", values, JUDGE_SCHEMA, concurrency=concurrency)
    scores: list[float | None] = []
    for i in range(n):
        forward, backward = parse_winner(replies[2 * i]), parse_winner(replies[2 * i + 1])
        if forward is None or backward is None:
            scores.append(None)
            continue
        score_forward = {"B": 1.0, "tie": 0.5, "A": 0.0}[forward]  # second shown as B
        score_backward = {"A": 1.0, "tie": 0.5, "B": 0.0}[backward]  # second shown as A
        scores.append((score_forward + score_backward) / 2)
    return scores


def win_rate(scores: list[float | None]) -> dict[str, Any]:
    readable = [s for s in scores if s is not None]
    return {"win_rate": sum(readable) / len(readable) if readable else None, "judged": len(readable),
            "unreadable": len(scores) - len(readable)}
