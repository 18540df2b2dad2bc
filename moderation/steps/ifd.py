"""Instruction-following difficulty (Li et al., "From Quantity to Quality"; Superfiltering scores it
with a small model): the answer's loss after its question divided by its loss alone. Near or
above 1, the question does not help predict the answer, as when the question is about something
else. Opt-in: it needs a causal LM (the offline default SmolLM2-135M) and two forward passes per
pair; the losses are cached, so a re-run is free.

Measured on the hand-labelled pairs (bench/pair_quality.py, tests/data/pair_quality): the ratio
ranks a bad pair above a good one 76% of the time (AUC 0.76); at 1.0 it flags 37% of the bad
pairs and 8% of the good ones, mostly questions read off headings, which is why derived
questions are skipped as the relevance step skips them.
"""

from __future__ import annotations

from moderation.steps.base import Context, Item, Step, alive
from moderation.steps.registry import register
from moderation.verdict import Verdict, excerpt


@register
class InstructionFollowingDifficulty(Step):
    name = "ifd"
    order = 130
    section = "ifd"

    def run(self, items: list[Item], ctx: Context) -> None:
        from pairsmith.core.models.answer_loss import AnswerScorer

        cfg = ctx.config.ifd
        survivors = [i for i in alive(items) if i.pair.output.strip() and i.prompt.strip()]
        if not survivors:
            return
        scorer = AnswerScorer(cfg.model, batch_size=cfg.batch_size, max_tokens=cfg.max_tokens)
        try:
            scores = scorer.ifd([i.prompt for i in survivors], [i.pair.output for i in survivors])
        finally:
            scorer.close()
        ctx.stats["ifd_checked"] = len(survivors)
        ctx.stats["ifd_ratios"] = [round(float(r), 4) for r in scores[:, 0]]
        for item, (ratio, with_question, alone) in zip(survivors, scores):
            found = {"score": round(float(ratio), 4), "loss_with_question": round(float(with_question), 4),
                     "loss_alone": round(float(alone), 4)}
            if ratio >= cfg.drop_above:
                item.mark(Verdict(self.name, "question_does_not_help", evidence={**found, "excerpt": excerpt(item.prompt)}))
            elif ratio >= cfg.review_above:
                item.mark(Verdict(self.name, "question_helps_little", decision="review",
                                  evidence={**found, "excerpt": excerpt(item.prompt)}))
            else:
                item.checks[self.name] = found
