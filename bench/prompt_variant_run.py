"""Generate the Requests dev pairs with a variant of the `sections` prompt and its reply schema, then
moderate them, as for bench/data/dev/requests-no-evidence and requests-evidence-last (a new run
writes new pairs, which need labelling; its key names the arm `variant`, theirs `noevid` and
`evlast`; bench/score_prompt_variant.py reads either).

    python bench/prompt_variant_run.py --evidence none --prompt bench/data/dev/requests-no-evidence/prompt.txt --out /tmp/noevid/out
    python bench/prompt_variant_run.py --evidence last --prompt bench/data/dev/requests-evidence-last/prompt.txt --out /tmp/evlast/out

`--evidence none` takes the evidence out of the schema; `last` asks for it after the answer (a
grammar-constrained reply follows the schema's order). OUT/blind/items.jsonl then holds the
variant's pairs shuffled in among the default prompt's pairs of bench/data/dev/requests (same
sections), for labelling blind by bench/data/pair_rubric.md; OUT/blind/key.jsonl says which is
which, and OUT/default_pairs_kept_now.json which default pairs today's moderation keeps (their
blind items hold no evidence, so it is moderated without). bench/score_prompt_variant.py scores
the labelled folder.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import alpaca_gen.schema as schema  # noqa: E402
from labelled import read_jsonl  # noqa: E402
from pairsmith import generate, moderate  # noqa: E402
from pairsmith.core.records import Pair  # noqa: E402

DEFAULT_RUN = Path(__file__).resolve().parent / "data" / "dev" / "requests"  # the default prompt's labelled run
DEV_DOCS = "bench/thirdparty/dev/requests"  # its sections, named as the run named them (from the repository root)


def blind(variant: list, kept_ids: set[str], out: Path) -> None:
    """The variant's pairs and the default run's, shuffled per section; the key; the default pairs'
    decisions by today's moderation."""
    items, key = read_jsonl(DEFAULT_RUN / "items.jsonl"), {k["pid"]: k for k in read_jsonl(DEFAULT_RUN / "key.jsonl")}
    sources = {p.source["chunk"]: p.source for p in variant}
    generator = {k: v for k, v in (variant[0].generator or {}).items() if k != "evidence"}
    sections, rows, defaults, pid_of = {}, [], [], {}
    for item in items:
        ours = [p for p in item["pairs"] if key[p["pid"]]["arm"] == "pairsmith"]
        sections[item["chunk"]] = {**{k: item[k] for k in ("chunk", "project", "document", "headings", "section")},
                                   "pairs": list(ours)}
        for p in ours:
            rows.append({"pid": p["pid"], "arm": "default", "chunk": item["chunk"]})
            if item["chunk"] in sources:
                defaults.append(Pair(instruction=p["instruction"], input=p["input"], output=p["output"],
                                     source=sources[item["chunk"]], generator=generator))
                pid_of[(item["chunk"], p["instruction"], p["output"])] = p["pid"]
    for p in variant:
        chunk = p.source["chunk"]
        pid = "v" + hashlib.sha256((chunk + p.instruction + p.output).encode()).hexdigest()[:10]
        sections[chunk]["pairs"].append({"pid": pid, "instruction": p.instruction, "input": p.input, "output": p.output})
        rows.append({"pid": pid, "arm": "variant", "chunk": chunk, "decision": "kept" if p.id in kept_ids else "not kept"})
    rng = random.Random(7)
    for section in sections.values():
        rng.shuffle(section["pairs"])
    (out / "blind").mkdir()
    (out / "blind" / "items.jsonl").write_text(
        "".join(json.dumps(s, ensure_ascii=False) + "\n" for s in sections.values()), encoding="utf-8")
    (out / "blind" / "key.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    curated = moderate(defaults, out=out / "default_curated.jsonl")
    kept = sorted(pid_of[(p.source["chunk"], p.instruction, p.output)] for p in curated.kept)
    (out / "default_pairs_kept_now.json").write_text(json.dumps(kept), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--evidence", choices=["none", "last"], required=True)
    parser.add_argument("--prompt", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    fields = dict(schema.PAIR_SCHEMA["properties"])
    if args.evidence == "last":
        fields["evidence"] = {"type": "string"}
    schema.EVIDENCED_PAIR_SCHEMA = {"type": "object", "properties": fields, "required": list(fields),
                                    "additionalProperties": False}
    out, prompt = Path(args.out).resolve(), str(Path(args.prompt).resolve())
    out.mkdir(parents=True)
    os.chdir(Path(__file__).resolve().parent.parent)  # chunks are named by the path the docs were given as
    started = time.perf_counter()
    made = generate(DEV_DOCS, out=out / "pairs.jsonl", project="Requests", parallel=4, pairs_per_chunk=3,
                    no_cache=True, template=prompt)
    generated = time.perf_counter()
    curated = moderate(made, out=out / "curated.jsonl")
    timing = {"seconds_generate": round(generated - started, 1),
              "seconds_moderate": round(time.perf_counter() - generated, 1),
              "completion_tokens": made.summary.completion_tokens, "pairs": len(made), "kept": len(curated.kept)}
    (out / "timing.json").write_text(json.dumps(timing, indent=1), encoding="utf-8")
    blind(list(made), {p.id for p in curated.kept}, out)
    print(timing, f"label {out / 'blind' / 'items.jsonl'}, then bench/score_prompt_variant.py")


if __name__ == "__main__":
    main()
