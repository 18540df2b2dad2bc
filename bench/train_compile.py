"""Benchmark: does `torch.compile` of the decoder layers pay for itself in a CPU training run?

Same model (SmolLM2-135M-Instruct, fp32), same packed batches of 4 lamini_docs examples, the
same forward and backward pairsmith's trainer runs (packed attention, fused SwiGLU MLP, the
answer-only loss), each in its own process: eager, and every decoder layer compiled with
`torch.compile(dynamic=True)` (Inductor's CPU backend). Prints the compile time (the first
step minus an eager step) and the median step time of each, and how many steps a run needs
before compiling has paid for itself.

    .venv/bin/python bench/train_compile.py [--steps 8]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys, tempfile, time
sys.path.insert(0, sys.argv[1])
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
from pairsmith.core import models
from pairsmith.core.formats import load_pairs
from finetune.data import build_dataset
from finetune.formatting import Formatter
from finetune.fused_mlp import fuse_swiglu_mlps
from finetune.packing import PackRows, packed_attention_for
from finetune.trainer import answer_only_loss
compiled, steps = sys.argv[2] == "compiled", int(sys.argv[3])
path = models.resolve("smollm2-135m-instruct")
tokenizer = AutoTokenizer.from_pretrained(path)
model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
model.train()
data, _ = build_dataset(load_pairs(sys.argv[4])[: 4 * (steps + 1)], tokenizer, Formatter("course_qa"), 2048)
batches = [PackRows()([data[j] for j in range(i, i + 4)]) for i in range(0, len(data), 4)]
fuse_swiglu_mlps(model)
if compiled:
    for layer in model.model.layers:
        layer.compile(dynamic=True)
times = []
with packed_attention_for(model):
    for batch in batches:
        start = time.perf_counter()
        loss, _ = answer_only_loss(model, batch)
        loss.backward()
        model.zero_grad(set_to_none=True)
        times.append((time.perf_counter() - start, batch["input_ids"].numel()))
print(json.dumps(times))
"""


def run(mode: str, steps: int) -> list[tuple[float, int]]:
    lamini = ROOT / "tests" / "data" / "lamini_docs.jsonl"
    done = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), mode, str(steps), str(lamini)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=8, help="timed steps after the first")
    args = parser.parse_args()
    eager, compiled = run("eager", args.steps), run("compiled", args.steps)
    per_token = {name: statistics.median(s / n for s, n in result[1:]) for name, result in
                 (("eager", eager), ("compiled", compiled))}
    compile_s = compiled[0][0] - eager[0][0]
    saved = (per_token["eager"] - per_token["compiled"]) * statistics.median(n for _, n in eager[1:])
    print(f"forward+backward of packed rows of 4 lamini_docs examples, SmolLM2-135M-Instruct, fp32, CPU")
    print(f"first step: eager {eager[0][0]:.1f}s, compiled {compiled[0][0]:.1f}s (compiling: {compile_s:.1f}s)")
    for name in ("eager", "compiled"):
        print(f"{name:9} median {per_token[name] * 1e3:.2f} ms per token over {args.steps} steps")
    ratio = per_token["eager"] / per_token["compiled"]
    verdict = (f"pays for itself after {compile_s / saved:.0f} steps" if saved > 0 else "never pays for itself")
    print(f"compiled vs eager: {ratio:.2f}x per step; compiling {verdict}")


if __name__ == "__main__":
    main()
