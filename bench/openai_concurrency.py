"""Benchmark: pairs/s of the OpenAI backend at concurrency 64 vs Alpaca's one-request-at-a-time.

A local OpenAI-compatible server (its own process) answers every request after a fixed delay
with one pair. pairsmith runs the full generation path (ingest, chunk, prompt, request,
parse, cache, append) at concurrency 64; the baseline sends the same prompts one at a time
with the official client, as Alpaca's generator does. Prints both rates, the rate the delay
allows, and the ratios.

    .venv/bin/python bench/openai_concurrency.py [--units 1280] [--baseline-units 20] [--delay 0.5]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openai

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alpaca_gen.run import collect_chunks  # noqa: E402
from alpaca_gen.generate import generate  # noqa: E402
from alpaca_gen.options import GenerateOptions, build_run, build_strategy  # noqa: E402


def start_server(delay: float, workdir: Path) -> tuple[subprocess.Popen, str]:
    port_file = workdir / "port"
    proc = subprocess.Popen([sys.executable, "-m", "tests.openai_server", str(port_file), str(delay)], cwd=ROOT)
    while not port_file.exists():
        time.sleep(0.05)
    return proc, port_file.read_text()


def write_docs(folder: Path, count: int) -> None:
    folder.mkdir()
    for i in range(count):
        (folder / f"page{i:04d}.md").write_text(
            f"# Page {i}\n\nPage {i} documents option number {i}: what it does, its default and when to change it.\n",
            encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=1280)
    parser.add_argument("--baseline-units", type=int, default=20)
    parser.add_argument("--delay", type=float, default=0.5)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        server, base_url = start_server(args.delay, work)
        try:
            write_docs(work / "docs", args.units)
            opts = GenerateOptions(paths=[str(work / "docs")], out=str(work / "pairs.jsonl"), model="stub",
                                   base_url=base_url, concurrency=args.concurrency, pairs_per_chunk=1,
                                   cache=str(work / "cache.sqlite"), progress=False)
            # Baseline: Alpaca's way, the same prompts, one request at a time.
            _, chunks = collect_chunks(opts.paths)
            strategy = build_strategy(opts)
            requests = [strategy.first_request(u) for c in chunks[: args.baseline_units] for u in strategy.units(c)]
            client = openai.OpenAI(base_url=base_url, api_key="x", max_retries=0)
            from alpaca_gen.parse import parse_pairs

            started = time.perf_counter()
            base_pairs = 0
            for request in requests:
                reply = client.chat.completions.create(model="stub", messages=request.messages,
                                                       max_tokens=request.max_tokens, temperature=request.temperature)
                base_pairs += len(parse_pairs(reply.choices[0].message.content or ""))
            base_rate = base_pairs / (time.perf_counter() - started)

            build_run(opts)  # warm imports outside the timed region
            summary = generate(opts)
            ours = summary.pairs_written / summary.seconds
        finally:
            server.kill()
            server.wait()
    bound = args.concurrency / args.delay  # one pair per reply
    print(f"server delay {args.delay}s, {args.units} units at concurrency {args.concurrency}")
    print(f"alpaca one-at-a-time : {base_rate:8.1f} pairs/s  ({args.baseline_units} requests)")
    print(f"pairsmith            : {ours:8.1f} pairs/s  ({summary.pairs_written} pairs in {summary.seconds:.1f}s)")
    print(f"delay-bound rate     : {bound:8.1f} pairs/s")
    print(f"ratio vs alpaca      : {ours / base_rate:8.1f}x   (target >= 30x)")
    print(f"share of delay bound : {ours / bound:8.1%}   (target >= 90%)")


if __name__ == "__main__":
    main()
