"""The held-out set as an lm-evaluation-harness task, run through `lm_eval` when installed."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from pairsmith.core.io import atomic_write

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


def harness_command(folder: Path, model_path: str, name: str) -> list[str]:
    """The `lm_eval` command line for one model, its results under folder/results/name."""
    return [sys.executable, "-m", "lm_eval", "--model", "hf", "--model_args", f"pretrained={model_path}",
            "--tasks", "pairsmith_heldout", "--include_path", str(folder),
            "--output_path", str(folder / "results" / name)]


def read_results(folder: Path) -> dict[str, float]:
    """The task's metrics from the newest results file lm_eval wrote under `folder`."""
    found = sorted(folder.rglob("results_*.json"), key=lambda p: p.stat().st_mtime)
    if not found:
        return {}
    task = json.loads(found[-1].read_text(encoding="utf-8")).get("results", {}).get("pairsmith_heldout", {})
    return {key.split(",")[0]: float(value) for key, value in task.items()
            if "," in key and "stderr" not in key and isinstance(value, (int, float))}


def run_harness(folder: Path, model_paths: dict[str, str]) -> dict[str, Any]:
    """Run lm_eval on the task for each model (base and tuned) when the package is installed;
    else say how to. Returns {"ran", "message", "results": {model: {metric: value}}}."""
    commands = {name: harness_command(folder, path, name) for name, path in model_paths.items()}
    if importlib.util.find_spec("lm_eval") is None:
        shown = "; ".join(" ".join(c) for c in commands.values())
        return {"ran": False, "message": f"lm_eval is not installed (pip install lm-eval); then run: {shown}",
                "results": {}}
    results: dict[str, dict[str, float]] = {}
    for name, command in commands.items():
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
            return {"ran": False, "message": f"lm_eval failed on {name} ({done.returncode}): {last}",
                    "results": results}
        results[name] = read_results(folder / "results" / name)
    summary = "; ".join(f"{name}: " + ", ".join(f"{k} {v:.4f}" for k, v in sorted(metrics.items()))
                        for name, metrics in results.items())
    return {"ran": True, "message": f"lm_eval pairsmith_heldout: {summary} (results in {folder / 'results'})",
            "results": results}
