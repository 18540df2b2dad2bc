"""The held-out set as an lm-evaluation-harness task, run through `lm_eval` when installed."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from pairsmith.io import atomic_write

TASK = """task: pairsmith_heldout
dataset_path: json
dataset_kwargs:
  data_files:
    test: {data}
test_split: test
output_type: generate_until
doc_to_text: "{{{{prompt}}}}"
doc_to_target: "{{{{reference}}}}"
generation_kwargs:
  until: [{stops}]
  max_gen_toks: {max_new_tokens}
  do_sample: false
metric_list:
  - metric: exact_match
    aggregation: mean
    higher_is_better: true
    ignore_case: true
    ignore_punctuation: false
  - metric: bleu
    aggregation: bleu
    higher_is_better: true
metadata:
  version: 1.0
"""


def write_task(folder: Path, prompts: list[str], references: list[str], stops: list[str],
               max_new_tokens: int) -> Path:
    """Write heldout.jsonl and pairsmith_heldout.yaml into `folder`; returns the YAML path."""
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "heldout.jsonl"
    with atomic_write(data) as fh:
        for prompt, reference in zip(prompts, references):
            fh.write(json.dumps({"prompt": prompt, "reference": reference}, ensure_ascii=False) + "\n")
    task = folder / "pairsmith_heldout.yaml"
    with atomic_write(task) as fh:
        fh.write(TASK.format(data=data.resolve(), stops=", ".join(json.dumps(s) for s in stops),
                             max_new_tokens=max_new_tokens))
    return task


def harness_command(folder: Path, model_path: str) -> list[str]:
    return [sys.executable, "-m", "lm_eval", "--model", "hf", "--model_args", f"pretrained={model_path}",
            "--tasks", "pairsmith_heldout", "--include_path", str(folder), "--output_path", str(folder / "results")]


def run_harness(folder: Path, model_path: str) -> tuple[bool, str]:
    """Run lm_eval on the task when the package is installed; else say how to."""
    command = harness_command(folder, model_path)
    if importlib.util.find_spec("lm_eval") is None:
        return False, "lm_eval is not installed (pip install lm-eval); then run: " + " ".join(command)
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        return False, f"lm_eval failed ({done.returncode}): {done.stderr.strip().splitlines()[-1] if done.stderr else ''}"
    return True, done.stdout[-2000:]
