"""Benchmark: pairs/s and peak memory of `pairsmith generate` against distilabel and synthetic-data-kit.

A local OpenAI-compatible server (its own process, `tests/openai_server.py`) answers every request
after a fixed delay with one pair as JSON. Both tools send the same prompts (pairsmith's, rendered
for each chunk of the same generated docs) at the same concurrency:
- pairsmith: the full generation path (ingest, chunk, prompt, request, parse, cache, append);
- distilabel: a pipeline of `LoadDataFromDicts` and `TextGeneration` with its `OpenAILLM`
  pointed at the server, `input_batch_size` = the concurrency (its requests in flight), no cache;
  the replies are parsed for pairs afterwards, as pairsmith parses them;
- synthetic-data-kit: its `LLMClient` with the `api-endpoint` provider (the official `openai`
  client) pointed at the server, `batch_completion` with `batch_size` = the concurrency (what its
  `create` command uses; `create` itself writes its own prompts, so the client is driven with
  pairsmith's), replies parsed the same way.
Each runs in its own process, so its peak memory is its own; distilabel runs its steps in
processes of their own, so its figure is its driver's peak plus its largest step process's (a
lower bound of its total). distilabel lives in its own
virtualenv (its pins differ from pairsmith's): `python -m venv /tmp/dlv && /tmp/dlv/bin/pip
install "distilabel[openai]" requests`; so does synthetic-data-kit (`python -m venv /tmp/sdk &&
/tmp/sdk/bin/pip install synthetic-data-kit`).

    .venv/bin/python bench/generate_vs_distilabel.py --distilabel-python /tmp/dlv/bin/python \
        [--sdk-python /tmp/sdk/bin/python]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.openai_concurrency import start_server, write_docs  # noqa: E402

PAIRSMITH_CHILD = """
import json, resource, sys, time
from alpaca_gen.generate import generate
from alpaca_gen.options import GenerateOptions, build_run
opts = GenerateOptions(paths=[sys.argv[1]], out=sys.argv[2], model="stub", base_url=sys.argv[3],
                       concurrency=int(sys.argv[4]), pairs_per_chunk=1, cache=sys.argv[5], progress=False)
build_run(opts)  # imports outside the timed region, as distilabel's are
started = time.perf_counter()
summary = generate(opts)
seconds = time.perf_counter() - started
print(json.dumps({"tool": "pairsmith", "pairs": summary.pairs_written, "seconds": seconds,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

DISTILABEL_CHILD = """
import json, logging, resource, sys, time
from distilabel.models import OpenAILLM
from distilabel.pipeline import Pipeline
from distilabel.steps import LoadDataFromDicts
from distilabel.steps.tasks import TextGeneration
rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
with Pipeline(name="pairs") as pipeline:
    load = LoadDataFromDicts(data=rows, batch_size=int(sys.argv[3]))
    llm = OpenAILLM(model="stub", base_url=sys.argv[2], api_key="x", max_retries=0,
                    generation_kwargs={"max_new_tokens": int(sys.argv[4]), "temperature": 0.0})
    generate = TextGeneration(llm=llm, input_batch_size=int(sys.argv[3]))
    load >> generate
started = time.perf_counter()
distiset = pipeline.run(use_cache=False)
seconds = time.perf_counter() - started
pairs = 0
for row in distiset["default"]["train"]:
    text = row.get("generation") or ""
    try:
        data = json.loads(text)
    except ValueError:
        continue
    found = data.get("pairs", data) if isinstance(data, dict) else data
    pairs += len(found) if isinstance(found, list) else 1
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # its step processes: the largest
print(json.dumps({"tool": "distilabel", "pairs": pairs, "seconds": seconds, "peak_mb": own + child,
                  "driver_peak_mb": own, "largest_step_process_mb": child}))
"""


SDK_CHILD = """
import json, logging, resource, sys, time
logging.disable(logging.WARNING)
from synthetic_data_kit.models.llm_client import LLMClient
rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
messages = [([{"role": "system", "content": r["system_prompt"]}] if r.get("system_prompt") else [])
            + [{"role": "user", "content": r["instruction"]}] for r in rows]
client = LLMClient(provider="api-endpoint", api_base=sys.argv[2], api_key="x", model_name="stub", max_retries=1)
started = time.perf_counter()
replies = client.batch_completion(messages, temperature=0.0, max_tokens=int(sys.argv[4]), batch_size=int(sys.argv[3]))
seconds = time.perf_counter() - started
pairs = 0
for text in replies:
    try:
        data = json.loads(text or "")
    except ValueError:
        continue
    found = data.get("pairs", data) if isinstance(data, dict) else data
    pairs += len(found) if isinstance(found, list) else 1
print(json.dumps({"tool": "synthetic-data-kit", "pairs": pairs, "seconds": seconds,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def prompts(docs: Path) -> tuple[list[dict], int]:
    """pairsmith's prompt for every chunk, as distilabel's input rows (system prompt and instruction)."""
    from alpaca_gen.options import GenerateOptions, build_strategy
    from alpaca_gen.run import collect_chunks

    opts = GenerateOptions(paths=[str(docs)], out="unused.jsonl", model="stub", base_url="http://unused",
                           pairs_per_chunk=1, progress=False)
    strategy = build_strategy(opts)
    _, chunks = collect_chunks(opts.paths)
    rows, tokens = [], 0
    for chunk in chunks:
        for unit in strategy.units(chunk):
            request = strategy.first_request(unit)
            system = next((m["content"] for m in request.messages if m["role"] == "system"), None)
            user = next(m["content"] for m in request.messages if m["role"] == "user")
            rows.append({"instruction": user, **({"system_prompt": system} if system else {})})
            tokens = request.max_tokens
    return rows, tokens


def child_result(command: list[str], cwd: Path) -> dict:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{command[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distilabel-python", required=True, help="python of a virtualenv with distilabel[openai]")
    parser.add_argument("--sdk-python", help="python of a virtualenv with synthetic-data-kit")
    parser.add_argument("--units", type=int, default=2560)
    parser.add_argument("--delay", type=float, default=0.5)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        server, base_url = start_server(args.delay, work)
        try:
            write_docs(work / "docs", args.units)
            rows, max_tokens = prompts(work / "docs")
            (work / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
            theirs = child_result([args.distilabel_python, "-c", DISTILABEL_CHILD, str(work / "rows.jsonl"), base_url,
                                   str(args.concurrency), str(max_tokens)], work)
            ours = child_result([sys.executable, "-c", PAIRSMITH_CHILD, str(work / "docs"), str(work / "pairs.jsonl"),
                                 base_url, str(args.concurrency), str(work / "cache.sqlite")], ROOT)
            others = [theirs]
            if args.sdk_python:
                others.append(child_result([args.sdk_python, "-c", SDK_CHILD, str(work / "rows.jsonl"), base_url,
                                            str(args.concurrency), str(max_tokens)], work))
        finally:
            server.kill()
            server.wait()
    print(f"server delay {args.delay}s, {len(rows)} prompts at concurrency {args.concurrency} "
          f"(delay-bound: {args.concurrency / args.delay:.0f} pairs/s)")
    for side in (*others, ours):
        side["pairs_per_second"] = side["pairs"] / side["seconds"]
        print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in side.items()}))
    for side in others:
        print(f"pairsmith / {side['tool']}: {ours['pairs_per_second'] / side['pairs_per_second']:.2f}x pairs/s "
              f"(target >= 1.5x against the better one), {ours['peak_mb'] / side['peak_mb']:.2f}x peak memory "
              "(target <= 1)")


if __name__ == "__main__":
    main()
