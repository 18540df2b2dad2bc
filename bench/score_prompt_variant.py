"""Score a prompt-variant folder: the default prompt's 85 Requests dev pairs and a variant's pairs,
labelled together, blind, by the same helpers (bench/prompt_variant_run.py made the variant's).

    python bench/score_prompt_variant.py bench/data/dev/requests-no-evidence bench/data/dev/requests-evidence-last

The default pairs' decisions are today's moderation of them (default_pairs_kept_now.json); their
completion tokens are those of the first dev run (bench/data/dev/requests/timing.json).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from labelled import blind_dir, read_jsonl  # noqa: E402

DEFAULT_RUN = Path(__file__).resolve().parent / "data" / "dev" / "requests"


def main() -> None:
    default_tokens = json.loads((DEFAULT_RUN / "timing.json").read_text())["pairsmith"]["completion_tokens"]
    for folder in map(Path, sys.argv[1:]):
        labels = {r["pid"]: r for r in read_jsonl(folder / "labels.jsonl")}
        key = read_jsonl(blind_dir(folder) / "key.jsonl")
        kept_default = set(json.loads((folder / "default_pairs_kept_now.json").read_text()))
        print(folder)
        for arm in ("default", "variant"):
            rows = [k for k in key if (k["arm"] == "default") == (arm == "default")]
            kept = [k for k in rows if (k["pid"] in kept_default if arm == "default" else k["decision"] == "kept")]
            tokens = default_tokens if arm == "default" else json.loads((folder / "timing.json").read_text())["completion_tokens"]
            good = sum(labels[k["pid"]]["good"] for k in rows)
            kept_good = [k for k in kept if labels[k["pid"]]["good"]]
            fails = Counter(f for k in kept if not labels[k["pid"]]["good"] for f in labels[k["pid"]]["fails"])
            print(f"  {arm:8s} generated good {good}/{len(rows)}; kept good {len(kept_good)}/{len(kept)}; sections with a "
                  f"good kept pair {len({k['chunk'] for k in kept_good})}; completion tokens {tokens}; good kept per 1000 "
                  f"tokens {1000 * len(kept_good) / tokens:.2f}; kept bad by criterion {dict(sorted(fails.items()))}")


if __name__ == "__main__":
    main()
