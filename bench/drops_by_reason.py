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

from labelled import dev_runs  # noqa: E402

from pairsmith import moderate  # noqa: E402



def main() -> None:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # finding -> [bad, good]
    kept = [0, 0]
    for run in dev_runs():
        pairs_file = run.pairs_file
        with tempfile.TemporaryDirectory() as scratch:
            curated = moderate(pairs_file, out=Path(scratch) / "curated.jsonl")
        for pair in curated.kept:
            label = run.label((pair.source or {}).get("chunk"), pair.instruction, pair.output)
            if label is not None:
                kept[bool(label["good"])] += 1
        for pair in curated.dropped:
            label = run.label((pair.source or {}).get("chunk"), pair.instruction, pair.output)
            if label is not None:
                good = bool(label["good"])
                findings = pair.moderation.get("evidence") or [{}]
                counts[f"{findings[0].get('step')}:{findings[0].get('rule')}"][good] += 1
    print(f"kept: {kept[0]} bad, {kept[1]} good ({kept[0] / max(sum(kept), 1):.0%} bad)\n")
    print("finding | bad dropped | good dropped | bad share")
    for finding, (bad, good) in sorted(counts.items(), key=lambda kv: -sum(kv[1])):
        print(f"{finding} | {bad} | {good} | {bad / (bad + good):.0%}")


if __name__ == "__main__":
    main()
