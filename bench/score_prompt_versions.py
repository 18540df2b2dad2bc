"""Score two prompt versions labelled together (bench/example_prompt_blind.py): for each arm, the
generated and the kept pairs that are good, the sections with a good kept pair, and how many of its
pairs fail each criterion of the rubric, with 95% Wilson intervals on the kept share.

    python bench/score_prompt_versions.py bench/data/dev/typer-click-marshmallow-example-prompt
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from labelled import labelled_key  # noqa: E402
from score_blind import wilson  # noqa: E402


def main() -> None:
    folder = Path(sys.argv[1])
    key = labelled_key(folder)
    arms = sorted({k["arm"] for k in key}, key=[k["arm"] for k in key].index)
    chunks = {k["chunk"] for k in key}
    print("arm | generated good | kept good | sections with a good kept pair | fails 1 / 2 / 3 / 4 (generated)")
    for arm in arms:
        rows = [k for k in key if k["arm"] == arm]
        kept = [k for k in rows if k["decision"] == "kept"]
        good_kept = sum(k["good"] for k in kept)
        low, high = wilson(good_kept, len(kept))
        sections = len({k["chunk"] for k in kept if k["good"]})
        fails = Counter(c for k in rows for c in k["fails"])
        print(f"{arm} | {sum(k['good'] for k in rows)}/{len(rows)} | {good_kept}/{len(kept)} = "
              f"{good_kept / max(len(kept), 1):.0%} [{low:.0%}, {high:.0%}] | {sections}/{len(chunks)} | "
              f"{fails[1]} / {fails[2]} / {fails[3]} / {fails[4]}")


if __name__ == "__main__":
    main()
