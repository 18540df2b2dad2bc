"""Benchmark: answers/s of `pairsmith eval`'s answering vs the course's per-example inference().

Same model (SmolLM2-135M-Instruct), same prompts (the course's `### Question:` prompts of the
first N lamini_docs pairs), greedy, the same new-token limit. The course's loop encodes one
prompt, generates, decodes, then the next; pairsmith sorts prompts by length and answers them
in left-padded batches.

    .venv/bin/python bench/eval_throughput.py [--prompts 48] [--baseline-prompts 16] [--max-new-tokens 64]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from finetune.answers import answer_prompts  # noqa: E402
from finetune.formatting import Formatter  # noqa: E402
from local_throughput import course_inference  # noqa: E402
from pairsmith.core.models import load_causal_lm  # noqa: E402
from pairsmith.core.formats import load_pairs  # noqa: E402

LAMINI = ROOT / "tests" / "data" / "lamini_docs.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prompts", type=int, default=48)
    parser.add_argument("--baseline-prompts", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args()
    model, tokenizer, device = load_causal_lm("smollm2-135m-instruct")
    pairs = [p for p in load_pairs(LAMINI) if p.instruction.strip()][: args.prompts]
    prompts = [Formatter("course_qa").prompt(p, tokenizer) for p in pairs]

    started = time.perf_counter()
    for prompt in prompts[: args.baseline_prompts]:
        course_inference(prompt, model, tokenizer, max_new_tokens=args.max_new_tokens)
    base_rate = args.baseline_prompts / (time.perf_counter() - started)

    started = time.perf_counter()
    answers, _ = answer_prompts("smollm2-135m-instruct", prompts, args.max_new_tokens, args.batch_size)
    our_rate = len(answers) / (time.perf_counter() - started)  # includes loading the model again
    print(f"SmolLM2-135M-Instruct on {device}, greedy, max_new_tokens={args.max_new_tokens}")
    print(f"course inference(), one at a time : {base_rate:6.2f} answers/s ({args.baseline_prompts} prompts)")
    print(f"pairsmith eval, batches of {args.batch_size:<3}    : {our_rate:6.2f} answers/s ({len(answers)} prompts, "
          f"model load included)")
    print(f"ratio {our_rate / base_rate:.1f}x (target >= 5x)")


if __name__ == "__main__":
    main()
