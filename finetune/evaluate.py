"""Evaluation: base and tuned models answer the same held-out prompts with the same decoding;
scores, bootstrap intervals on the differences, an optional pairwise judge, one report."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from finetune.answers import answer_prompts
from finetune.formatting import Formatter
from finetune.judge import compare, win_rate
from finetune.options import EvalOptions
from finetune.metrics import METRICS, embedding_similarity, problems, score_answers
from finetune.stats import bootstrap_delta, elo
from pairsmith.core.errors import ConfigError, PairsmithError
from pairsmith.core.formats import load_pairs
from pairsmith.core.io import atomic_write
from pairsmith.core.outputs import Output, claim_outputs


def load_run(folder: str | Path) -> dict[str, Any]:
    path = Path(folder) / "run.json"
    if not path.exists():
        raise ConfigError(f"{folder} is not a training run (no run.json); train one with `pairsmith train`")
    record = json.loads(path.read_text(encoding="utf-8"))
    record["folder"] = str(folder)
    return record


EVAL_FILES = ("report.md", "report.html", "eval.json", "harness")


def evaluate(opts: EvalOptions) -> dict[str, Any]:
    """Answer, score, compare and report; returns the report's data."""
    outputs = [Output.folder(opts.out, "--out", EVAL_FILES)]
    with claim_outputs({"the run": opts.runs, "--data": opts.data}, outputs):
        return _evaluate(opts)


def _evaluate(opts: EvalOptions) -> dict[str, Any]:
    from pairsmith.core.models.embedder import Embedder

    runs = [load_run(r) for r in opts.runs]
    first = runs[0]
    data = opts.data or str(Path(first["folder"]) / "test.jsonl")
    pairs = load_pairs(data)[: opts.limit] if opts.limit else load_pairs(data)
    if not pairs:
        raise ConfigError(f"{data} holds no pairs to evaluate on")
    formatter = Formatter(first["options"]["template"])
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(Path(first["folder"]) / "model")
    prompts = [formatter.prompt(p, tokenizer) for p in pairs]
    references = [p.output for p in pairs]
    models = {"base": opts.baseline or first["base_model"]}
    for run in runs:
        name = Path(run["folder"]).resolve().name if len(runs) > 1 else "tuned"
        unique, count = name, 1
        while unique in models:
            count += 1
            unique = f"{name}-{count}"
        models[unique] = str(Path(run["folder"]) / "model")

    answers: dict[str, list[str]] = {}
    finish: dict[str, list[str]] = {}
    for name, model in models.items():
        completions, _ = answer_prompts(model, prompts, opts.max_new_tokens, opts.batch_size)
        answers[name] = [c.text.strip() for c in completions]
        finish[name] = [c.finish_reason for c in completions]

    embedder = Embedder(opts.embedder)
    scores: dict[str, dict[str, list[float]]] = {}
    try:
        for name in models:
            scores[name] = score_answers(answers[name], references)
            scores[name]["embedding_similarity"] = embedding_similarity(embedder.embed, answers[name], references)
    finally:
        embedder.close()

    headline = []
    for name in list(models)[1:]:
        for metric in METRICS:
            mean, low, high = bootstrap_delta(scores["base"][metric], scores[name][metric], seed=opts.seed)
            headline.append({"model": name, "metric": metric,
                             "base": sum(scores["base"][metric]) / len(pairs),
                             "tuned": sum(scores[name][metric]) / len(pairs),
                             "delta": mean, "ci_low": low, "ci_high": high,
                             "significant": low > 0 or high < 0})

    examples = []
    tuned_name = list(models)[1]
    for i, pair in enumerate(pairs):
        examples.append({
            "id": pair.id, "question": pair.instruction, "input": pair.input, "reference": references[i],
            "answers": {n: answers[n][i] for n in models},
            "scores": {n: {m: round(scores[n][m][i], 4) for m in METRICS} for n in models},
            "problems": {n: problems(answers[n][i], references[i], finish[n][i]) for n in models},
            "rouge_l_delta": scores[tuned_name]["rouge_l"][i] - scores["base"]["rouge_l"][i],
        })
    examples.sort(key=lambda e: e["rouge_l_delta"])  # worst regressions first
    problem_counts = {n: {} for n in models}
    for example in examples:
        for n, found in example["problems"].items():
            for problem in found:
                problem_counts[n][problem] = problem_counts[n].get(problem, 0) + 1

    report = {"data": data, "examples_evaluated": len(pairs), "models": models, "headline": headline,
              "judge": {}, "problems": problem_counts, "examples": examples,
              "max_new_tokens": opts.max_new_tokens, "runs": [r["folder"] for r in runs]}
    out = Path(opts.out)
    _write(report, runs, out)  # the answers are saved before the judge, which can fail, is asked
    if opts.judge_url:
        try:
            report["judge"] = _judge(opts, pairs, references, models, answers)
        except PairsmithError as exc:
            raise type(exc)(f"{exc} (the report without the judge is saved in {out})") from None
    if opts.harness:
        from finetune.harness import run_harness, write_task

        stops = [s for s in {tokenizer.eos_token} if s]
        task = write_task(out / "harness", prompts, references, stops, opts.max_new_tokens)
        from pairsmith.core.models import resolve

        report["harness"] = {"task": str(task),
                             **run_harness(out / "harness", {name: resolve(spec) for name, spec in models.items()})}
    if opts.judge_url or opts.harness:
        _write(report, runs, out)
    return report


def _write(report: dict[str, Any], runs: list[dict[str, Any]], out: Path) -> None:
    """report.md, report.html and eval.json in OUT."""
    from finetune.report import write_eval_report

    report["files"] = {k: str(v) for k, v in write_eval_report(report, runs, out).items()}
    with atomic_write(out / "eval.json") as fh:
        json.dump(report, fh, indent=1, ensure_ascii=False)


def _judge(opts: EvalOptions, pairs: list, references: list[str], models: dict[str, str],
           answers: dict[str, list[str]]) -> dict[str, Any]:
    """Pairwise win rates of every pairing of models (and an Elo ranking for more than two)."""
    judge: dict[str, Any] = {"model": opts.judge_model}
    key = opts.judge_key or os.environ.get("OPENAI_API_KEY")
    questions = [p.instruction for p in pairs]
    names = list(models)
    matches: list[tuple[str, str, float]] = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            result = compare(opts.judge_url, opts.judge_model, key, questions, references, answers[a], answers[b])
            judge[f"{b} vs {a}"] = win_rate(result)
            matches += [(b, a, s) for s in result if s is not None]
    if len(names) > 2:
        judge["elo"] = elo(matches)
    return judge
