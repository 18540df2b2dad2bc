"""pairsmith (sections strategy + moderation) against a plain prompt, on the same model and sections.

The plain arm is how most scripts make pairs: "Create 3 question-answer pairs from this text ...",
sent for each section straight to the llama.cpp engine (xllamacpp's `Server`, the same slots and
threads that pairsmith uses), the replies parsed, nothing curated. The pairsmith arm is `generate`
with the default strategy and the run's project, then `moderate` with the default config. Both see
the same sections (those the sections strategy asks about) and run one after the other in one
process, so their times and completion tokens per second compare.

The run writes, under --out:
  plain.jsonl, pairs.jsonl, curated.jsonl   what each arm made and kept
  blind/items.jsonl                         every pair of both arms, grouped by section, in a
                                            shuffled order and without its arm: what a labeller sees
  blind/key.jsonl                           which arm made each pair, and moderation's decision
  timing.json                               seconds, tokens and tokens per second of each arm

Label blind/items.jsonl by bench/data/pair_rubric.md (a labeller that is not told which arm made a
pair), then score with bench/score_blind.py.

    python bench/plain_vs_sections.py --docs bench/thirdparty/test/click --project Click --out /tmp/click
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from labelled import blind_dir, read_jsonl  # noqa: E402
from labelled import timing as run_timing  # noqa: E402

from alpaca_gen.options import GenerateOptions  # noqa: E402
from alpaca_gen.run import collect_chunks  # noqa: E402
from alpaca_gen.strategies.sections import SectionPairsStrategy  # noqa: E402
from pairsmith import generate, moderate  # noqa: E402
from pairsmith.core.backends.llamacpp import DEFAULT_CONTEXT_PER_SLOT, DEFAULT_PARALLEL, gguf_path  # noqa: E402
from pairsmith.core.models import DEFAULT_TEACHER  # noqa: E402
from pairsmith.core.readable import readable  # noqa: E402
from pairsmith.core.templates import load_template  # noqa: E402

PLAIN_PROMPT = ("Create {n} question-answer pairs from this text. The questions should be ones a user of the "
                "software might ask, and the answers must be directly supported by the text.\n\n"
                'Reply with JSON: {{"pairs": [{{"question": "...", "answer": "..."}}]}}\n\nText:\n{text}')
PLAIN_SCHEMA = {"type": "object", "properties": {"pairs": {"type": "array", "items": {
    "type": "object", "properties": {"question": {"type": "string"}, "answer": {"type": "string"}},
    "required": ["question", "answer"]}}}, "required": ["pairs"]}


def engine(model: str, parallel: int):
    """The llama.cpp engine itself, configured as pairsmith's backend configures it."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(gguf_path(model))
    params.n_parallel = parallel
    params.n_ctx = DEFAULT_CONTEXT_PER_SLOT * parallel
    threads = os.cpu_count() or 2
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.warmup = False
    params.verbosity = -1
    return xllamacpp.Server(params)


def plain_arm(chunks: list, model: str, parallel: int, n: int) -> tuple[list[dict], dict]:
    """The plain prompt for each section, `parallel` requests in flight, nothing curated."""
    server = engine(model, parallel)

    def ask(chunk) -> tuple[object, dict]:
        body = {"messages": [{"role": "user", "content": PLAIN_PROMPT.format(n=n, text=chunk.text)}],
                "max_tokens": 1024, "temperature": 0.2, "seed": 0,
                "response_format": {"type": "json_schema", "json_schema": {"name": "pairs", "schema": PLAIN_SCHEMA}}}
        return chunk, server.handle_chat_completions(body)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        replies = list(pool.map(ask, chunks))
    seconds = time.perf_counter() - started
    pairs, completion = [], 0
    for chunk, reply in replies:
        completion += (reply.get("usage") or {}).get("completion_tokens", 0)
        try:
            found = json.loads(reply["choices"][0]["message"]["content"])["pairs"]
        except (KeyError, TypeError, ValueError):
            continue
        for item in found[:n]:
            if isinstance(item, dict) and str(item.get("question", "")).strip():
                pairs.append({"instruction": str(item["question"]), "input": "", "output": str(item.get("answer", "")),
                              "chunk": chunk.id})
    return pairs, {"seconds": round(seconds, 1), "completion_tokens": completion,
                   "tokens_per_s": round(completion / seconds, 2), "pairs": len(pairs)}


def earlier_plain_arm(folder: Path, chunk_ids: set[str]) -> tuple[list[dict], dict]:
    """The plain arm of an earlier run on the same sections: its pairs from the blind items and key,
    its timing from timing.json, marked with where it came from."""
    blind = blind_dir(folder)
    arms = {k["pid"]: k["arm"] for k in read_jsonl(blind / "key.jsonl")}
    pairs = []
    for item in read_jsonl(blind / "items.jsonl"):
        if item["chunk"] not in chunk_ids:
            sys.exit(f"{folder} has section {item['chunk']}, which these docs do not: give the run on the same docs")
        pairs += [{"instruction": p["instruction"], "input": "", "output": p["output"], "chunk": item["chunk"]}
                  for p in item["pairs"] if arms.get(p["pid"]) == "plain"]
    return pairs, {**run_timing(folder)["plain"], "from": str(folder)}


