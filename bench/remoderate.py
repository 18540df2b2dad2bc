"""Decide a labelled run's pairs again with moderation as it is now: no generation, no new labels.

bench/plain_vs_sections.py leaves OUT/pairs.jsonl (every pair pairsmith's arm generated) and
OUT/blind/key.jsonl (each pair's arm and decision); labellers leave OUT/labels.jsonl. This runs
`moderate` with the current code and default config on the same pairs and writes NEW (a copy of
OUT's key, labels and timing with pairsmith's decisions and moderation seconds replaced), so that
bench/score_blind.py scores the current moderation on labels given before it changed. Used only on
labels that came before the change; a change tuned on a set's labels is not measured by that set.

    python bench/remoderate.py OUT NEW [--keep-timing] && python bench/score_blind.py NEW

--keep-timing keeps the run's own moderation seconds: moderating again finds the embeddings
cached, so its seconds are not the run's.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from labelled import blind_dir, read_jsonl  # noqa: E402
from plain_vs_sections import pid  # noqa: E402

from pairsmith import moderate  # noqa: E402
from pairsmith.core.formats import load_pairs  # noqa: E402


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--keep-timing"]
    keep_timing = len(args) < len(sys.argv) - 1
    if len(args) != 2:
        sys.exit(__doc__)
    out, new = Path(args[0]), Path(args[1])
    blind = blind_dir(out)
    if new.exists():
        sys.exit(f"{new} exists: give a new folder")
    new.mkdir(parents=True)
    started = time.perf_counter()
    curated = moderate(load_pairs(out / "pairs.jsonl"), out=new / "curated.jsonl")
    seconds = time.perf_counter() - started
    kept = {pid("pairsmith", (p.source or {}).get("chunk"), p.instruction, p.output) for p in curated.kept}
    key = read_jsonl(blind / "key.jsonl")
    changed = 0
    for row in key:
        if row["arm"] == "pairsmith":
            decision = "kept" if row["pid"] in kept else "not kept"
            changed += decision != row["decision"]
            row["decision"] = decision
    (new / "key.jsonl").write_text("".join(json.dumps(k) + "\n" for k in key), encoding="utf-8")
    shutil.copy(out / "labels.jsonl", new / "labels.jsonl")
    timing = json.loads((out / "timing.json").read_text())
    if not keep_timing:
        before = timing["pairsmith"]["seconds_moderate"]
        timing["pairsmith"]["seconds_moderate"] = round(seconds, 1)
        timing["pairsmith"]["seconds"] = round(timing["pairsmith"]["seconds"] - before + seconds, 1)
    (new / "timing.json").write_text(json.dumps(timing, indent=1), encoding="utf-8")
    print(f"{changed} of {sum(r['arm'] == 'pairsmith' for r in key)} decisions changed; score: "
          f"python bench/score_blind.py {new}")


if __name__ == "__main__":
    main()
