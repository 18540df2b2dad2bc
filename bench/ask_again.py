"""Does asking the teacher again for sections that kept no pair add good pairs? (`pairsmith run`
does it once by default; `pairsmith generate --again-for CURATED` by hand.) A post-work check's
generated pairs, labelled blind before, are moderated with today's code; the sections whose pairs
were all dropped are asked again through `generate --again-for` (the next seed, a warmer
temperature), and the new pairs are moderated together with the first ones (so a repeat of a kept or
dropped pair is a duplicate). The kept new pairs are laid out for a blind labeller, shuffled in
among some of the first asking's labelled kept pairs (to check the labeller against the first
labels); the key says which is which. The baseline is the first asking alone, on the same sections.

    python bench/ask_again.py bench/data/ask-again \
        bench/data/check19/pytest-xdist:bench/thirdparty/check19/pytest-xdist \
        bench/data/check19/cibuildwheel:bench/thirdparty/check19/cibuildwheel \
        bench/data/check20/pip-tools:bench/thirdparty/check20/pip-tools \
        bench/data/check20/pipx:bench/thirdparty/check20/pipx
    # label OUT/items.jsonl blind by bench/data/pair_rubric.md into OUT/labels.jsonl, then
    python bench/ask_again.py bench/data/ask-again --score (the same CHECK:DOCS arguments)

Run it from the repository root (chunk ids hold the docs' path as given to the first run). A folder
that holds a project's `refill.jsonl` (the new pairs that were labelled) is scored without asking.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from blind_layout import BlindLayout, check_runs  # noqa: E402
from kept_for_labels import pid, section_texts  # noqa: E402
from labelled import read_jsonl  # noqa: E402

from alpaca_gen.chunk import ChunkConfig  # noqa: E402
from alpaca_gen.generate import generate  # noqa: E402
from alpaca_gen.options import GenerateOptions  # noqa: E402
from pairsmith import moderate  # noqa: E402

CALIBRATION = 12  # first-pass labelled kept pairs shown to the labeller per project


def kept_chunks(pairs_file: Path, scratch: Path) -> tuple[set[str], set[str], list]:
    """Chunks that have generated pairs, chunks that keep one, and the kept pairs, by today's moderation."""
    curated = moderate(pairs_file, out=scratch)
    made = {(p.get("source") or {}).get("chunk") for p in read_jsonl(pairs_file)} - {None}
    return made, {(p.source or {}).get("chunk") for p in curated.kept}, list(curated.kept)


def ask_again(docs: str, first: Path, first_curated: Path, work: Path) -> tuple[list[dict], float]:
    """`pairsmith generate --again-for`: the first run's pairs copied to a new --out, the sections its
    moderation kept nothing from asked again; returns the new pairs and the seconds it took."""
    out = work / "asked_again.jsonl"
    out.write_text(first.read_text(encoding="utf-8"), encoding="utf-8")
    started = time.perf_counter()
    generate(GenerateOptions(paths=[docs], out=str(out), again_for=str(first_curated), no_cache=True, progress=False))
    seconds = time.perf_counter() - started
    known = {p["id"] for p in read_jsonl(first)}
    return [p for p in read_jsonl(out) if p["id"] not in known], seconds


def build(out: Path, runs: list[str]) -> None:
    layout, timing = BlindLayout(), {}
    for project, check, docs, work in check_runs(out, runs):
        made, kept, first_kept = kept_chunks(check / "generated.jsonl", work / "first_curated.jsonl")
        empty = made - kept
        refill = work / "refill.jsonl"  # kept with the labels: a rerun scores the pairs that were labelled
        seconds = None
        if not refill.exists():
            new, seconds = ask_again(docs, check / "generated.jsonl", work / "first_curated.jsonl", work)
            refill.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in new), encoding="utf-8")
        both = work / "both.jsonl"
        both.write_text((check / "generated.jsonl").read_text(encoding="utf-8")
                        + (refill.read_text(encoding="utf-8") if refill.exists() else ""), encoding="utf-8")
        curated = moderate(both, out=work / "both_curated.jsonl")
        first_ids = {p["id"] for p in read_jsonl(check / "generated.jsonl")}
        new_kept = [p for p in curated.kept if p.id not in first_ids]
        labels = {r["pid"]: r for r in read_jsonl(check / "labels.jsonl")}
        calibration = [p for p in first_kept if pid(p.to_dict()) in labels]
        calibration = layout.rng.sample(calibration, min(CALIBRATION, len(calibration)))
        sections = section_texts(Path(docs), ChunkConfig())
        for arm, pairs in (("refill", new_kept), ("first", calibration)):
            for p in pairs:
                layout.add(p, project, arm, sections)
        timing[project] = {"sections": len(sections), "made": len(made), "kept_first": len(kept),
                           "asked_again": len(empty), "refill_pairs": len(read_jsonl(refill)) if refill.exists() else 0,
                           "refill_kept": len(new_kept), "refill_seconds": seconds}
        print(project, timing[project], flush=True)
    layout.write(out, timing)


