"""Benchmark: tokens/s of the local backend vs the course's per-prompt `inference()` loop.

Same model (the offline default unless --model), same prompts (questions from the course's
lamini_docs.jsonl in its `### Question:` template), same greedy decoding and token limit.
The baseline is the course's function: encode one prompt, `generate`, decode, next prompt.
pairsmith sends all prompts through HFBackend, which batches them with left padding.

    .venv/bin/python bench/local_throughput.py [--prompts 32] [--baseline-prompts 16] [--max-new-tokens 64]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pairsmith.core.backends.base import Request  # noqa: E402
from pairsmith.core.backends.hf import HFBackend  # noqa: E402
from pairsmith.core.models import load_causal_lm  # noqa: E402

LAMINI = ROOT / "tests" / "data" / "lamini_docs.jsonl"


def course_inference(text: str, model, tokenizer, max_input_tokens: int = 1000, max_new_tokens: int = 100) -> tuple[str, int]:
    """The course's inference(), with max_new_tokens so both sides decode the same length."""
    input_ids = tokenizer.encode(text, return_tensors="pt", truncation=True, max_length=max_input_tokens)
    generated = model.generate(input_ids=input_ids.to(model.device), max_new_tokens=max_new_tokens, do_sample=False,
                               pad_token_id=tokenizer.pad_token_id)
    new = generated[0][input_ids.shape[1]:]
    stop = model.generation_config.eos_token_id
    stops = {stop} if isinstance(stop, int) else set(stop or [])
    used = next((i + 1 for i, t in enumerate(new.tolist()) if t in stops), len(new))
    answer = tokenizer.batch_decode(generated, skip_special_tokens=True)[0][len(text):]
    return answer, used


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--prompts", type=int, default=32)
    parser.add_argument("--baseline-prompts", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in LAMINI.open(encoding="utf-8")][: args.prompts]
    loaded = load_causal_lm(args.model)
    model, tokenizer, device = loaded

    started = time.perf_counter()
    base_tokens = sum(course_inference(q, model, tokenizer, max_new_tokens=args.max_new_tokens)[1]
                      for q in questions[: args.baseline_prompts])
    base_rate = base_tokens / (time.perf_counter() - started)

    backend = HFBackend(args.model, batch_size=args.batch_size, loaded=loaded)

    async def ours() -> int:
        # Plain prompts (no chat template), exactly what the baseline feeds the model.
        backend.prompt_text = lambda request: request.messages[-1]["content"]  # type: ignore[method-assign]
        results = await asyncio.gather(*(backend.complete(Request([{"role": "user", "content": q}],
                                                                  max_tokens=args.max_new_tokens)) for q in questions))
        await backend.aclose()
        return sum(r.completion_tokens for r in results)

    started = time.perf_counter()
    our_tokens = asyncio.run(ours())
    our_rate = our_tokens / (time.perf_counter() - started)
    print(f"model {args.model} on {device}, greedy, max_new_tokens={args.max_new_tokens}")
    print(f"course inference() : {base_rate:7.1f} tokens/s  ({args.baseline_prompts} prompts, one at a time)")
    print(f"pairsmith hf       : {our_rate:7.1f} tokens/s  ({args.prompts} prompts, batch {args.batch_size})")
    print(f"ratio              : {our_rate / base_rate:7.1f}x   (target >= 5x)")


if __name__ == "__main__":
    main()
