"""Benchmark: one optimizer step over SmolLM2-135M's parameters, transformers' Adafactor vs
pairsmith's LeanAdafactor (the same update), with the settings the Trainer's optim="adafactor"
uses (lr fixed, no parameter scaling).

    .venv/bin/python bench/adafactor_step.py [--steps 5]

Prints the median seconds per step of each and the ratio; also the largest difference
between the two optimizers' weights after the timed steps (they apply the same update).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from transformers import AutoModelForCausalLM  # noqa: E402
from transformers.optimization import Adafactor  # noqa: E402

from finetune.adafactor import LeanAdafactor  # noqa: E402
from pairsmith.core import models  # noqa: E402


def timed_steps(optimizer: torch.optim.Optimizer, steps: int) -> list[float]:
    optimizer.step()  # states allocated outside the timing
    seconds = []
    for _ in range(steps):
        start = time.perf_counter()
        optimizer.step()
        seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    path = models.resolve("smollm2-135m-instruct")
    results, weights = {}, {}
    for name, cls in (("transformers Adafactor", Adafactor), ("LeanAdafactor", LeanAdafactor)):
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
        params = [p for p in model.parameters() if p.requires_grad]
        generator = torch.Generator().manual_seed(0)
        for p in params:  # the same gradients for both
            p.grad = torch.randn(p.shape, generator=generator) * 1e-3
        optimizer = cls(params, lr=1e-5, scale_parameter=False, relative_step=False)
        results[name] = statistics.median(timed_steps(optimizer, args.steps))
        weights[name] = [p.detach().clone() for p in params]
        del model, optimizer, params
    difference = max((a - b).abs().max().item() for a, b in zip(*weights.values()))
    n = sum(w.numel() for w in weights["LeanAdafactor"])
    print(f"one step over {n / 1e6:.1f}M parameters (median of {args.steps}):")
    for name, seconds in results.items():
        print(f"  {name:24} {seconds:.3f} s")
    print(f"  ratio                    {results['transformers Adafactor'] / results['LeanAdafactor']:.2f}x")
    print(f"  largest weight difference after {args.steps + 1} steps: {difference:.2e}")


if __name__ == "__main__":
    main()
