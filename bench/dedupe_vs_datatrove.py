"""Benchmark: near-duplicate removal, pairsmith's MinHash step against datatrove's MinHash
deduplication (signatures, LSH buckets, clusters, filter) on the same texts with planted
near-duplicates, at the same threshold.

    .venv/bin/python bench/dedupe_vs_datatrove.py [--n 20000] [--datatrove-python /path/to/python]

datatrove is not a pairsmith dependency: install it where you like (`pip install
"datatrove[processing]"`, its own virtualenv is fine) and pass that interpreter. The set: the
course's lamini_docs questions and answer sentences that are mutually distinct (word Jaccard under
0.5), about 4,000, and a quarter as many planted near-duplicates of them (a word dropped, two
words swapped, a filler word added, case and punctuation changed); a bigger n is capped by the
distinct texts there are (see moderate_scale.py for speed at 20,000). A planted pair counts as
caught when either member is
removed; any other text removed is a false positive, since the base holds no near-duplicates of its
own. Both sides use word shingles; datatrove's LSH of 14 bands x 8 rows puts its 50%
candidate point at Jaccard 0.72, pairsmith checks Jaccard >= 0.7 exactly on its LSH candidates.
datatrove runs with its default 5-word shingles and with single words (pairsmith's setting).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FILLERS = ["really", "exactly", "actually", "please", "now"]

DATATROVE = r"""
import json, sys, time
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.dedup.minhash import (MinhashConfig, MinhashDedupBuckets, MinhashDedupCluster,
                                              MinhashDedupFilter, MinhashDedupSignature)
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from datatrove.utils.hashing import HashConfig

work, n_grams = sys.argv[1], int(sys.argv[2])
config = MinhashConfig(n_grams=n_grams, num_buckets=14, hashes_per_bucket=8, hash_config=HashConfig(precision=64))
started = time.perf_counter()
for pipeline in (
    [JsonlReader(f"{work}/input"), MinhashDedupSignature(output_folder=f"{work}/sigs", config=config)],
    [MinhashDedupBuckets(input_folder=f"{work}/sigs", output_folder=f"{work}/buckets", config=config)],
    [MinhashDedupCluster(input_folder=f"{work}/buckets", output_folder=f"{work}/remove_ids", config=config)],
    [JsonlReader(f"{work}/input"), MinhashDedupFilter(input_folder=f"{work}/remove_ids",
                                                      exclusion_writer=JsonlWriter(f"{work}/removed")),
     JsonlWriter(f"{work}/kept")],
):
    tasks = config.num_buckets if isinstance(pipeline[0], MinhashDedupBuckets) else 1
    LocalPipelineExecutor(pipeline=pipeline, tasks=tasks, workers=1, logging_dir=f"{work}/logs/{time.time_ns()}").run()
