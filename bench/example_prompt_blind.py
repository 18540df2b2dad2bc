"""Blind items for comparing two versions of the `sections` prompt on the same dev pages: the pairs
each version generated (`pairsmith generate ... --no-cache`, the old one with `--template FILE`),
shuffled together per section, with a key saying which version made each pair and whether today's
moderation keeps it (the `<arm>-kept.jsonl` files from `pairsmith moderate`).

    python bench/example_prompt_blind.py --run old=/tmp/old-typer.jsonl:Typer ... --out OUT
    (label OUT/items.jsonl by bench/data/pair_rubric.md into OUT/labels.jsonl)
    python bench/score_prompt_versions.py OUT
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alpaca_gen.run import collect_chunks  # noqa: E402
from alpaca_gen.options import GenerateOptions  # noqa: E402
from pairsmith.core.readable import readable  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", action="append", required=True,
                        help="ARM=PAIRS.jsonl:PROJECT; the kept pairs are read from PAIRS-kept.jsonl beside it")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sections: dict[str, dict] = {}
    key = []
    for spec in args.run:
        arm, rest = spec.split("=", 1)
        path, project = rest.rsplit(":", 1)
        rows = [json.loads(l) for l in Path(path).read_text(encoding="utf-8").splitlines() if l.strip()]
        kept_file = Path(path).with_name(Path(path).stem + "-kept.jsonl")
        kept = {json.loads(l)["id"] for l in kept_file.read_text(encoding="utf-8").splitlines() if l.strip()}
        docs = sorted({r["source"]["path"] for r in rows})
        _, chunks = collect_chunks(docs, GenerateOptions(paths=docs, out="unused.jsonl").chunking())
        text = {c.id: c for c in chunks}
        for r in rows:
            cid = r["source"]["chunk"]
            chunk = text[cid]
            section = sections.setdefault(cid, {"chunk": cid, "project": project, "document": Path(r["source"]["path"]).name,
                                                "headings": r["source"].get("headings", []),
                                                "section": readable(r["source"].get("text") or chunk.text), "pairs": []})
            pid = "x" + hashlib.sha256((arm + cid + r["instruction"] + r["output"]).encode()).hexdigest()[:10]
            section["pairs"].append({"pid": pid, "instruction": r["instruction"], "input": r["input"], "output": r["output"]})
            key.append({"pid": pid, "arm": arm, "chunk": cid, "decision": "kept" if r["id"] in kept else "not kept"})
    rng = random.Random(7)
    for section in sections.values():
        rng.shuffle(section["pairs"])
    (out / "items.jsonl").write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in sections.values()),
                                     encoding="utf-8")
    (out / "key.jsonl").write_text("".join(json.dumps(k) + "\n" for k in key), encoding="utf-8")
    print(f"{len(key)} pairs in {len(sections)} sections: label {out / 'items.jsonl'}")


if __name__ == "__main__":
    main()
