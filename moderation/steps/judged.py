"""Checks a server model makes, where one is given (`--judge-url`): an answerability judge (does
the answer answer the question, and is the question one a user would ask?) and a round-trip check
(the judge writes the question the answer answers; it should mean what the pair's question
means). Both prompts are in `prompts/`; both run with generation's retries and format step-down.
Without a judge URL this step does nothing."""

from __future__ import annotations

from typing import Any

import numpy as np

from moderation.steps.base import Context, Item, Step, alive
from moderation.steps.registry import register
from moderation.verdict import Verdict, excerpt
from pairsmith.core.judge import ask, reply_object
from pairsmith.core.reply_schemas import QUESTION_SCHEMA

ANSWERABILITY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"answers": {"type": "boolean"}, "real_question": {"type": "boolean"}, "reason": {"type": "string"}},
    "required": ["answers", "real_question", "reason"],
}


@register
class JudgedChecks(Step):
    name = "judged"
    order = 100
    section = "judged"

    def enabled(self, config) -> bool:  # noqa: ANN001 - the base class's signature
        return bool(config.judged.enabled)

    def run(self, items: list[Item], ctx: Context) -> None:
        if not ctx.judge_url:
            return
        cfg = ctx.config.judged
        survivors = alive(items)
        if not survivors:
            return
        ctx.stats["judged_checked"] = len(survivors)
        if cfg.answerability:
            values = [{"question": i.prompt, "answer": i.pair.output} for i in survivors]
            replies = ask(ctx.judge_url, cfg.judge_model, ctx.judge_key, "answerability_judge", values,
                          ANSWERABILITY_SCHEMA, concurrency=cfg.concurrency)
            for item, reply in zip(survivors, replies):
                self._answerability(item, reply_object(reply))
        if cfg.round_trip:
            survivors = alive(items)
            values = [{"answer": i.pair.output, "headings": " > ".join((i.pair.source or {}).get("headings") or [])}
                      for i in survivors]
            replies = ask(ctx.judge_url, cfg.judge_model, ctx.judge_key, "question_for_answer_judge", values,
                          QUESTION_SCHEMA, concurrency=cfg.concurrency)
            asked = [str((reply_object(r) or {}).get("question") or "").strip() for r in replies]
            pending = [(item, q) for item, q in zip(survivors, asked) if q]
            if pending:
                a = ctx.embed([item.prompt for item, _ in pending])
                b = ctx.embed([q for _, q in pending])
                for (item, question), score in zip(pending, np.einsum("ij,ij->i", a, b)):
                    found = {"score": round(float(score), 4), "judge_question": excerpt(question)}
                    item.checks.setdefault(self.name, {})["round_trip"] = found
                    if score < cfg.round_trip_similarity:
                        item.mark(Verdict(self.name, "round_trip_mismatch", decision="review",
                                          evidence={**found, "excerpt": excerpt(item.prompt)}))

    def _answerability(self, item: Item, found: dict[str, Any] | None) -> None:
        if not found or not isinstance(found.get("answers"), bool):
            item.mark(Verdict(self.name, "judge_unreadable", decision="review", evidence={"reason": "no verdict"}))
            return
        reason = str(found.get("reason", ""))[:200]
        item.checks.setdefault(self.name, {})["answerability"] = {"answers": found["answers"],
                                                                   "real_question": found.get("real_question"),
                                                                   "reason": reason}
        if not found["answers"]:
            item.mark(Verdict(self.name, "judge_not_answered", evidence={"score": 0.0, "reason": reason}))
        elif found.get("real_question") is False:
            item.mark(Verdict(self.name, "judge_not_a_real_question", decision="review",
                              evidence={"score": 0.0, "reason": reason}))
