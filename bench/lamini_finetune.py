"""Benchmark: fine-tune the offline default on lamini_docs (train 1,260 / test 140, seed 123,
the course's split) and compare it with its base model on the held-out 140.

    .venv/bin/python bench/lamini_finetune.py [--out runs/lamini] [--epochs 1] [--optim adafactor --lr 1e-4]

Equivalent to:
    pairsmith train tests/data/lamini_docs.jsonl --out runs/lamini --template course_qa --seed 123 \
        --drop-unusable   # one training answer in the course's data is empty
    pairsmith eval runs/lamini --out runs/lamini/eval
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from finetune.options import EvalOptions

from finetune.evaluate import evaluate  # noqa: E402
from finetune.options import TrainOptions
from finetune.train import train  # noqa: E402

LAMINI = ROOT / "tests" / "data" / "lamini_docs.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "runs" / "lamini"))
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--optim", default="adamw_torch")
    args = parser.parse_args()
    started = time.perf_counter()
    record = train(TrainOptions(data=str(LAMINI), out=args.out, template="course_qa", epochs=args.epochs,
                                lr=args.lr, optim=args.optim, eval_split=0.1, seed=123, eval_steps=100, logging_steps=10,
                                drop_unusable=True))
    trained = time.perf_counter() - started
    started = time.perf_counter()
    report = evaluate(EvalOptions(runs=[args.out], out=str(Path(args.out) / "eval")))
    evaluated = time.perf_counter() - started
    print(f"{args.optim}, lr {args.lr}, {record['precision']}: trained {record['steps']} steps on {record['split']['train']} pairs in {trained:.0f}s "
          f"(train loss {record['train_loss']:.3f}, best eval loss {record['eval_loss']:.3f}); "
          f"evaluated {report['examples_evaluated']} held-out pairs in {evaluated:.0f}s")
    for row in report["headline"]:
        print(f"{row['metric']:22} base {row['base']:.4f}  tuned {row['tuned']:.4f}  delta {row['delta']:+.4f}  "
              f"95% CI [{row['ci_low']:+.4f}, {row['ci_high']:+.4f}]  {'excludes 0' if row['significant'] else ''}")
    print("problems:", report["problems"])


if __name__ == "__main__":
    main()
