"""How good the teacher's first, second and third pair of a section are, by the section's length,
and what capping the pairs asked of a short section would have kept, from the labelled runs.

Reads every labelled run in bench/data that kept its `pairs.jsonl` (the pairs in the order the
teacher wrote them per section), but the held-out newest test set, joins them to their blind labels and moderation decisions, and prints the
share of good pairs by position and section length, then the labelled figures with the pairs past
max(2, ceil(words / W)) of each section left out (W = --words-per-pair). Truncating a reply only
approximates asking for fewer pairs; the seventh test set measures the real thing.

    python bench/pairs_by_section_length.py [--words-per-pair 50]
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from labelled import dev_runs, read_jsonl  # noqa: E402



def labelled_pairs() -> list[dict]:
    """One row per pairsmith pair of every labelled run with a pairs file: its position in its
    section's reply, the section's words, its label and whether moderation kept it."""
    rows = []
    for run in dev_runs():
        words = {chunk: len(section.split()) for chunk, section in run.sections.items()}
        position: dict[str, int] = defaultdict(int)
        for pair in read_jsonl(run.pairs_file):
            chunk = pair["source"]["chunk"]
            at = position[chunk]
            position[chunk] += 1
            label = run.label(chunk, pair["instruction"], pair["output"])
            if label is not None:
                rows.append({"run": f"{run.folder.parent.name}/{run.folder.name}", "chunk": chunk, "position": at,
                             "words": words.get(chunk, 0), "good": bool(label["good"]),
                             "kept": label["decision"] == "kept"})
    return rows


def figures(rows: list[dict]) -> str:
    kept = [r for r in rows if r["kept"]]
    bad = [r for r in rows if not r["good"]]
    good_kept = sum(r["good"] for r in kept)
    sections = {(r["run"], r["chunk"]) for r in kept if r["good"]}
    return (f"pairs {len(rows)}, good {sum(r['good'] for r in rows)}, kept good {good_kept}/{len(kept)} = "
            f"{good_kept / max(len(kept), 1):.1%}, bad caught {sum(not r['kept'] for r in bad)}/{len(bad)}, "
            f"sections with a good kept pair {len(sections)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words-per-pair", type=int, default=50)
    args = parser.parse_args()
    rows = labelled_pairs()
    print(f"{len(rows)} labelled pairs from {len({r['run'] for r in rows})} runs\n")
    cut = 2 * args.words_per_pair  # up to here the cap asks for two pairs
    print("section words | 1st pair good | 2nd | 3rd or later")
    table: dict[tuple[bool, int], list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        cell = table[(r["words"] <= cut, min(r["position"], 2))]
        cell[0] += r["good"]
        cell[1] += 1
    for short, name in ((True, f"{cut} or fewer"), (False, f"over {cut}")):
        cells = [table[(short, p)] for p in range(3)]
        print(name, "|", " | ".join(f"{g}/{n} = {g / max(n, 1):.0%}" for g, n in cells))
    capped = [r for r in rows if r["position"] < max(2, math.ceil(r["words"] / args.words_per_pair))]
    print("\nas asked:", figures(rows))
    print(f"capped at max(2, ceil(words / {args.words_per_pair})):", figures(capped))


if __name__ == "__main__":
    main()
