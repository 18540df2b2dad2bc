"""A labelled run's folder, read one way by every bench script: the blind key and items (in
OUT/blind/ as bench/plain_vs_sections.py writes them, or beside the labels as bench/data keeps
them), the labels a blind labeller wrote, and the timing; and how well a score ranks the labels."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def blind_dir(folder: Path) -> Path:
    """Where the run's key.jsonl and items.jsonl are."""
    return folder / "blind" if (folder / "blind" / "key.jsonl").exists() else folder


def read_jsonl(path: Path) -> list[dict]:
    """The JSON objects of a JSON-lines file, blank lines skipped."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def labelled_key(folder: Path) -> list[dict]:
    """The key's rows (pid, arm, chunk, decision) with each pair's label: good and fails. Exits when a
    pair has no label, since a score over part of a run is not the run's score."""
    key = read_jsonl(blind_dir(folder) / "key.jsonl")
    labels = {row["pid"]: row for row in read_jsonl(folder / "labels.jsonl")}
    missing = [k["pid"] for k in key if k["pid"] not in labels]
    if missing:
        sys.exit(f"{folder}: {len(missing)} pairs have no label (first: {missing[0]})")
    for k in key:
        k["good"], k["fails"] = bool(labels[k["pid"]]["good"]), labels[k["pid"]].get("fails") or []
    return key


def timing(folder: Path) -> dict:
    """timing.json of the run (beside the labels, or in blind/)."""
    path = folder / "timing.json" if (folder / "timing.json").exists() else blind_dir(folder) / "timing.json"
    return json.loads(path.read_text(encoding="utf-8"))


def auc(scores: list[float], bad: list[bool]) -> float:
    """How often a bad pair scores above a good one (ties count half); 0.5 is chance."""
    b = [s for s, is_bad in zip(scores, bad) if is_bad]
    g = [s for s, is_bad in zip(scores, bad) if not is_bad]
    return sum((x > y) + 0.5 * (x == y) for x in b for y in g) / max(len(b) * len(g), 1)


DATA = Path(__file__).resolve().parent / "data"
HELD_OUT = ("testset9",)  # the newest test set and its reruns: measured once after the work, never read for it


class LabelledRun:
    """A labelled run that kept its pairs (`pairs.jsonl` of a side-by-side run, or `generated.jsonl` of a
    post-work check, whose labels cover the kept pairs only): pairsmith's pairs (not the plain arm's)
    by (chunk, instruction, output), each with its label and the run's decision, and the sections."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.pairs_file = folder / "pairs.jsonl"
        if not self.pairs_file.exists():
            self.pairs_file = folder / "generated.jsonl"
        labels = {r["pid"]: r for r in read_jsonl(folder / "labels.jsonl")}
        key = {r["pid"]: r for r in read_jsonl(blind_dir(folder) / "key.jsonl")}
        self.labels: dict[tuple[str, str, str], dict] = {}
        self.sections: dict[str, str] = {}
        for item in read_jsonl(blind_dir(folder) / "items.jsonl"):
            self.sections[item["chunk"]] = item["section"]
            for p in item["pairs"]:
                if p["pid"] in labels and key[p["pid"]].get("arm") != "plain":
                    self.labels[(item["chunk"], p["instruction"], p["output"])] = {
                        **labels[p["pid"]], "decision": key[p["pid"]].get("decision", "kept")}

    def label(self, chunk: str | None, instruction: str, output: str) -> dict | None:
        """A pair's label row (good, fails, decision), or None when it was not labelled."""
        return self.labels.get((chunk or "", instruction, output))


def dev_runs(checks: bool = False) -> list[LabelledRun]:
    """Every labelled run in bench/data with a pairs file, but the held-out newest test set: the
    side-by-side runs (`*/*/pairs.jsonl`, every pair labelled) and, with `checks`, the post-work checks
    (`check*/**/generated.jsonl`, kept pairs labelled), each measured once after its work and read as
    development data since."""
    runs = {f.parent for f in DATA.glob("*/*/pairs.jsonl")}
    if checks:
        runs |= {f.parent for f in DATA.glob("check*/**/generated.jsonl") if (f.parent / "labels.jsonl").exists()}
    return [LabelledRun(folder) for folder in sorted(runs) if not folder.relative_to(DATA).parts[0].startswith(HELD_OUT)]
