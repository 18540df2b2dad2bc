"""Score blind labels of bench/plain_vs_sections.py's pairs: each arm's share of good pairs, the
sections with a good kept pair, the bad pairs moderation caught, and good kept pairs per minute.

    python bench/score_blind.py OUT [OUT ...]     (each OUT holds blind/key.jsonl, labels.jsonl, timing.json)
    python bench/score_blind.py bench/data/testset/*   (the labelled test set, stored flat)
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from labelled import labelled_key  # noqa: E402
from labelled import timing as run_timing  # noqa: E402


def wilson(good: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson interval of a share."""
    if total == 0:
        return 0.0, 0.0
    p = good / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return max(0.0, centre - half), min(1.0, centre + half)


def share(good: int, total: int) -> str:
    low, high = wilson(good, total)
    return f"{good}/{total} = {good / max(total, 1):.0%} [{low:.0%}, {high:.0%}]"


def load(folder: Path) -> tuple[list[dict], dict]:
    return labelled_key(folder), run_timing(folder)


def main() -> None:
    rows, sections, minutes = [], 0, Counter()
    for folder in map(Path, sys.argv[1:]):
        key, timing = load(folder)
        rows += key
        sections += timing["sections"]
        minutes["plain"] += timing["plain"]["seconds"] / 60
        minutes["pairsmith"] += timing["pairsmith"]["seconds"] / 60
    for arm in ("plain", "pairsmith"):
        made = [r for r in rows if r["arm"] == arm]
        kept = [r for r in made if r["decision"] == "kept"]
        good_kept = [r for r in kept if r["good"]]
        covered = {r["chunk"] for r in good_kept}
        fails = Counter(f for r in kept if not r["good"] for f in r["fails"])
        print(f"{arm}: {len(made)} pairs made, {len(kept)} kept, {minutes[arm]:.1f} min")
        print(f"  kept pairs good:            {share(len(good_kept), len(kept))}")
        print(f"  sections with a good kept:  {share(len(covered), sections)}")
        print(f"  kept bad, by criterion:     {dict(sorted(fails.items()))} (3 = unsupported claims)")
        print(f"  good kept pairs per minute: {len(good_kept) / max(minutes[arm], 1e-9):.2f}")
        if arm == "pairsmith":
            bad = [r for r in made if not r["good"]]
            caught = [r for r in bad if r["decision"] != "kept"]
            good = [r for r in made if r["good"]]
            print(f"  bad pairs caught:           {share(len(caught), len(bad))}")
            print(f"  good pairs dropped:         {share(sum(r['decision'] != 'kept' for r in good), len(good))}")
    rate = {arm: sum(r["good"] for r in rows if r["arm"] == arm and r["decision"] == "kept") / max(minutes[arm], 1e-9)
            for arm in ("plain", "pairsmith")}
    ratio = f"{rate['pairsmith'] / rate['plain']:.2f}x" if rate["plain"] > 0 else "no ratio (the plain prompt kept no good pair)"
    print(f"good kept pairs per minute, pairsmith / plain: {ratio}")


if __name__ == "__main__":
    main()
