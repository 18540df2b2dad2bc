"""Benchmark: trained tokens/s and peak memory, pairsmith's training vs the course's Trainer setup.

Same model (SmolLM2-135M-Instruct, offline default), same pairs (the first N of lamini_docs,
the course's `### Question:` template), one pass over them, on the CPU. Each setup runs in its
own process so peak memory (max RSS) is its own.

- course: Trainer, batch size 1, gradient accumulation 4, adafactor (transformers'), fp32, loss
  on every token (labels = input_ids), as in the course's notebook.
- pairsmith: `pairsmith train --optim adafactor` (the course's optimizer; otherwise the
  defaults), built by the same `build_trainer` as `pairsmith train`: batches of 4 grouped by
  length (4 examples per update, as the course) and packed end to end in one row with
  attention kept within each example, answer-only loss with the vocabulary projection chunked
  over answer tokens, layers checkpointed only beyond the activation budget (the gradients'
  size), the fused SwiGLU MLP, LeanAdafactor (the same update in cached slices, clipping
  folded in), and on CPUs with bf16 units bf16 weights with fp32 masters.

Tokens counted are non-padding input tokens processed per second (both setups process every
token of every example; pairsmith trains on the answers). The course's setup and pairsmith's
alternate (`--rounds`), since this machine's speed drifts between runs. `--precision fp32`
forces pairsmith's fp32 path, the one CPUs without bf16 units take. The CPU's model and flags
are printed with the results.

    .venv/bin/python bench/train_throughput.py [--examples 64] [--rounds 2]

Also shown once each: no gradient checkpointing, 8 examples per update, and `pairsmith
train`'s own defaults (AdamW, whose two fp32 moments cost ~1 GB more).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys, tempfile, time
sys.path.insert(0, sys.argv[1])
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer, TrainingArguments
from pairsmith.core import models
from pairsmith.core.formats import load_pairs
setup, n, lamini = sys.argv[2], int(sys.argv[3]), sys.argv[4]
overrides = json.loads(sys.argv[5])
path = models.resolve("smollm2-135m-instruct")
tokenizer = AutoTokenizer.from_pretrained(path)
tokenizer.pad_token = tokenizer.pad_token or tokenizer.eos_token
model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
pairs = load_pairs(lamini)[:n]
out = tempfile.mkdtemp()
from finetune.train import AUTOCAST, BF16_WEIGHTS, TrainOptions, set_precision
opts = TrainOptions(data="-", out="-", **overrides)  # `pairsmith train` with these flags
precision = set_precision(model, opts, "cpu") if setup == "pairsmith" else "fp32"
bf16, bf16_weights = precision != "fp32", precision == BF16_WEIGHTS
common = dict(output_dir=out, num_train_epochs=1, learning_rate=1e-5, report_to="none", bf16=precision == AUTOCAST,
              save_strategy="no", eval_strategy="no", logging_steps=1000, disable_tqdm=True, use_cpu=True,
              warmup_steps=1, seed=123)
if setup == "course":
    import datasets
    texts = [f"### Question:\n{p.instruction}\n\n### Answer:" + p.output for p in pairs]
    def encode(row):
        ids = tokenizer(row["text"], truncation=True, max_length=2048)["input_ids"]
        return {"input_ids": ids, "attention_mask": [1] * len(ids), "labels": list(ids)}
    data = datasets.Dataset.from_dict({"text": texts}).map(encode, remove_columns=["text"])
    tokens = sum(len(x) for x in data["input_ids"])
    args = TrainingArguments(per_device_train_batch_size=1, gradient_accumulation_steps=4, optim="adafactor", **common)
    trainer = Trainer(model=model, args=args, train_dataset=data)
else:
    from finetune.data import build_dataset
    from finetune.formatting import Formatter
    from finetune.train import build_trainer
    data, report = build_dataset(pairs, tokenizer, Formatter("course_qa"), 2048)
    tokens = report.total_tokens
    args = TrainingArguments(per_device_train_batch_size=opts.batch_size, gradient_accumulation_steps=opts.grad_accum,
                             optim=opts.optim, gradient_checkpointing=opts.gradient_checkpointing,
                             train_sampling_strategy="group_by_length", length_column_name="length",
                             remove_unused_columns=False, **common)
    trainer = build_trainer(model, tokenizer, opts, "cpu", precision, args, data)  # as `pairsmith train` builds it
start = time.perf_counter()
trainer.train()
seconds = time.perf_counter() - start
print(json.dumps({"setup": setup, "bf16": bf16, "bf16_weights": bf16_weights, "optimizer": type(getattr(trainer.optimizer, "optimizer", trainer.optimizer)).__name__, "seconds": seconds, "tokens": tokens, "tokens_per_s": tokens / seconds,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "steps": trainer.state.global_step}))
"""