def score(out: Path, runs: list[str]) -> None:
    key = read_jsonl(out / "key.jsonl")
    labels = {r["pid"]: r for r in read_jsonl(out / "labels.jsonl")}
    timing = json.loads((out / "timing.json").read_text())
    first_labels = {}
    good_sections_first: dict[str, set] = {}
    for spec in runs:
        check = Path(spec.split(":")[0])
        project = check.name
        first_labels.update({r["pid"]: r for r in read_jsonl(check / "labels.jsonl")})
        first_key = read_jsonl(check / "key.jsonl")
        good_sections_first[project] = {k["chunk"] for k in first_key if first_labels[k["pid"]]["good"]}
    agree = [labels[k["pid"]]["good"] == first_labels[k["pid"]]["good"] for k in key if k["arm"] == "first"]
    print(f"labeller agrees with the first labels on {sum(agree)}/{len(agree)} calibration pairs")
    totals = {"sections": 0, "before": 0, "after": 0, "kept": 0, "good": 0, "seconds": 0.0, "asked": 0}
    first_kept = sum(len(read_jsonl(Path(spec.split(":")[0]) / "key.jsonl")) for spec in runs)
    first_good = sum(1 for spec in runs for k in read_jsonl(Path(spec.split(":")[0]) / "key.jsonl")
                     if first_labels[k["pid"]]["good"])
    for project, t in timing.items():
        refill = [k for k in key if k["arm"] == "refill" and k["project"] == project]
        good = [k for k in refill if labels[k["pid"]]["good"]]
        new_sections = {k["chunk"] for k in good} - good_sections_first.get(project, set())
        before = len(good_sections_first.get(project, set()))
        print(f"{project}: asked again {t['asked_again']} sections ({t['refill_seconds'] or 0:.0f} s); "
              f"refill kept {len(refill)}, good {len(good)}; sections with a good kept pair "
              f"{before} -> {before + len(new_sections)} of {t['sections']}")
        for name, value in (("sections", t["sections"]), ("before", before), ("after", before + len(new_sections)),
                            ("kept", len(refill)), ("good", len(good)), ("seconds", t["refill_seconds"] or 0),
                            ("asked", t["asked_again"])):
            totals[name] += value
    n = totals["sections"]
    print(f"all: sections with a good kept pair {totals['before']}/{n} = {totals['before'] / n:.0%} -> "
          f"{totals['after']}/{n} = {totals['after'] / n:.0%}")
    print(f"kept pairs good: first asking {first_good}/{first_kept} = {first_good / first_kept:.0%}; asked again "
          f"{totals['good']}/{totals['kept']} = {totals['good'] / max(totals['kept'], 1):.0%}; together "
          f"{first_good + totals['good']}/{first_kept + totals['kept']} = "
          f"{(first_good + totals['good']) / (first_kept + totals['kept']):.0%}")
    first_seconds = sum(t.get("first_seconds", 0) for t in timing.values())  # as each check recorded it
    print(f"good kept pairs a minute of generation: first asking {first_good} in {first_seconds} s = "
          f"{first_good / (first_seconds / 60):.2f}; asked again {totals['good']} in {totals['seconds']:.0f} s "
          f"({totals['asked']} sections) = {totals['good'] / (totals['seconds'] / 60):.2f}; together "
          f"{(first_good + totals['good']) / ((first_seconds + totals['seconds']) / 60):.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("runs", nargs="*", help="CHECK_DIR:DOCS_DIR, as the post-work check ran")
    parser.add_argument("--score", action="store_true")
    args = parser.parse_args()
    (score if args.score else build)(args.out, args.runs)
