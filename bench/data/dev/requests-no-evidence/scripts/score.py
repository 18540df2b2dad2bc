"""Score the no-evidence experiment from its folder: the default prompt's 85 dev pairs and the
no-evidence prompt's 84, labelled together, blind, by the same two helpers.

    python bench/data/dev/requests-no-evidence/scripts/score.py
"""
import json
from collections import Counter
from pathlib import Path

here = Path(__file__).resolve().parent.parent
read = lambda name: [json.loads(line) for line in (here / name).read_text().splitlines() if line.strip()]
labels = {r["pid"]: r for r in read("labels.jsonl")}
key = read("key.jsonl")
kept_default = set(json.loads((here / "default_pairs_kept_now.json").read_text()))
tokens = {"default": 8689, "noevid": json.loads((here / "timing.json").read_text())["completion_tokens"]}
for arm in ("default", "noevid"):
    rows = [k for k in key if k["arm"] == arm]
    good = [k for k in rows if labels[k["pid"]]["good"]]
    kept = [k for k in rows if (k["pid"] in kept_default if arm == "default" else k["decision"] == "kept")]
    kept_good = [k for k in kept if labels[k["pid"]]["good"]]
    fails = Counter(f for k in kept if not labels[k["pid"]]["good"] for f in labels[k["pid"]]["fails"])
    print(f"{arm}: generated good {len(good)}/{len(rows)}; kept good {len(kept_good)}/{len(kept)}; sections with a "
          f"good kept pair {len({k['chunk'] for k in kept_good})}/30; completion tokens {tokens[arm]}; good kept per "
          f"1000 tokens {1000 * len(kept_good) / tokens[arm]:.2f}; kept bad by criterion {dict(sorted(fails.items()))}")
