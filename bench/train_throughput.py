"""Benchmark: trained tokens/s and peak memory, pairsmith's training vs the course's Trainer setup.

Same model (SmolLM2-135M-Instruct, offline default), same pairs (the first N of lamini_docs,
the course's `### Question:` template), one pass over them, CPU fp32. Each setup runs in its own
process so peak memory (max RSS) is its own.

- course: Trainer, batch size 1, gradient accumulation 4, adafactor, loss on every token
  (labels = input_ids), as in the course's notebook.
- pairsmith: `pairsmith train`'s defaults: batches of 4 grouped by length and padded to the
  longest, answer-only loss with the vocabulary projection chunked over answer tokens only,
  gradient checkpointing, bf16 autocast on CPUs with bf16 units; adafactor as the course.

Tokens counted are non-padding input tokens processed per second (both setups process every
token of every example; pairsmith trains on the answers).

    .venv/bin/python bench/train_throughput.py [--examples 64]

Also shown: pairsmith with more examples per optimizer update (fewer adafactor steps, which
cost ~0.6 s each for 135M parameters on this CPU).
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
from pairsmith import models
from pairsmith.formats import load_pairs
setup, n, batch = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
lamini = sys.argv[5]
path = models.resolve("smollm2-135m-instruct")
tokenizer = AutoTokenizer.from_pretrained(path)
tokenizer.pad_token = tokenizer.pad_token or tokenizer.eos_token
model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
pairs = load_pairs(lamini)[:n]
out = tempfile.mkdtemp()
from finetune.train import TrainOptions, use_bf16
defaults = TrainOptions(data="-", out="-")  # what `pairsmith train` does unless told otherwise
bf16 = setup == "pairsmith" and use_bf16(defaults, "cpu")
common = dict(output_dir=out, num_train_epochs=1, learning_rate=1e-5, optim="adafactor", report_to="none", bf16=bf16,
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
    args = TrainingArguments(per_device_train_batch_size=1, gradient_accumulation_steps=4, **common)
    trainer = Trainer(model=model, args=args, train_dataset=data)
else:
    from finetune.data import PadToLongest, build_dataset
    from finetune.formatting import Formatter
    from finetune.trainer import AnswerOnlyTrainer, ReturnFreedMemory
    data, report = build_dataset(pairs, tokenizer, Formatter("course_qa"), 2048)
    tokens = report.total_tokens
    args = TrainingArguments(per_device_train_batch_size=int(sys.argv[6]) if len(sys.argv) > 6 else defaults.batch_size,
                             gradient_accumulation_steps=int(sys.argv[7]) if len(sys.argv) > 7 else defaults.grad_accum,
                             gradient_checkpointing=defaults.gradient_checkpointing,
                             train_sampling_strategy="group_by_length", length_column_name="length",
                             remove_unused_columns=False, **common)
    trainer = AnswerOnlyTrainer(model=model, args=args, train_dataset=data,
                                data_collator=PadToLongest(tokenizer.pad_token_id))
    trainer.add_callback(ReturnFreedMemory())
start = time.perf_counter()
trainer.train()
seconds = time.perf_counter() - start
print(json.dumps({"setup": setup, "bf16": bf16, "batch": args.per_device_train_batch_size, "seconds": seconds, "tokens": tokens, "tokens_per_s": tokens / seconds,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "steps": trainer.state.global_step}))
"""


def run(setup: str, n: int, batch: int = 0, accumulate: int = 0) -> dict:
    lamini = ROOT.parent / "shared" / "data" / "lamini_docs.jsonl"
    extra = [str(batch), str(accumulate)] if batch else []
    done = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), setup, str(n), "0", str(lamini), *extra],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=64)
    args = parser.parse_args()
    course = run("course", args.examples)
    rows = [("pairsmith defaults", run("pairsmith", args.examples))]
    for batch, accumulate in ((4, 2), (4, 4), (8, 1)):
        rows.append((f"pairsmith --batch-size {batch} --grad-accum {accumulate}",
                     run("pairsmith", args.examples, batch, accumulate)))
    print(f"{args.examples} lamini_docs pairs, one pass, SmolLM2-135M-Instruct, CPU")
    print(f"{'setup':44} {'examples/update':>15} {'steps':>6} {'seconds':>8} {'tokens/s':>9} {'peak MB':>8} "
          f"{'speed':>6} {'memory':>7}")
    print(f"{'course (bs 1, grad accum 4, adafactor, fp32)':44} {4:15d} {course['steps']:6d} {course['seconds']:8.1f} "
          f"{course['tokens_per_s']:9.1f} {course['peak_mb']:8.0f} {'1.00x':>6} {'1.00':>7}")
    for label, ours in rows:
        per_update = args.examples // max(1, ours["steps"])
        print(f"{label:44} {per_update:15d} {ours['steps']:6d} {ours['seconds']:8.1f} {ours['tokens_per_s']:9.1f} "
              f"{ours['peak_mb']:8.0f} {ours['tokens_per_s'] / course['tokens_per_s']:5.2f}x "
              f"{ours['peak_mb'] / course['peak_mb']:7.2f}")
    print("targets: speed >= 1.5x with memory <= 1.00 (bf16 autocast where the CPU has bf16 units: "
          f"{rows[0][1]['bf16']})")


if __name__ == "__main__":
    main()
