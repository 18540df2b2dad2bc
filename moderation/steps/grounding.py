"""Grounding as a step: is each answer supported by its source chunk? Embedding support by
default, an OpenAI-compatible judge when one is given. Kept pairs record what was found too."""

from __future__ import annotations

from moderation.grounding import ChunkSource, embedding_support, judge_support, sentences, spans
from moderation.steps.base import Context, Item, Step, alive
from moderation.steps.registry import register
from moderation.verdict import Verdict
from pairsmith.core.backends.base import redact_url
from pairsmith.core.textmetrics import said_in


@register
class Grounding(Step):
    name = "grounding"
    order = 80
    section = "grounding"

    def run(self, items: list[Item], ctx: Context) -> None:
        cfg = ctx.config.grounding
        source = ChunkSource(cfg.docs_root, near=ctx.source_file)
        grounded = [(item, text) for item in alive(items) if (text := source.text(item.pair))]
        ctx.stats["grounding_checked"] = len(grounded)
        if source.missing:
            ctx.stats["grounding_missing_files"] = sorted(set(source.missing))
        if not grounded:
            return
        if ctx.judge_url:
            self._judge(grounded, ctx)
        else:
            self._embeddings(grounded, ctx)

    def _judge(self, grounded: list[tuple[Item, str]], ctx: Context) -> None:
        cfg = ctx.config.grounding
        judgements = judge_support(ctx.judge_url, cfg.judge_model, ctx.judge_key,
                                   [(item.pair, text) for item, text in grounded])
        ctx.stats["grounding_method"] = f"judge {cfg.judge_model} at {redact_url(ctx.judge_url)}"
        for (item, _), judged in zip(grounded, judgements):
            item.checks[self.name] = {"judge": cfg.judge_model, **judged}
            if judged["supported"] is None:
                item.mark(Verdict(self.name, "judge_unreadable", decision="review", evidence={"reason": judged["reason"]}))
                continue
            item.support = 1.0 if judged["supported"] else 0.0
            if not judged["supported"]:
                item.mark(Verdict(self.name, "judge_unsupported", evidence={"reason": judged["reason"]}))

    def _embeddings(self, grounded: list[tuple[Item, str]], ctx: Context) -> None:
        cfg = ctx.config.grounding
        answers, chunks = [item.pair.output for item, _ in grounded], [text for _, text in grounded]
        ctx.prefetch([part for answer in answers for part in (sentences(answer) or [answer])]
                     + [span for chunk in dict.fromkeys(chunks) for span in spans(chunk)])
        # an answer the chunk says word for word (often a short one: "None", a method's name, where
        # an embedding means little) is the chunk's own words: supported
        scores = [1.0 if said_in(answer, chunk) else score
                  for answer, chunk, score in zip(answers, chunks, embedding_support(ctx.embed, answers, chunks))]
        ctx.stats["support_scores"] = scores
        ctx.stats["grounding_method"] = f"embeddings ({ctx.config.embedder}), threshold {cfg.threshold}"
        for (item, _), score in zip(grounded, scores):
            item.support = score
            item.checks[self.name] = {"score": round(score, 4)}
            if score < cfg.threshold - cfg.review_band:
                item.mark(Verdict(self.name, "unsupported_by_chunk", evidence={"score": score}))
            elif score < cfg.threshold:
                item.mark(Verdict(self.name, "weakly_supported", decision="review", evidence={"score": score}))
