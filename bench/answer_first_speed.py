"""Benchmark: where answer-first generation spends its time on the CPU, and the fix.

The answer-first strategy asks the local model for several candidate questions per answerable
sentence, in batches. Measured on `examples/docs` with the offline default (SmolLM2-135M): the
batches are full, but each prompt carried the sentence's whole paragraph (~270 tokens a row),
so prefill, not decoding, took the time. The fix sends the sentence with the sentences before it
in its paragraph, up to 40 words. Both run here side by side, from an empty cache: seconds,
prompt and completion tokens, completion tokens/s, and the pairs each makes by method (the
model-written ones are what the prompt changes).

    .venv/bin/python bench/answer_first_speed.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import alpaca_gen.strategies.answer_first as answer_first  # noqa: E402
from alpaca_gen.generate import generate  # noqa: E402
from alpaca_gen.options import GenerateOptions  # noqa: E402
from pairsmith.core.io import read_jsonl  # noqa: E402


def run(context_words: int, out: Path) -> dict:
    original = answer_first.AnswerFirstStrategy.__init__

    def init(self, *args, **kwargs):  # the one setting that differs between the two runs
        original(self, *args, **{**kwargs, "context_words": context_words})

    answer_first.AnswerFirstStrategy.__init__ = init
    try:
        started = time.perf_counter()
        summary = generate(GenerateOptions(paths=[str(ROOT / "examples" / "docs")], out=str(out),
                                           strategy="answer-first", pairs_per_chunk=2, no_cache=True, progress=False))
        seconds = time.perf_counter() - started
    finally:
        answer_first.AnswerFirstStrategy.__init__ = original
    methods = Counter(r["generator"].get("method") for r in read_jsonl(out))
    return {"prompt": "whole paragraph" if context_words <= 0 else f"sentence + up to {context_words} words before it",
            "seconds": round(seconds, 1), "model_calls": summary.model_calls, "prompt_tokens": summary.prompt_tokens,
            "completion_tokens": summary.completion_tokens,
            "completion_tokens_per_s": round(summary.completion_tokens / seconds, 1),
            "pairs": summary.pairs_written, "model_written_pairs": methods.get("answer_first", 0),
            "rejects": summary.rejects_written}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        old = run(0, Path(tmp) / "paragraph.jsonl")
        print(json.dumps(old))
        new = run(40, Path(tmp) / "sentence.jsonl")
        print(json.dumps(new))
    print(f"seconds: {old['seconds'] / new['seconds']:.2f}x faster; prompt tokens: "
          f"{new['prompt_tokens'] / old['prompt_tokens']:.2f}x")


if __name__ == "__main__":
    main()
