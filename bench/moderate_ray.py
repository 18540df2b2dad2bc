"""Benchmark: moderation on a local Ray cluster against the local engine, 20,000 to 200,000 pairs.

The set: the course's 1,400 lamini_docs pairs re-asked and perturbed (15 settings such as
"... in a Python project?" times 14 openings such as "Quick question: "), so every pair is its
own text and the re-askings of one question are near and semantic duplicates of each other, as
generated data often is. Each run is a fresh process with an empty embedding cache, so its
peak memory and its embeddings are its own.

Runs, for each engine (local; ray on a local cluster of this machine's cores):
- every step on, at the smaller size (all-MiniLM-L6-v2 embeds on the CPU: the actor pool on Ray);
- the steps that need no embeddings (rules, answer and question form, exact and near duplicates,
  restated answers) at each size, for how time grows from 20,000 to 200,000. Relevance and the
  semantic search compare every pair with every other, so on two cores they are left to the
  smaller size; on a cluster their row blocks are spread over the workers.

Reported: seconds, pairs/s, the driver's peak memory, the largest Ray worker's peak memory
and how many workers ran, and the decisions (kept / review / dropped), which must agree.

    .venv/bin/python bench/moderate_ray.py [--sizes 20000,200000] [--cpus 2]

On a real cluster, start Ray on every node with pairsmith installed, then
`ray job submit --address http://HEAD:8265 --working-dir . -- python bench/moderate_ray.py
--address auto` (or `pairsmith moderate PAIRS --out OUT --engine ray --address auto`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.moderate_scale import LAMINI, SETTINGS  # noqa: E402  (the settings moderate_scale re-asks in)
OPENINGS = ["", "Quick question: ", "Hi! ", "I was wondering: ", "Could you explain: ", "Please help: ",
            "One more thing: ", "From the docs: ", "Asking for my team: ", "Newcomer here: ", "Follow-up: ",
            "Short one: ", "For a tutorial: ", "Honest question: "]


def make_set(n: int, path: Path) -> None:
    """n pairs: each lamini pair in setting s with opening o, in that order (distinct texts)."""
    from pairsmith.core.formats import load_pairs
    from pairsmith.core.io import write_jsonl_atomic

    base = load_pairs(LAMINI)  # the course's `### Question:` template stripped, as every reader does
    rows = []
    for k in range(n):
        pair = base[k % len(base)]
        variant = k // len(base)
        setting, opening = SETTINGS[variant % len(SETTINGS)], OPENINGS[(variant // len(SETTINGS)) % len(OPENINGS)]
        question = pair.instruction.rstrip("?. ")
        rows.append({"instruction": f"{opening}{question}{setting}?",
                     "output": pair.output + (f" This also holds{setting}." if setting else "")})
    write_jsonl_atomic(path, rows)


def worker_memory(stop: threading.Event, found: dict[int, float]) -> None:
    """Peak resident memory (MB) of each Ray worker process, sampled every 0.2 s."""
    import psutil

    while not stop.is_set():
        for proc in psutil.process_iter(["name", "cmdline"]):
            try:
                name = proc.info["name"] or ""
                if name.startswith("ray::") or any("default_worker.py" in c for c in proc.info["cmdline"] or []):
                    rss = proc.memory_info().rss / 2**20
                    found[proc.pid] = max(found.get(proc.pid, 0.0), rss)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        stop.wait(0.2)


def child(args: argparse.Namespace) -> None:
    import resource

    from moderation.config import ModerationConfig
    from moderation.engines import make_engine
    from moderation.pipeline import moderate

    config = ModerationConfig()
    if not args.embeddings:
        config.grounding.enabled = config.relevance.enabled = config.semantic.enabled = False
    workers: dict[int, float] = {}
    stop = threading.Event()
    sampler = threading.Thread(target=worker_memory, args=(stop, workers), daemon=True)
    started = time.perf_counter()
    engine = make_engine(args.engine, args.address, **({"num_cpus": args.cpus} if args.engine == "ray" else {}))
    if args.engine == "ray":
        sampler.start()
    ready = time.perf_counter()
    result = moderate(args.src, args.out, config=config, engine=engine)
    seconds = time.perf_counter() - ready
    engine.close()
    stop.set()
    print(json.dumps({"engine": args.engine, "pairs": result.total, "embeddings": args.embeddings,
                      "seconds": round(seconds, 1), "startup_seconds": round(ready - started, 1),
                      "pairs_per_second": round(result.total / seconds, 1),
                      "driver_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                      "worker_peak_mb": round(max(workers.values())) if workers else None,
                      "workers": len(workers), "decisions": [result.kept, result.review, result.dropped],
                      "embedded": result.stats.get("embeddings_computed", 0)}))


def run(engine: str, n: int, embeddings: bool, work: Path, args: argparse.Namespace) -> dict:
    src = work / f"pairs-{n}.jsonl"
    if not src.exists():
        make_set(n, src)
    out = work / f"{engine}-{n}-{int(embeddings)}.jsonl"
    env = {**os.environ, "PAIRSMITH_CACHE": str(work / f"cache-{engine}-{n}-{int(embeddings)}")}
    command = [sys.executable, __file__, "--child", "--engine", engine, "--src", str(src), "--out", str(out),
               "--cpus", str(args.cpus)] + (["--embeddings"] if embeddings else []) + (
        ["--address", args.address] if args.address and engine == "ray" else [])
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{engine} at {n} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000,200000", help="sizes for the steps without embeddings")
    parser.add_argument("--all-steps-size", type=int, default=5000,
                        help="size for the run with every step on (embedding every answer: ~40/s on 2 cores)")
    parser.add_argument("--cpus", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--address", default=None, help="a running Ray cluster instead of a local one")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--engine", default="local", help=argparse.SUPPRESS)
    parser.add_argument("--src", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--embeddings", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    import platform

    print(json.dumps({"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(), "ray_cpus": args.cpus}))
    sizes = [int(s) for s in args.sizes.split(",")]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        plan = [(args.all_steps_size, True)] + [(n, False) for n in sizes]
        for n, embeddings in plan:
            pair = [run(engine, n, embeddings, work, args) for engine in ("local", "ray")]
            for row in pair:
                print(json.dumps(row))
            local, ray = pair
            same = local["decisions"] == ray["decisions"]
            print(f"  {n} pairs, {'every step' if embeddings else 'no embedding steps'}: ray / local pairs/s = "
                  f"{ray['pairs_per_second'] / local['pairs_per_second']:.2f}x; same decisions: {same}")
            results.append((n, embeddings, local, ray))
    flat = [(n, local, ray) for n, embeddings, local, ray in results if not embeddings]
    if len(flat) >= 2:
        (n0, l0, r0), (n1, l1, r1) = flat[0], flat[-1]
        print(f"time from {n0} to {n1} pairs ({n1 / n0:.0f}x the pairs): local {l1['seconds'] / l0['seconds']:.1f}x, "
              f"ray {r1['seconds'] / r0['seconds']:.1f}x")


if __name__ == "__main__":
    main()
