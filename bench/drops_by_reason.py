"""Which moderation findings drop good pairs? Every labelled run's pairs moderated again, each drop
counted by its first finding against its blind label.

Reads every labelled run in bench/data that kept its `pairs.jsonl`, but the held-out newest test
set, moderates it with the current code and default config, and prints for each finding (step:rule)
how many bad and good pairs it dropped. A finding whose drops are no more often bad than the pairs
moderation keeps costs good pairs and buys nothing.

    python bench/drops_by_reason.py
"""

from __future__ import annotations

import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from labelled import read_jsonl  # noqa: E402

from pairsmith import moderate  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
HELD_OUT = ("testset7",)  # the newest test set: measured once after the work, never read for it


def main() -> None:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # finding -> [bad, good]
    kept = [0, 0]
    for pairs_file in sorted(DATA.glob("*/*/pairs.jsonl")):
        run = pairs_file.parent
        if run.parent.name.startswith(HELD_OUT):  # and its reruns (testset7-...)
            continue
        labels = {r["pid"]: r for r in read_jsonl(run / "labels.jsonl")}
        plain = {r["pid"] for r in read_jsonl(run / "key.jsonl") if r["arm"] == "plain"}
        found = {}
        for item in read_jsonl(run / "items.jsonl"):
            for p in item["pairs"]:
                if p["pid"] in labels and p["pid"] not in plain:
                    found[(item["chunk"], p["instruction"], p["output"])] = bool(labels[p["pid"]]["good"])
        with tempfile.TemporaryDirectory() as scratch:
            curated = moderate(pairs_file, out=Path(scratch) / "curated.jsonl")
        for pair in curated.kept:
            good = found.get(((pair.source or {}).get("chunk"), pair.instruction, pair.output))
            if good is not None:
                kept[good] += 1
        for pair in curated.dropped:
            good = found.get(((pair.source or {}).get("chunk"), pair.instruction, pair.output))
            if good is not None:
                findings = pair.moderation.get("evidence") or [{}]
                counts[f"{findings[0].get('step')}:{findings[0].get('rule')}"][good] += 1
    print(f"kept: {kept[0]} bad, {kept[1]} good ({kept[0] / max(sum(kept), 1):.0%} bad)\n")
    print("finding | bad dropped | good dropped | bad share")
    for finding, (bad, good) in sorted(counts.items(), key=lambda kv: -sum(kv[1])):
        print(f"{finding} | {bad} | {good} | {bad / (bad + good):.0%}")


if __name__ == "__main__":
    main()
