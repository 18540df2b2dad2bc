"""Benchmark: moderate 20,000 pairs on this machine, embeddings included; peak memory by size.

The set: the course's 1,400 lamini_docs pairs, each also asked in 14 more settings ("... in a
Python project?", "... on a laptop without a GPU?"), as generated data often is. Part one
moderates all 20,000 with an empty embedding cache (all-MiniLM-L6-v2, the offline default)
and reports pairs/s. Part two moderates 5,000, 10,000 and 20,000 of them in fresh processes
(vectors now cached) and reports each one's peak memory above the loaded baseline: with the
blockwise search it grows linearly; a full n x n similarity matrix would grow 16x from 5,000
to 20,000 (1.6 GB of float32 at 20,000).

    .venv/bin/python bench/moderate_scale.py [--n 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LAMINI = ROOT / "tests" / "data" / "lamini_docs.jsonl"
SETTINGS = ["", " in a Python project", " on a laptop without a GPU", " for a team of ten engineers",
            " when the data is in CSV files", " with a private deployment", " in a Jupyter notebook",
            " for customer support", " on Windows", " with a very small budget", " in production",
            " for a research prototype", " through the REST API", " with multilingual documents",
            " when training takes too long"]


def make_set(n: int, path: Path) -> None:
    from pairsmith.core.formats import load_pairs, write_pairs
    from pairsmith.core.records import Pair

    base = load_pairs(LAMINI)
    pairs = []
    for setting in SETTINGS:
        for pair in base:
            question = pair.instruction.rstrip("?. ")
            pairs.append(Pair(instruction=f"{question}{setting}?" if setting else pair.instruction,
                              output=pair.output + (f" This also holds{setting}." if setting else "")))
    write_pairs(pairs[:n], path, "jsonl")


CHILD = """
import json, resource, sys, time
from moderation.config import ModerationConfig
from pairsmith.core.models.embedder import Embedder
Embedder().model  # load the embedder before measuring the baseline
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
from moderation.pipeline import moderate
r = moderate(sys.argv[1], sys.argv[2], config=ModerationConfig())
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": time.perf_counter() - t, "base_mb": base / 1024, "peak_mb": peak / 1024,
                  "summary": r.summary(), "computed": r.stats.get("embeddings_computed", 0)}))
"""


def run_child(src: Path, out: Path, env: dict) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(src), str(out)], env=env, capture_output=True,
                          text=True, cwd=ROOT, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {**os.environ, "PAIRSMITH_CACHE": str(work / "cache"), "PYTHONPATH": str(ROOT)}
        full = work / "pairs.jsonl"
        make_set(args.n, full)
        cold = run_child(full, work / "curated.jsonl", env)
        print(f"{args.n} pairs, cold embedding cache: {cold['seconds']:.1f}s, {args.n / cold['seconds']:.0f} pairs/s, "
              f"{cold['computed']} texts embedded, peak {cold['peak_mb']:.0f} MB")
        print(f"  {cold['summary']}")
        print(f"{'pairs':>7} {'seconds':>8} {'peak MB':>8} {'above baseline MB':>18}")
        for size in (args.n // 4, args.n // 2, args.n):
            part = work / f"pairs_{size}.jsonl"
            make_set(size, part)
            started = time.perf_counter()
            warm = run_child(part, work / f"curated_{size}.jsonl", env)
            del started
            print(f"{size:7d} {warm['seconds']:8.1f} {warm['peak_mb']:8.0f} {warm['peak_mb'] - warm['base_mb']:18.0f}")
    semantic_memory(args.n)


def semantic_memory(n: int) -> None:
    """Peak memory of the semantic search alone, all n prompts, vs one n x n matrix."""
    import tracemalloc

    import numpy as np

    from moderation.semantic import neighbours_exact

    print("semantic search alone (384-d vectors, numpy allocations traced):")
    print(f"{'vectors':>8} {'blockwise MB':>13} {'n x n matrix MB':>16}")
    rng = np.random.default_rng(0)
    for size in (n // 4, n // 2, n, 2 * n):
        vectors = rng.normal(size=(size, 384)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        tracemalloc.start()
        neighbours_exact(vectors, 0.95)
        blockwise = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        print(f"{size:8d} {blockwise:13.0f} {size * size * 4 / 2**20:16.0f}")


if __name__ == "__main__":
    main()