def pairsmith_arm(docs: str, project: str, out: Path, model: str, parallel: int, n: int) -> tuple[list, list, dict]:
    """`generate` with the default strategy, then `moderate` with the default config."""
    started = time.perf_counter()
    made = generate(docs, out=out / "pairs.jsonl", model=model, project=project, parallel=parallel,
                    pairs_per_chunk=n, no_cache=True)
    generated = time.perf_counter()
    curated = moderate(made, out=out / "curated.jsonl")
    finished = time.perf_counter()
    summary = made.summary
    return list(made), [p.id for p in curated.kept], {
        "seconds_generate": round(generated - started, 1), "seconds_moderate": round(finished - generated, 1),
        "seconds": round(finished - started, 1), "completion_tokens": summary.completion_tokens,
        "tokens_per_s": round(summary.completion_tokens / max(summary.seconds, 1e-9), 2),
        "pairs": len(made), "kept": len(curated.kept), "review": len(curated.review)}


def pid(arm: str, chunk: str, instruction: str, output: str) -> str:
    return "x" + hashlib.sha256("\x1f".join((arm, chunk, instruction, output)).encode()).hexdigest()[:10]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", required=True)
    parser.add_argument("--project", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--model", default=DEFAULT_TEACHER)
    parser.add_argument("--parallel", type=int, default=DEFAULT_PARALLEL)
    parser.add_argument("-n", type=int, default=3, help="pairs asked for per section, in both arms")
    parser.add_argument("--plain-from", metavar="DIR",
                        help="take the plain arm's pairs and timing from an earlier run's blind/ files (or a labelled "
                             "set's folder) on the same docs, instead of running it again: for comparing a change "
                             "to pairsmith's arm; its timing is then from that other run")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        sys.exit(f"{out} is not empty: give a new --out")

    opts = GenerateOptions(paths=[args.docs], out=str(out / "pairs.jsonl"))
    strategy = SectionPairsStrategy(load_template("pairs_from_section"), args.n, project=args.project)
    _, chunks = collect_chunks([args.docs], opts.chunking())
    chunks = [c for c in chunks if strategy.units(c)]  # the sections pairsmith asks about

    if args.plain_from:
        plain, plain_timing = earlier_plain_arm(Path(args.plain_from), {c.id for c in chunks})
    else:
        plain, plain_timing = plain_arm(chunks, args.model, args.parallel, args.n)
    ours, kept_ids, ours_timing = pairsmith_arm(args.docs, args.project, out, args.model, args.parallel, args.n)
    (out / "plain.jsonl").write_text("".join(json.dumps(p) + "\n" for p in plain), encoding="utf-8")

    by_chunk = {c.id: {"chunk": c.id, "project": args.project, "document": Path(c.path).name,
                       "headings": c.headings, "section": readable(c.text), "pairs": []} for c in chunks}
    key = []
    for p in plain:
        i = pid("plain", p["chunk"], p["instruction"], p["output"])
        by_chunk[p["chunk"]]["pairs"].append({"pid": i, "instruction": p["instruction"], "input": "", "output": p["output"]})
        key.append({"pid": i, "arm": "plain", "chunk": p["chunk"], "decision": "kept"})
    kept = set(kept_ids)
    for p in ours:
        chunk = (p.source or {}).get("chunk")
        if chunk not in by_chunk:
            continue
        i = pid("pairsmith", chunk, p.instruction, p.output)
        by_chunk[chunk]["pairs"].append({"pid": i, "instruction": p.instruction, "input": p.input, "output": p.output})
        key.append({"pid": i, "arm": "pairsmith", "chunk": chunk, "decision": "kept" if p.id in kept else "not kept"})
    rng = random.Random(0)
    items = [v for v in by_chunk.values() if v["pairs"]]
    for item in items:
        rng.shuffle(item["pairs"])
    (out / "blind").mkdir()
    (out / "blind" / "items.jsonl").write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items),
                                               encoding="utf-8")
    (out / "blind" / "key.jsonl").write_text("".join(json.dumps(k) + "\n" for k in key), encoding="utf-8")
    timing = {"docs": args.docs, "project": args.project, "model": args.model, "parallel": args.parallel,
              "sections": len(chunks), "plain": plain_timing, "pairsmith": ours_timing}
    (out / "timing.json").write_text(json.dumps(timing, indent=1), encoding="utf-8")
    print(json.dumps(timing, indent=1))
    print(f"engine directly: {plain_timing['tokens_per_s']} completion tokens/s; through pairsmith: "
          f"{ours_timing['tokens_per_s']} ({ours_timing['tokens_per_s'] / plain_timing['tokens_per_s']:.2f}x)")
    print(f"label {out / 'blind' / 'items.jsonl'} by bench/data/pair_rubric.md, then bench/score_blind.py")


if __name__ == "__main__":
    main()
