"""Benchmark: does the relevance step catch answers swapped between pairs, and leave the rest?

lamini_docs (1,400 human-written pairs) with 100 answers swapped between random pairs (seeded:
the 100 answers are rotated among the chosen pairs). The steps before relevance (rules, answer and
question form, exact duplicates, restated answers) run first, as in `pairsmith moderate`, and the
relevance step judges their survivors. Prints, for the rule in use (relative margin) and for an
absolute cosine threshold of 0.4 side by side: the share of swapped pairs flagged (dropped) and of
genuine pairs newly flagged (dropped by relevance, not by an earlier step), the review shares, and
the relevance step's pairs/s.

    .venv/bin/python bench/relevance_swapped.py [--swaps 100] [--seed 0] [--embedder all-minilm-l6-v2]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.config import ModerationConfig  # noqa: E402
from moderation.steps import STEPS, Context, Item  # noqa: E402
from moderation.steps.base import alive  # noqa: E402
from moderation.steps.relevance import Relevance  # noqa: E402
from pairsmith.core.formats import load_pairs  # noqa: E402
from pairsmith.core.textmetrics import normalise  # noqa: E402

LAMINI = ROOT / "tests" / "data" / "lamini_docs.jsonl"


def swapped_pairs(n_swaps: int, seed: int):
    """The lamini pairs with `n_swaps` answers rotated among random pairs; the indices whose answer changed."""
    pairs = load_pairs(LAMINI)
    chosen = random.Random(seed).sample(range(len(pairs)), n_swaps)
    outputs = {a: pairs[b].output for a, b in zip(chosen, chosen[1:] + chosen[:1])}
    result = [replace(p, output=outputs.get(i, p.output)) for i, p in enumerate(pairs)]
    swapped = {i for i in chosen if normalise(result[i].output) != normalise(pairs[i].output)}
    return result, swapped


def measure(n_swaps: int = 100, seed: int = 0, embedder: str = "all-minilm-l6-v2",
            config: ModerationConfig | None = None) -> dict:
    cfg = config or ModerationConfig(embedder=embedder)
    pairs, swapped = swapped_pairs(n_swaps, seed)
    items = [Item(i, p) for i, p in enumerate(pairs)]
    ctx = Context(cfg)
    for step in STEPS:
        if step.name == "relevance":
            break
        if step.enabled(cfg) and step.name != "grounding":
            step.run(items, ctx)
    judged = alive(items)
    ctx.embed([i.prompt for i in judged] + [i.pair.output for i in judged])  # embedding is the cache's cost
    started = time.perf_counter()
    Relevance().run(items, ctx)
    seconds = time.perf_counter() - started
    own = {i.index: float(ctx.embed([i.prompt])[0] @ ctx.embed([i.pair.output])[0]) for i in judged}

    def shares(flag) -> dict:
        sw = [i for i in judged if i.index in swapped]
        gen = [i for i in judged if i.index not in swapped]
        return {"swapped": sum(map(flag, sw)) / max(1, len(sw)), "genuine": sum(map(flag, gen)) / max(1, len(gen))}

    def verdict(item, decision):
        return any(v.step == "relevance" and v.decision == decision for v in item.verdicts)

    if ctx.embedder is not None:
        ctx.embedder.close()
    return {"judged": len(judged), "swapped": len(swapped), "swapped_judged": sum(i.index in swapped for i in judged),
            "relative": shares(lambda i: verdict(i, "drop")), "relative_review": shares(lambda i: verdict(i, "review")),
            "absolute_0.4": shares(lambda i: own[i.index] < 0.4), "seconds": seconds,
            "pairs_per_s": len(judged) / seconds if seconds else float("inf"),
            "margins": np.asarray(ctx.stats.get("relevance_margins", []))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swaps", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--embedder", default="all-minilm-l6-v2")
    args = parser.parse_args()
    cfg = ModerationConfig(embedder=args.embedder)
    found = measure(args.swaps, args.seed, args.embedder, cfg)
    print(f"{found['judged']} pairs reach relevance ({found['swapped_judged']} of {found['swapped']} swapped)")
    print(f"{'rule':44s} {'swapped flagged':>16s} {'genuine flagged':>16s}")
    rows = [(f"relative margin > {cfg.relevance.threshold} (drop)", found["relative"]),
            (f"relative review band (> {cfg.relevance.threshold - cfg.relevance.review_band:.2f})",
             found["relative_review"]),
            ("absolute cosine < 0.4", found["absolute_0.4"])]
    for name, shares in rows:
        print(f"{name:44s} {shares['swapped']:16.3f} {shares['genuine']:16.3f}")
    print(f"relevance step: {found['judged']} pairs in {found['seconds']:.2f}s ({found['pairs_per_s']:.0f} pairs/s, "
          "embeddings cached)")


if __name__ == "__main__":
    main()
