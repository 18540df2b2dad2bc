"""Relative relevance: does something else answer the question clearly better than its own answer?

An absolute cosine threshold between question and answer fails both ways: short correct answers
score low, and a wrong answer on the same topic scores high. Instead each question is compared
with competitors: the other answers of the dataset (not the same answer again, and only those
that fit this question better than the question they are paired with, i.e. an answer that looks
displaced rather than a good answer to a neighbouring question), and the passages of its source
chunk that are not the answer. margin = best competitor cosine - own cosine. The project's name is
taken out of the question first: a run's questions all name it, and it pulls a question towards any
passage that says the name.

Measured with bench/relevance_swapped.py: lamini_docs (1,400 human-written pairs), 100 answers
rotated among random pairs (seed 0), all-MiniLM-L6-v2; the steps before relevance run first and
1,261 pairs (95 swapped) reach it. "Flagged" = dropped; genuine = newly flagged by this step.

    rule (all on the same embeddings)                  swapped flagged   genuine flagged
    absolute cosine < 0.4                                   0.62             0.085-0.124
    plain margin (any other answer) > 0.2                   0.96             0.110
    symmetric, min(question->answers, answer->questions)    0.93             0.081
    displaced competitors only, margin > 0.22               0.94             0.050
    displaced competitors only, margin > 0.23 (in use)      0.92             0.043
    displaced, both directions, min > 0.2                   0.87             0.041

(The plain and symmetric rows are over all 1,400 pairs.) The seed matters: with seeds 1 and 2
the rule in use flags 0.81 and 0.89 of the swapped answers at 0.044 of genuine ones. Genuine
lamini answers often deflect ("Yes, if an LLM can do it, ...") and lose to a neighbour's answer;
generated pairs copy their answers from the chunk. The review band (margin 0.13-0.23) sends
another 5% of swapped and 7.5% of genuine pairs to a person. With cached embeddings the step
judges about 5,000 pairs/s on 2 cores (blockwise matrix products); embedding is the cost.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from moderation.grounding import ChunkSource, paragraph_of, spans
from moderation.steps.base import Context, Item, Step, alive
from moderation.steps.registry import register
from moderation.verdict import Verdict, excerpt
from pairsmith.core.textmetrics import normalise, rouge_tokens, said_in, without_project


_HEADING = re.compile(r"#{1,6} [^\n]*")


def _is_answer(span: str, answer_words: set[str], overlap: float) -> bool:
    words = set(rouge_tokens(span))
    return bool(words) and len(words & answer_words) / len(words) > overlap


def best_other_answers(Q: np.ndarray, A: np.ndarray, answer_keys: list[str], same_answer: float,
                       displaced_only: bool, block: int, question_keys: list[str] | None = None,
                       same_question: float = 1.01, blockwise: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """For each question i, the best cos(q_i, a_j) over other pairs j, blockwise (memory linear
    in n): not the same answer (cos(a_i, a_j) >= same_answer or equal text), not the same question
    (equal text: a duplicate, the dedupe steps' business), and with `displaced_only` only answers
    that fit q_i better than their own question. Returns (scores, j) with -inf / -1 for none.
    `blockwise` (an engine's) runs the row blocks, possibly elsewhere; here by default."""
    n = len(Q)
    akey = np.unique(np.asarray(answer_keys, dtype=object), return_inverse=True)[1]
    qkey = (np.unique(np.asarray(question_keys, dtype=object), return_inverse=True)[1]
            if question_keys is not None else np.arange(n))
    args = (Q, A, akey, qkey, same_answer, same_question, displaced_only)
    if blockwise is None:
        parts = [_best_other_block(start, min(n, start + block), *args) for start in range(0, n, block)]
    else:
        parts = blockwise(_best_other_block, n, block, *args)
    best = np.concatenate([b for b, _ in parts]) if parts else np.zeros(0, dtype=np.float32)
    which = np.concatenate([w for _, w in parts]) if parts else np.zeros(0, dtype=np.int64)
    return best, which


def _best_other_block(start: int, stop: int, Q: np.ndarray, A: np.ndarray, akey: np.ndarray, qkey: np.ndarray,
                      same_answer: float, same_question: float, displaced_only: bool) -> tuple[np.ndarray, np.ndarray]:
    own = np.einsum("ij,ij->i", Q, A)
    scores = Q[start:stop] @ A.T
    mask = (A[start:stop] @ A.T) >= same_answer
    mask |= akey[start:stop, None] == akey[None, :]
    mask |= qkey[start:stop, None] == qkey[None, :]
    mask |= (Q[start:stop] @ Q.T) >= same_question  # nearly the same question: the dedupe steps' business
    mask[np.arange(stop - start), np.arange(start, stop)] = True
    if displaced_only:
        mask |= scores <= own[None, :]
    scores[mask] = -np.inf
    which = scores.argmax(axis=1).astype(np.int64)
    best = scores[np.arange(stop - start), which].astype(np.float32)
    which[~np.isfinite(best)] = -1
    return best, which


@register
class Relevance(Step):
    name = "relevance"
    order = 90
    section = "relevance"

    def run(self, items: list[Item], ctx: Context) -> None:
        cfg = ctx.config.relevance
        survivors = [i for i in alive(items) if i.pair.output.strip() and i.prompt.strip()]
        if not survivors:
            return
        # Every question of a run names its project; the name says nothing about which text fits it.
        Q = ctx.embed([without_project(i.prompt, i.pair.project) for i in survivors])
        A = ctx.embed([i.pair.output for i in survivors])
        own = np.einsum("ij,ij->i", Q, A)
        best, which = best_other_answers(Q, A, [normalise(i.pair.output) for i in survivors], cfg.same_answer,
                                         cfg.displaced_only, cfg.block_size,
                                         [normalise(i.prompt) for i in survivors], cfg.same_question,
                                         ctx.engine.blockwise)
        span_best, span_text = self._chunk_spans(survivors, Q, ctx) if cfg.chunk_spans else ({}, {})
        margins = []
        for k, item in enumerate(survivors):
            competitor: Any = survivors[which[k]].pair.id if which[k] >= 0 else None
            other, text = float(best[k]), survivors[which[k]].pair.output if which[k] >= 0 else ""
            if k in span_best and span_best[k] > other:
                other, competitor, text = span_best[k], "chunk span", span_text[k]
            score = float(own[k])
            if score < cfg.floor:
                # question and answer share next to nothing: no competitor needs to win
                item.mark(Verdict(self.name, "unrelated_answer", evidence={"score": round(score, 4), "floor": cfg.floor,
                                                                           "excerpt": excerpt(item.pair.output)}))
                continue
            if competitor is None:
                item.checks[self.name] = {"score": round(score, 4), "best_other": None, "margin": None}
                continue
            margin = other - score
            margins.append(margin)
            found = {"score": round(score, 4), "best_other": round(other, 4), "margin": round(margin, 4),
                     "competitor": competitor}
            if margin > cfg.threshold:
                item.mark(Verdict(self.name, "answer_mismatch", evidence={**found, "excerpt": excerpt(text)}))
            elif margin > cfg.threshold - cfg.review_band:
                item.mark(Verdict(self.name, "weak_relevance", decision="review",
                                  evidence={**found, "excerpt": excerpt(text)}))
            else:
                item.checks[self.name] = found
        ctx.stats["relevance_checked"] = len(survivors)
        ctx.stats["relevance_margins"] = [round(m, 4) for m in margins]

    def _chunk_spans(self, survivors: list[Item], Q: np.ndarray, ctx: Context) -> tuple[dict[int, float], dict[int, str]]:
        """Best cos(question, span) over the chunk's passages that are not the answer."""
        cfg = ctx.config.relevance
        source = ChunkSource(ctx.config.grounding.docs_root, near=ctx.source_file)
        best: dict[int, float] = {}
        texts: dict[int, str] = {}
        competing: dict[int, list[str]] = {}
        for k, item in enumerate(survivors):
            chunk = source.text(item.pair)
            if not chunk:
                continue
            answer_words = set(rouge_tokens(item.pair.output))
            home = normalise(paragraph_of(item.pair.output, chunk))  # the answer's own paragraph goes on with it
            # a passage that says the whole answer is where it comes from, not a rival ("requests.codes"
            # inside the sentence that introduces it); a heading alone names a topic and answers nothing
            candidates = [s for s in spans(chunk) if not _is_answer(s, answer_words, cfg.span_overlap)
                          and not said_in(item.pair.output, s) and normalise(s) not in home
                          and not _HEADING.fullmatch(s)]
            if candidates:
                competing[k] = candidates
        ctx.prefetch([s for candidates in competing.values() for s in candidates])
        for k, candidates in competing.items():
            scores = ctx.embed(candidates) @ Q[k]
            j = int(scores.argmax())
            best[k], texts[k] = float(scores[j]), candidates[j]
        return best, texts
