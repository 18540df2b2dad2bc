"""Benchmark: `pairsmith train` against TRL's SFTTrainer with completion-only loss, on the same
model (the offline SmolLM2-135M-Instruct), the same lamini_docs pairs in the course's template,
the same examples per update (batch 4), the same optimizer (AdamW, lr 5e-5), one epoch, the same
precision, the same text (prompt, then the answer and EOS as the completion); each in a fresh process. Reported: trained tokens per second (every token of the
epoch's examples over the training time), peak memory, and the eval loss of both tuned models on
the same held-out pairs, computed by one function for both (mean loss over answer tokens).

    .venv/bin/python bench/train_vs_trl.py [--train 96] [--eval 32]

TRL is a benchmark-only dependency: `pip install --no-deps trl` into the venv (its requirements,
transformers, accelerate and datasets, are pairsmith's already).
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

PROMPT = "### Question:\n{q}\n\n### Answer:\n"  # the course's template, exactly as pairsmith trains on it

COMMON = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
work, n_train, forced = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rows = [json.loads(l) for l in (Path({root!r}) / "tests/data/lamini_docs.jsonl").read_text().splitlines()]
rows = [r for r in rows if r["answer"].strip()]
def strip(q): return q.replace("### Question:", "").replace("### Answer:", "").strip()
train_rows = rows[:n_train]
from finetune.train import cpu_has_bf16
bf16 = cpu_has_bf16() and forced != "fp32"
"""

PAIRSMITH = COMMON + r"""
from pairsmith.core.formats import write_pairs
from pairsmith.core.records import Pair
from finetune.options import TrainOptions
from finetune.train import train
write_pairs([Pair(instruction=strip(r["question"]), output=r["answer"]) for r in train_rows], work / "train.jsonl", "jsonl")
started = time.perf_counter()
record = train(TrainOptions(data=str(work / "train.jsonl"), out=str(work / "run"), template="course_qa", epochs=1,
                            batch_size=4, lr=5e-5, optim="adamw_torch", eval_split=0.0, seed=123,
                            logging_steps=1000, eval_steps=100000, precision="bf16" if bf16 else "fp32"))
print(json.dumps({"seconds": record["seconds"], "model": str(work / "run" / "model"), "steps": record["steps"],
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "bf16": bf16}))
"""

TRL = COMMON + r"""
import datasets
from trl import SFTConfig, SFTTrainer
from pairsmith.core.models import load_causal_lm
model, tokenizer, _ = load_causal_lm("smollm2-135m-instruct", "cpu")
model.train()
data = datasets.Dataset.from_list([{"prompt": "### Question:\n" + strip(r["question"]) + "\n\n### Answer:\n",
                                    "completion": r["answer"]} for r in train_rows])
config = SFTConfig(output_dir=str(work / "trl"), per_device_train_batch_size=4, num_train_epochs=1, learning_rate=5e-5,
                   optim="adamw_torch", completion_only_loss=True, max_length=2048, logging_steps=1000,
                   save_strategy="no", report_to="none", use_cpu=True, bf16=bf16, seed=123, lr_scheduler_type="linear",
                   warmup_steps=0, dataloader_num_workers=0, gradient_checkpointing=True)
trainer = SFTTrainer(model=model, args=config, train_dataset=data, processing_class=tokenizer)
started = time.perf_counter()
trainer.train()
seconds = time.perf_counter() - started
trainer.save_model(str(work / "trl" / "model"))
tokenizer.save_pretrained(str(work / "trl" / "model"))
print(json.dumps({"seconds": seconds, "model": str(work / "trl" / "model"), "steps": trainer.state.global_step,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "bf16": bf16}))
"""


def run(script: str, work: Path, n_train: int, precision: str) -> dict:
    done = subprocess.run([sys.executable, "-c", script.replace("{root!r}", repr(str(ROOT))), str(work), str(n_train),
                           precision],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def epoch_tokens(n_train: int) -> int:
    from transformers import AutoTokenizer

    from pairsmith.core.models import resolve

    tokenizer = AutoTokenizer.from_pretrained(resolve("smollm2-135m-instruct"))
    rows = [json.loads(l) for l in (ROOT / "tests/data/lamini_docs.jsonl").read_text().splitlines()]
    rows = [r for r in rows if r["answer"].strip()][:n_train]
    return sum(len(tokenizer(PROMPT.format(q=r["question"].replace("### Question:", "").replace("### Answer:", "").strip())
                             + r["answer"])["input_ids"]) for r in rows)


def eval_loss(model_folder: str, n_train: int, n_eval: int) -> float:
    """Mean loss over the answer tokens of held-out pairs, the prompt in the course's template."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_folder)
    model = AutoModelForCausalLM.from_pretrained(model_folder, dtype=torch.float32).eval()
    rows = [json.loads(l) for l in (ROOT / "tests/data/lamini_docs.jsonl").read_text().splitlines()]
    rows = [r for r in rows if r["answer"].strip()][n_train : n_train + n_eval]
    total, count = 0.0, 0
    for r in rows:
        prompt = tokenizer(PROMPT.format(q=r["question"].replace("### Question:", "").replace("### Answer:", "").strip()))["input_ids"]
        answer = tokenizer(r["answer"], add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
        ids = torch.tensor([prompt + answer])
        labels = torch.tensor([[-100] * len(prompt) + answer])
        with torch.inference_mode():
            loss = model(input_ids=ids, labels=labels).loss
        total += float(loss) * len(answer)
        count += len(answer)
    return total / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=96)
    parser.add_argument("--eval", type=int, default=32)
    parser.add_argument("--precision", default="auto", choices=["auto", "fp32"],
                        help="fp32: both in fp32, as on a CPU without bf16 units (auto: bf16 autocast where it has them)")
    args = parser.parse_args()
    tokens = epoch_tokens(args.train)
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for name, script in (("pairsmith train", PAIRSMITH), ("TRL SFTTrainer (completion-only loss)", TRL)):
            work = Path(tmp) / name.split()[0]
            work.mkdir()
            found = run(script, work, args.train, args.precision)
            found["tokens_per_s"] = tokens / found["seconds"]
            found["eval_loss"] = eval_loss(found["model"], args.train, args.eval)
            results[name] = found
    print(f"{args.train} lamini_docs pairs, one epoch, batch 4, AdamW lr 5e-5, bf16 autocast: "
          f"{next(iter(results.values()))['bf16']}; {tokens} tokens per epoch; eval on the next {args.eval} pairs")
    for name, r in results.items():
        print(f"{name:40} {r['steps']:4d} steps  {r['seconds']:7.1f} s  {r['tokens_per_s']:7.1f} tokens/s  "
              f"peak {r['peak_mb']:7.0f} MB  eval loss {r['eval_loss']:.4f}")
    ours, trl = results["pairsmith train"], results["TRL SFTTrainer (completion-only loss)"]
    print(f"ratio pairsmith / TRL: {ours['tokens_per_s'] / trl['tokens_per_s']:.2f}x tokens/s, "
          f"{ours['peak_mb'] / trl['peak_mb']:.2f}x peak memory, eval loss {ours['eval_loss'] - trl['eval_loss']:+.4f}")


if __name__ == "__main__":
    main()
