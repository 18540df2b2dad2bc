"""Which moderation findings drop good pairs? Every labelled run's pairs moderated again, each drop
counted by its first finding against its blind label.

Reads every labelled run in bench/data that kept its pairs (the side-by-side runs' `pairs.jsonl`,
every pair labelled; the post-work checks' `generated.jsonl`, kept pairs labelled), but the held-out
newest test set, moderates it with the current code and default config, and prints for each finding (step:rule)
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
    kept = {"side-by-side runs": [0, 0], "post-work checks": [0, 0]}  # [bad, good] kept
    for run in dev_runs(checks=True):
        group = "post-work checks" if run.pairs_file.name == "generated.jsonl" else "side-by-side runs"
        pairs_file = run.pairs_file
        with tempfile.TemporaryDirectory() as scratch:
            curated = moderate(pairs_file, out=Path(scratch) / "curated.jsonl")
        for pair in curated.kept:
            label = run.label((pair.source or {}).get("chunk"), pair.instruction, pair.output)
            if label is not None:
                kept[group][bool(label["good"])] += 1
        for pair in curated.dropped:
            label = run.label((pair.source or {}).get("chunk"), pair.instruction, pair.output)
            if label is not None:
                good = bool(label["good"])
                findings = pair.moderation.get("evidence") or [{}]
                counts[f"{findings[0].get('step')}:{findings[0].get('rule')}"][good] += 1
    for group, (bad, good) in kept.items():
        print(f"kept, {group}: {bad} bad, {good} good ({bad / max(bad + good, 1):.0%} bad)")
    print()
    print("finding | bad dropped | good dropped | bad share")
    for finding, (bad, good) in sorted(counts.items(), key=lambda kv: -sum(kv[1])):
        print(f"{finding} | {bad} | {good} | {bad / (bad + good):.0%}")


if __name__ == "__main__":
    main()
