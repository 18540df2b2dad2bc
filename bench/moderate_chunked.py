"""Benchmark: moderation of real generated pairs, each with its chunk, so every check that reads the
chunk runs; and the language guess's script count, the one per-character check, side by side with
the per-character lookup it replaced.

The pairs: every generated pair kept in bench/data (the side-by-side runs' pairs.jsonl and the
post-work checks' generated.jsonl, the held-out set's included: timing reads no label), in one file;
1,849 pairs from 30 projects' docs when last measured. Moderation
runs once to fill the embedding cache, then is timed twice (default config, all steps on); the
script count is timed over every question and answer with both implementations, whose results must
agree.

    .venv/bin/python bench/moderate_chunked.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pairsmith.core.textmetrics import letter_script  # noqa: E402

DATA = ROOT / "bench" / "data"


def lookup_every_character(text: str) -> str | None:
    """The script count before: each character's Unicode name read, ASCII included."""
    counts: dict[str, int] = {}
    for char in text:
        if (script := letter_script(char)) is not None:
            counts[script] = counts.get(script, 0) + 1
    return max(counts, key=counts.get) if counts else None


def main() -> None:
    from moderation.steps import question_form
    from pairsmith import moderate
    from pairsmith.core.formats import load_pairs

    now_script = question_form._script
    files = sorted(DATA.glob("*/*/pairs.jsonl")) + sorted(DATA.glob("check*/**/generated.jsonl"))
    with tempfile.TemporaryDirectory() as scratch:
        pairs_file = Path(scratch) / "pairs.jsonl"
        pairs_file.write_text("".join(f.read_text(encoding="utf-8") for f in files), encoding="utf-8")
        pairs = load_pairs(pairs_file)
        with_chunk = sum(bool((p.source or {}).get("chunk")) for p in pairs)
        moderate(pairs_file, out=Path(scratch) / "warm.jsonl")
        best = {}
        for arm, count in (("before: every character looked up", lookup_every_character), ("now", question_form._script)):
            question_form._script = count
            times = []
            for run in range(2):
                started = time.perf_counter()
                result = moderate(pairs_file, out=Path(scratch) / f"curated{run}.jsonl")
                times.append(time.perf_counter() - started)
            best[arm] = min(times)
            print(f"moderation, embeddings cached, {arm}: {best[arm]:.2f} s, {len(pairs) / best[arm]:.0f} pairs/s "
                  f"(best of {len(times)}); kept {len(result.kept)}, review {len(result.review)}, "
                  f"dropped {len(result.dropped)}")
        question_form._script = now_script
    print(f"{len(pairs)} pairs from {len(files)} files, {with_chunk} with a chunk; moderation ratio "
          f"{best['before: every character looked up'] / best['now']:.2f}x")

    _script = now_script
    texts = [t for p in pairs for t in (p.instruction, p.output)]
    assert [_script(t) for t in texts] == [lookup_every_character(t) for t in texts]
    timed = {}
    for name, count in (("lookup every character (before)", lookup_every_character), ("ASCII counted, rest looked up", _script)):
        started = time.perf_counter()
        for text in texts:
            count(text)
        timed[name] = time.perf_counter() - started
        print(f"script count, {name}: {timed[name] * 1000:.0f} ms for {len(texts)} texts")
    before, now = timed.values()
    print(f"ratio: {before / now:.1f}x faster")


if __name__ == "__main__":
    main()