def cpu_line() -> str:
    """The CPU's model, core count and the flags that decide the training path."""
    import os
    import re

    try:
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="ignore")
    except OSError:
        return "unknown CPU"
    model = re.search(r"model name\s*:\s*(.+)", info)
    flags = set((re.search(r"flags\s*:\s*(.+)", info) or re.search(r"()", "")).group(1).split())
    shown = [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16") if f in flags]
    return f"{model.group(1).strip() if model else 'unknown'}, {os.cpu_count()} cores, flags: {' '.join(shown) or 'none'}"


def run(setup: str, n: int, **overrides: object) -> dict:
    lamini = ROOT / "tests" / "data" / "lamini_docs.jsonl"
    done = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), setup, str(n), str(lamini), json.dumps(overrides)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# (label, TrainOptions overrides): `pairsmith train` with these flags. The first is the one
# measured against the target; the others once each, for the trade-offs.
HEADLINE = ("pairsmith train --optim adafactor", dict(optim="adafactor"))
SETUPS = [
    ("  ... --no-gradient-checkpointing", dict(optim="adafactor", gradient_checkpointing=False)),
    ("  ... --grad-accum 2", dict(optim="adafactor", grad_accum=2)),
    ("pairsmith train (defaults: adamw_torch)", dict()),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=2, help="alternating course / pairsmith runs")
    parser.add_argument("--precision", default="auto", choices=["auto", "fp32"],
                        help="fp32: pairsmith's path on a CPU without bf16 units, whatever this one has")
    parser.add_argument("--headline-only", action="store_true", help="leave out the other pairsmith setups")
    args = parser.parse_args()
    headline = (HEADLINE[0] + (" --precision fp32" if args.precision == "fp32" else ""),
                {**HEADLINE[1], "precision": args.precision})
    # The machine's speed drifts by 10-15% over minutes, so the course's setup and pairsmith's
    # alternate and the ratio is taken between their means.
    course, ours = [], []
    for _ in range(args.rounds):
        course.append(run("course", args.examples))
        ours.append(run("pairsmith", args.examples, **headline[1]))
    rate = sum(r["tokens_per_s"] for r in course) / len(course)
    peak = min(r["peak_mb"] for r in course)
    rows = [(f"course (bs 1, grad accum 4, adafactor, fp32) #{i + 1}", r) for i, r in enumerate(course)]
    rows += [(f"{headline[0]} #{i + 1}", r) for i, r in enumerate(ours)]
    if not args.headline_only:
        rows += [(label, run("pairsmith", args.examples, **flags, precision=args.precision)) for label, flags in SETUPS]
    print(f"{args.examples} lamini_docs pairs, one pass, SmolLM2-135M-Instruct, CPU: {cpu_line()}")
    print(f"{'setup':48} {'optimizer':>13} {'steps':>6} {'seconds':>8} {'tokens/s':>9} {'peak MB':>8} "
          f"{'speed':>6} {'memory':>7}")
    for label, result in rows:
        print(f"{label:48} {result['optimizer']:>13} {result['steps']:6d} {result['seconds']:8.1f} "
              f"{result['tokens_per_s']:9.1f} {result['peak_mb']:8.0f} {result['tokens_per_s'] / rate:5.2f}x "
              f"{result['peak_mb'] / peak:7.2f}")
    speed = sum(r["tokens_per_s"] for r in ours) / len(ours) / rate
    memory = max(r["peak_mb"] for r in ours) / peak
    print("speed: against the mean of the course's runs; memory: against the lower of its peaks")
    print(f"{headline[0]} vs the course: {speed:.2f}x the trained tokens/s at {memory:.2f}x the peak memory "
          f"(target >= 1.5x at <= 1.00; bf16 weights with fp32 masters: {ours[0]['bf16_weights']})")


if __name__ == "__main__":
    main()
