"""Pair quality, measured against hand labels (tests/data/pair_quality, labelled by RUBRIC.md).

1. Moderation on the labelled set: of the bad pairs, the share it drops (and drops or sends to
   review); of the good pairs, the share it keeps.
2. Generation side by side on the same docs, offline default model: the stepwise strategy (the
   old default) and answer-first (the new one), each moderated with the default config. For
   each: pairs kept, the share of kept pairs labelled good (by pair id; pairs nobody labelled
   are counted apart, never guessed), chunks with a good kept pair, seconds, and good kept pairs
   per minute of generation.

    python bench/pair_quality.py                    # both parts (generation: minutes on 2 cores)
    python bench/pair_quality.py --skip-generation  # moderation on the labelled set only
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alpaca_gen.generate import generate  # noqa: E402
from alpaca_gen.options import GenerateOptions  # noqa: E402
from moderation.config import ModerationConfig  # noqa: E402
from moderation.pipeline import moderate  # noqa: E402
from pairsmith.core.io import read_jsonl, write_jsonl_atomic  # noqa: E402

LABELS = ROOT / "tests" / "data" / "pair_quality"
DOCS = [ROOT / "examples" / "docs", *sorted(p for p in (ROOT / "tests" / "data" / "docs").iterdir() if p.is_dir())]


def labels() -> dict[str, dict]:
    found: dict[str, dict] = {}
    for path in sorted(LABELS.glob("*.jsonl")):
        for row in read_jsonl(path):
            found[row["id"]] = row
    return found


def moderation_on_labels(rows: list[dict], work: Path) -> dict:
    """Moderate the labelled pairs (each carries its chunk as source.text) and score the decisions."""
    pairs = []
    for row in rows:
        source = dict(row.get("source") or {})
        source["text"] = row["chunk"]
        pairs.append({"id": row["id"], "instruction": row["instruction"], "input": row.get("input", ""),
                      "output": row["output"], "source": source, "generator": row.get("generator")})
    data = work / "labelled_input.jsonl"
    write_jsonl_atomic(data, pairs)
    started = time.perf_counter()
    moderate(data, work / "labelled_curated.jsonl", config=ModerationConfig())
    seconds = time.perf_counter() - started
    decisions = {r["id"]: r["moderation"] for r in [*read_jsonl(work / "labelled_curated.jsonl"),
                                                     *read_jsonl(work / "labelled_curated.rejects.jsonl")]}
    by_label = {"good": Counter(), "bad": Counter()}
    missed = []
    for row in rows:
        decision = decisions[row["id"]]["decision"]
        by_label[row["label"]][decision] += 1
        if row["label"] == "bad" and decision == "keep":
            missed.append(row)
    bad, good = sum(by_label["bad"].values()), sum(by_label["good"].values())
    return {"pairs": len(rows), "bad": bad, "good": good, "seconds": round(seconds, 1),
            "bad_dropped": by_label["bad"]["drop"] / bad if bad else None,
            "bad_dropped_or_review": (by_label["bad"]["drop"] + by_label["bad"]["review"]) / bad if bad else None,
            "good_kept": by_label["good"]["keep"] / good if good else None,
            "good_kept_or_review": (by_label["good"]["keep"] + by_label["good"]["review"]) / good if good else None,
            "decisions": {k: dict(v) for k, v in by_label.items()},
            "bad_kept_examples": [f"{r['instruction']} -> {r['output'][:80]}" for r in missed[:8]]}


def generation(strategy: str, work: Path, known: dict[str, dict], pairs_per_chunk: int) -> dict:
    out = work / f"{strategy}.jsonl"
    started = time.perf_counter()
    summary = generate(GenerateOptions(paths=[str(p) for p in DOCS], out=str(out), strategy=strategy,
                                       pairs_per_chunk=pairs_per_chunk, no_cache=True, progress=False))
    seconds = time.perf_counter() - started
    result = moderate(out, work / f"{strategy}.curated.jsonl", config=ModerationConfig())
    kept = [r for r in read_jsonl(work / f"{strategy}.curated.jsonl") if r["moderation"]["decision"] == "keep"]
    labelled = [r for r in kept if r["id"] in known]
    good = [r for r in labelled if known[r["id"]]["label"] == "good"]
    chunks = {r["source"]["chunk"] for r in read_jsonl(out)} if out.exists() else set()
    good_chunks = {r["source"]["chunk"] for r in good}
    return {"strategy": strategy, "chunks": summary.chunks, "pairs": summary.pairs_written, "kept": len(kept),
            "review": result.review, "labelled_kept": len(labelled), "unlabelled_kept": len(kept) - len(labelled),
            "good_share_of_kept": len(good) / len(labelled) if labelled else None,
            "chunks_with_good_kept_pair": len(good_chunks) / max(1, summary.chunks),
            "seconds": round(seconds, 1), "pairs_per_second": round(summary.pairs_written / seconds, 3),
            "good_kept_per_minute": round(60 * len(good) / seconds, 2),
            "unlabelled_ids": [r["id"] for r in kept if r["id"] not in known][:500]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-generation", action="store_true")
    parser.add_argument("--pairs-per-chunk", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="keep the generated files in this folder")
    args = parser.parse_args()
    known = labels()
    rows = list(known.values())
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        before = [r for r in rows if not r.get("round")]  # labelled before thresholds were tuned
        report = {"labels": dict(Counter(r["label"] for r in rows)),
                  "moderation": moderation_on_labels(before, work),
                  "moderation_all_labels": {k: v for k, v in moderation_on_labels(rows, work).items()
                                            if k != "bad_kept_examples"}}
        print(json.dumps(report, indent=1))
        if not args.skip_generation:
            report["generation"] = [generation(s, work, known, args.pairs_per_chunk)
                                    for s in ("stepwise", "answer-first")]
            old, new = report["generation"]
            for side in report["generation"]:
                print(json.dumps({k: v for k, v in side.items() if k != "unlabelled_ids"}))
            if old["good_kept_per_minute"]:
                print(f"good kept pairs per minute: answer-first / stepwise = "
                      f"{new['good_kept_per_minute'] / old['good_kept_per_minute']:.1f}x")
            unlabelled = {s["strategy"]: s["unlabelled_ids"] for s in report["generation"]}
            if any(unlabelled.values()):
                print(f"unlabelled kept pairs (label them in {LABELS} for a full figure): "
                      + ", ".join(f"{k}: {len(v)}" for k, v in unlabelled.items()))


if __name__ == "__main__":
    main()