print(json.dumps({"seconds": time.perf_counter() - started}))
"""


def distinct_texts() -> list[str]:
    """lamini_docs questions and answer sentences (six words or more), keeping only texts whose
    word-set Jaccard with every text kept before is under 0.5: a base with no near-duplicates
    of its own, so that only the planted ones are to be found."""
    from datasketch import MinHash, MinHashLSH

    from moderation.minhash import jaccard, shingles
    from pairsmith.core.textmetrics import sentences

    rows = [json.loads(line) for line in (ROOT / "tests" / "data" / "lamini_docs.jsonl").read_text().splitlines()]
    candidates = [r["question"].replace("### Question:", "").replace("### Answer:", "").strip() for r in rows]
    candidates += [s.strip() for r in rows for s in sentences(r["answer"]) if len(s.split()) >= 6]
    lsh, kept, sets = MinHashLSH(threshold=0.4, num_perm=128), [], {}
    for text in dict.fromkeys(candidates):
        words = shingles(text, 1)
        signature = MinHash(num_perm=128)
        for w in words:
            signature.update(w.encode("utf-8"))
        if any(jaccard(words, sets[k]) >= 0.5 for k in lsh.query(signature)):
            continue
        key = str(len(kept))
        lsh.insert(key, signature)
        sets[key] = words
        kept.append(text)
    return kept


def make_set(n: int, seed: int = 0) -> tuple[list[str], list[tuple[int, int]]]:
    """Distinct texts, then planted near-duplicates of a random fifth of them (a word dropped, two
    words swapped, a filler word added, or case and punctuation changed), and the planted
    (duplicate, original) pairs."""
    rng = random.Random(seed)
    base = distinct_texts()
    n_planted = min(n // 5, len(base) // 4)
    texts = base[: min(len(base), n - n_planted)]
    planted = []
    for k, source in enumerate(rng.sample(range(len(texts)), n_planted)):
        words = texts[source].split()
        change = k % 4
        if change == 0 and len(words) > 6:
            del words[rng.randrange(1, len(words) - 1)]
        elif change == 1 and len(words) > 3:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
        elif change == 2:
            words.insert(rng.randrange(1, len(words) + 1), rng.choice(FILLERS))
        else:
            words = [w.lower().strip("?,.!") for w in words]
            words[-1] += " ?"
        planted.append((len(texts), source))
        texts.append(" ".join(words))
    return texts, planted


def score(removed: set[int], planted: list[tuple[int, int]], n: int) -> dict[str, float]:
    caught = sum(1 for dup, original in planted if dup in removed or original in removed)
    involved = {i for pair in planted for i in pair}
    return {"recall": caught / len(planted), "removed": len(removed),
            "removed_outside_planted_pairs": len(removed - involved),
            "precision": (len(removed) - len(removed - involved)) / len(removed) if removed else 1.0}


def ours(texts: list[str]) -> tuple[set[int], float]:
    from moderation.minhash import sequential_minhash_filter

    started = time.perf_counter()
    dropped, _ = sequential_minhash_filter(texts, 0.7, None, 128, 1)
    return set(dropped), time.perf_counter() - started


def datatrove(texts: list[str], python: str, n_grams: int) -> tuple[set[int], float]:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "input").mkdir()
        with open(Path(tmp) / "input" / "data.jsonl", "w", encoding="utf-8") as fh:
            for i, text in enumerate(texts):
                fh.write(json.dumps({"id": str(i), "text": text}) + "\n")
        done = subprocess.run([python, "-c", DATATROVE, tmp, str(n_grams)], capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"datatrove failed:\n{done.stderr[-2000:]}")
        seconds = json.loads(done.stdout.strip().splitlines()[-1])["seconds"]
        removed: set[int] = set()
        for path in (Path(tmp) / "removed").rglob("*.jsonl*"):
            import gzip

            opener = gzip.open if path.suffix == ".gz" else open
            with opener(path, "rt", encoding="utf-8") as fh:
                removed |= {int(json.loads(line)["id"]) for line in fh if line.strip()}
        return removed, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--datatrove-python", default=sys.executable)
    args = parser.parse_args()
    texts, planted = make_set(args.n)
    print(f"{len(texts)} questions, {len(planted)} planted near-duplicates")
    removed, seconds = ours(texts)
    results = {"pairsmith near_duplicate (minhash, exact Jaccard >= 0.7, words)": (score(removed, planted, len(texts)), seconds)}
    for n_grams in (5, 1):
        removed, seconds = datatrove(texts, args.datatrove_python, n_grams)
        results[f"datatrove MinhashDedup (14x8 buckets, {n_grams}-word shingles)"] = (score(removed, planted, len(texts)), seconds)
    for name, (found, seconds) in results.items():
        print(f"{name:68} recall {found['recall']:.3f}  removed {found['removed']:5d} "
              f"(false positives {found['removed_outside_planted_pairs']:4d})  {seconds:6.1f} s  "
              f"{len(texts) / seconds:8.0f} texts/s")
    ours_seconds = next(iter(results.values()))[1]
    best = max(list(results.values())[1:], key=lambda r: r[0]["recall"])
    print(f"speed ratio vs the better-recall datatrove setting: {best[1] / ours_seconds:.1f}x")


if __name__ == "__main__":
    main()
