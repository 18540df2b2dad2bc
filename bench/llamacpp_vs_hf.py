"""Benchmark: local generation with llama.cpp reading the GGUF directly (--backend llamacpp) against
transformers (--backend hf, the default), the offline SmolLM2-135M-Instruct, the same prompts.

    .venv/bin/python bench/llamacpp_vs_hf.py [--prompts 16] [--tokens 64]

The prompts are the course's lamini_docs questions in its `### Question:` template, greedy, a
fixed number of new tokens. Measured: completion tokens per second on one stream (one prompt at a
time) for both, and transformers in batches of 16 (its fast path).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pairsmith.core.backends.base import Request  # noqa: E402
from pairsmith.core.backends.registry import create  # noqa: E402


def rate(backend, requests: list[Request], batch: int) -> float:
    started, tokens = time.perf_counter(), 0
    for start in range(0, len(requests), batch):
        tokens += sum(c.completion_tokens for c in backend.generate_batch(requests[start : start + batch]))
    return tokens / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--tokens", type=int, default=64)
    args = parser.parse_args()
    rows = [json.loads(line) for line in (ROOT / "tests" / "data" / "lamini_docs.jsonl").read_text().splitlines()]
    requests = [Request.formatted(r["question"] + "\n\n### Answer:", max_tokens=args.tokens) for r in rows[: args.prompts]]
    hf = create("hf", model="smollm2-135m-instruct", batch_size=16, constrain=False)
    rate(hf, requests[:2], 1)  # warm-up
    hf_single = rate(hf, requests, 1)
    hf_batched = rate(hf, requests, 16)
    llama = create("llamacpp", model="smollm2-135m-instruct")
    rate(llama, requests[:2], 1)
    llama_single = rate(llama, requests, 1)
    print(f"{args.prompts} prompts, {args.tokens} new tokens at most, greedy")
    print(f"transformers, one stream:     {hf_single:7.1f} tokens/s")
    print(f"transformers, batches of 16:  {hf_batched:7.1f} tokens/s")
    print(f"llama.cpp (GGUF), one stream: {llama_single:7.1f} tokens/s")
    print(f"ratio llama.cpp / transformers, one stream: {llama_single / hf_single:.1f}x; "
          f"/ transformers batched: {llama_single / hf_batched:.1f}x")


if __name__ == "__main__":
    main()
