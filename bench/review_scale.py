"""Benchmark: the review page over 20,000 pairs. Opening (reading the file, indexing reasons and
scores) and filtering with server-side paging, against the simple design that ships every pair
to the browser to filter there (measured as building and parsing that JSON, which it cannot skip).

    .venv/bin/python bench/review_scale.py [--pairs 20000]

The pairs are lamini_docs pairs repeated with varied ids, each with a moderation record (decision,
one of eight reasons with evidence and scores), as `pairsmith moderate` writes them.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.review_server import start  # noqa: E402
from moderation.review_session import ReviewSession  # noqa: E402

LAMINI = ROOT / "tests" / "data" / "lamini_docs.jsonl"
REASONS = [("relevance", "answer_mismatch"), ("relevance", "weak_relevance"), ("semantic_duplicate", "cosine"),
           ("near_duplicate", "minhash_jaccard"), ("rules", "too_short"), ("pii", "email"),
           ("question_form", "unknown_names"), ("grounding", "weakly_supported")]


def make_pairs(path: Path, n: int) -> None:
    rows = [json.loads(line) for line in LAMINI.read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = random.Random(0)
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            row = rows[i % len(rows)]
            decision = rng.choice(["keep", "keep", "review", "drop"])
            moderation = {"decision": decision, "reasons": [], "evidence": [],
                          "checks": {"grounding": {"score": round(rng.random(), 3)}}}
            if decision != "keep":
                step, rule = rng.choice(REASONS)
                score = round(rng.random(), 3)
                moderation["evidence"].append({"step": step, "rule": rule, "decision": decision, "score": score,
                                               "margin": round(rng.uniform(-0.3, 0.4), 3)})
                moderation["reasons"].append(f"{step}:{rule} ({score:.2f})")
            out.write(json.dumps({"id": f"p_{i:06d}", "instruction": row["question"], "input": "",
                                  "output": row["answer"], "source": {"path": f"docs/page{i % 50}.md"},
                                  "moderation": moderation}) + "\n")


def timed(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "curated.jsonl"
        make_pairs(path, args.pairs)
        started = time.perf_counter()
        session = ReviewSession(path, Path(tmp) / "reviews.jsonl", reviewer="bench")
        opened = time.perf_counter() - started
        server = start(session, port=0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}/api/pairs?"
        queries = {"everything": "", "by decision": "decision=review", "by reason": "reason=relevance",
                   "reason + text": "reason=relevance&q=model", "sorted by margin": "sort=relevance.margin&order=desc"}
        ours = {name: timed(lambda q=q: urllib.request.urlopen(base + q).read()) for name, q in queries.items()}
        page_bytes = len(urllib.request.urlopen(base + "reason=relevance").read())
        server.shutdown()
        everything = [row.pair.to_dict() for row in session.rows]
        payload = json.dumps(everything)
        ship_all = timed(lambda: json.loads(json.dumps(everything)))
    print(f"{args.pairs} pairs")
    print(f"open (read, index reasons and scores): {opened:.2f} s")
    for name, seconds in ours.items():
        print(f"filter {name:18} page of 100 + counts per filter, over HTTP: {seconds * 1000:6.0f} ms")
    worst = max(ours.values())
    print(f"one page over HTTP: {page_bytes / 1024:.0f} KiB; every pair to the browser: {len(payload) / 1024 / 1024:.1f} MiB, "
          f"{ship_all * 1000:.0f} ms to build and parse alone")
    print(f"ratio (ship every pair / slowest filter): {ship_all / worst:.1f}x")


if __name__ == "__main__":
    main()
