"""Pairs of several arms laid out for one blind labeller: one item per section (its text as the reader
sees it) holding every arm's pairs, shuffled, and a key that says which arm each pair is; a pair two
arms share is shown once and keyed for both. Used by the side-by-side bench scripts."""

from __future__ import annotations

import json
import random
from pathlib import Path

from kept_for_labels import pid

from pairsmith.core.readable import readable


class BlindLayout:
    """Items and key being built, section by section."""

    def __init__(self, seed: int = 0) -> None:
        self.items: dict[str, dict] = {}
        self.key: list[dict] = []
        self.rng = random.Random(seed)

    def add(self, pair, project: str, arm: str, sections: dict[str, dict]) -> None:
        """One pair (a Pair) of `arm`, under its section (`sections`: kept_for_labels.section_texts)."""
        chunk = (pair.source or {}).get("chunk")
        known = sections.get(chunk, {})
        item = self.items.setdefault(chunk, {"chunk": chunk, "project": project, "document": known.get("document", ""),
                                             "headings": known.get("headings", []),
                                             "section": readable(known.get("text", "")), "pairs": []})
        row = {"pid": pid(pair.to_dict()), "instruction": pair.instruction, "input": pair.input, "output": pair.output}
        if all(r["pid"] != row["pid"] for r in item["pairs"]):  # the same pair in two arms: one label
            item["pairs"].append(row)
        self.key.append({"pid": row["pid"], "chunk": chunk, "project": project, "arm": arm})

    def write(self, out: Path, timing: dict[str, dict]) -> None:
        """OUT/items.jsonl (sections and their pairs shuffled), OUT/key.jsonl, and OUT/timing.json merged
        with what an earlier run recorded (a rerun that asked nothing keeps the recorded seconds)."""
        shuffled = list(self.items.values())
        self.rng.shuffle(shuffled)
        for item in shuffled:
            self.rng.shuffle(item["pairs"])
        (out / "items.jsonl").write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in shuffled), "utf-8")
        (out / "key.jsonl").write_text("".join(json.dumps(k) + "\n" for k in self.key), "utf-8")
        old = json.loads((out / "timing.json").read_text()) if (out / "timing.json").exists() else {}
        for project, now in timing.items():
            old[project] = {**old.get(project, {}), **{k: v for k, v in now.items() if v is not None}}
        (out / "timing.json").write_text(json.dumps(old, indent=1), "utf-8")


def check_runs(out: Path, runs: list[str]):
    """(project, check folder, docs folder, work folder under OUT) for each CHECK:DOCS argument."""
    out.mkdir(parents=True, exist_ok=True)
    for spec in runs:
        check, docs = spec.split(":")
        work = out / Path(check).name
        work.mkdir(exist_ok=True)
        yield Path(check).name, Path(check), docs, work
