"""The Python API: every stage as one call that takes pairs or paths and returns typed results.

    from pairsmith import generate, moderate, train, evaluate, run, Runner

    pairs = generate(["docs/"], pairs_per_chunk=2)          # list of Pair (out= writes them too)
    curated = moderate(pairs)                                # .kept / .review / .dropped, .report
    trained = train(curated.kept, out="runs/first")          # .model, .train_loss, .split
    result = evaluate(trained)                               # .table (pandas), .headline

Each call works inside a running event loop (Jupyter), and writes its files through the same
guard as the CLI: nothing it is given is overwritten. Files are written to a temporary folder
when no `out` is given.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pairsmith.app.run_spec import RUN_ASK_AGAIN
from pairsmith.core.errors import ConfigError
from pairsmith.core.records import Pair

if TYPE_CHECKING:
    import pandas as pd

    from alpaca_gen.run import RunSummary
    from moderation.config import ModerationConfig
    from moderation.pipeline import ModerationSummary
    from pairsmith.app.pipeline import PipelineResult

PairsOrPath = "str | Path | Iterable[Pair] | Iterable[dict]"


class GeneratedPairs(list):
    """The generated pairs (a list of Pair), with the run's summary as `.summary` and `.path`."""

    summary: RunSummary
    path: Path


@dataclass
class ModerationResult:
    """Moderated pairs by decision, the counts and reasons, and the report's data."""

    kept: list[Pair]
    review: list[Pair]
    dropped: list[Pair]
    summary: ModerationSummary
    report: dict[str, Any] = field(default_factory=dict)
    curated_path: Path | None = None
    rejects_path: Path | None = None

    def __repr__(self) -> str:
        return f"ModerationResult({len(self.kept)} kept, {len(self.review)} to review, {len(self.dropped)} dropped)"


@dataclass
class TrainResult:
    """A finished training run: its folder, the tuned model's folder, losses and split."""

    out: Path
    model: Path
    base_model: str
    steps: int
    train_loss: float | None
    eval_loss: float | None
    split: dict[str, Any]
    record: dict[str, Any]


@dataclass
class EvalResult:
    """Base versus tuned: one row per example in `table`, one row per metric in `headline`."""

    table: pd.DataFrame
    headline: pd.DataFrame
    report: dict[str, Any]
    out: Path


def _scratch(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"pairsmith-{prefix}-"))


def _as_path(pairs_or_path: Any, folder: Path, name: str) -> str:
    """A path to read pairs from: the path given, or the pairs written as JSONL into `folder`."""
    if isinstance(pairs_or_path, (str, Path)):
        return str(pairs_or_path)
    from pairsmith.core.formats import write_pairs

    pairs = [p if isinstance(p, Pair) else Pair.from_dict(p) for p in pairs_or_path]
    path = folder / name
    write_pairs(pairs, path, "jsonl")
    return str(path)


def generate(paths: str | Path | list[str | Path], *, out: str | Path | None = None, **options: Any) -> GeneratedPairs:
    """Generate pairs from files, folders or globs (any `GenerateOptions` field as a keyword);
    returns every pair in `out` after the run (resumed runs add only what is missing)."""
    from alpaca_gen.generate import generate as run_generate
    from alpaca_gen.options import GenerateOptions
    from pairsmith.core.formats import load_pairs

    listed = [str(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)]
    target = Path(out) if out else _scratch("generate") / "pairs.jsonl"
    options.setdefault("progress", False)
    summary = run_generate(GenerateOptions(paths=listed, out=str(target), **options))
    pairs = GeneratedPairs(load_pairs(target) if target.exists() else [])
    pairs.summary, pairs.path = summary, target
    return pairs


def moderate(pairs_or_path: Any, *, out: str | Path | None = None, config: ModerationConfig | str | Path | None = None,
             reviews: str | Path | None = None, report: bool = True, engine: str = "local",
             address: str | None = None, **settings: Any) -> ModerationResult:
    """Dedupe and filter pairs (a path in any readable format, or Pair objects / dicts).
    `config` is a ModerationConfig or a YAML/JSON path; keyword settings override sections,
    e.g. `relevance={"threshold": 0.3}` or `embedder="..."`. `engine="ray"` runs the heavy
    work on a Ray cluster (a local one, or the one at `address`), with the same decisions."""
    from moderation.config import ModerationConfig, load_config
    from moderation.pipeline import moderate as run_moderate
    from pairsmith.core.formats import load_pairs

    folder = Path(out).parent if out else _scratch("moderate")
    source = _as_path(pairs_or_path, folder if not out else _scratch("moderate-input"), "input.jsonl")
    cfg = config if isinstance(config, ModerationConfig) else load_config(config)
    if settings:
        cfg = ModerationConfig.model_validate({**cfg.model_dump(exclude={"source"}), **_merge(cfg, settings)})
    curated = Path(out) if out else folder / "curated.jsonl"
    report_path = curated.with_name(curated.stem + "_report.md") if report else None
    summary = run_moderate(source, curated, config=cfg, reviews=reviews, report=report_path, engine=engine,
                           engine_address=address)
    from pairsmith.core.outputs import rejects_beside

    rejects = rejects_beside(curated)
    kept, review = [], []
    for pair in load_pairs(curated):
        (review if (pair.moderation or {}).get("decision") == "review" else kept).append(pair)
    data: dict[str, Any] = {}
    if report_path is not None:
        import json

        from moderation.report import report_paths

        data = json.loads(report_paths(report_path)["json"].read_text(encoding="utf-8"))
    return ModerationResult(kept, review, load_pairs(rejects) if rejects.exists() else [], summary, data,
                            curated, rejects)


def _merge(cfg: ModerationConfig, settings: dict[str, Any]) -> dict[str, Any]:
    merged = {}
    for key, value in settings.items():
        current = getattr(cfg, key, None)
        if isinstance(value, dict) and current is not None and hasattr(current, "model_dump"):
            merged[key] = {**current.model_dump(), **value}
        else:
            merged[key] = value
    return merged


def train(pairs_or_path: Any, *, out: str | Path, **options: Any) -> TrainResult:
    """Fine-tune on curated pairs (any `TrainOptions` field as a keyword: model, template, epochs,
    lr, lora, ...); pairs dropped by moderation or waiting for review are left out."""
    from finetune.options import TrainOptions
    from finetune.train import train as run_train

    out = Path(out)
    data = _as_path(pairs_or_path, _scratch("train-input"), "train.jsonl")
    record = run_train(TrainOptions(data=data, out=str(out), **options))
    return TrainResult(out=out, model=out / "model", base_model=record.get("base_model", ""),
                       steps=record.get("steps", 0), train_loss=record.get("train_loss"),
                       eval_loss=record.get("eval_loss"), split=record.get("split", {}), record=record)


def evaluate(run_or_result: str | Path | TrainResult, pairs_or_path: Any = None, *, out: str | Path | None = None,
             **options: Any) -> EvalResult:
    """Compare a training run's tuned model with its base model on held-out pairs (default: the
    run's own held-out split), greedy; any `EvalOptions` field as a keyword (limit, judge_url, ...)."""
    from finetune.options import EvalOptions
    from finetune.evaluate import evaluate as run_evaluate

    folder = run_or_result.out if isinstance(run_or_result, TrainResult) else Path(run_or_result)
    if not (folder / "run.json").exists():
        raise ConfigError(f"{folder} is not a training run: evaluate takes what train() returned or its folder "
                          "(for a model alone, use Runner(model)(prompts))")
    target = Path(out) if out else folder / "eval"
    data = _as_path(pairs_or_path, _scratch("eval-input"), "eval.jsonl") if pairs_or_path is not None else None
    report = run_evaluate(EvalOptions(runs=[str(folder)], out=str(target), data=data, **options))
    return EvalResult(table=examples_table(report), headline=headline_table(report), report=report, out=target)


def examples_table(report: dict[str, Any]) -> pd.DataFrame:
    """One row per evaluated example: question, reference, each model's answer and metrics."""
    import pandas as pd

    rows = []
    for example in report["examples"]:
        row = {"id": example["id"], "question": example["question"], "reference": example["reference"]}
        for model, answer in example["answers"].items():
            row[f"{model}_answer"] = answer
        for model, scores in example["scores"].items():
            for metric, value in scores.items():
                row[f"{model}_{metric}"] = value
        rows.append(row)
    return pd.DataFrame(rows)


def headline_table(report: dict[str, Any]) -> pd.DataFrame:
    """One row per metric (and tuned model): base, tuned, delta and its 95% bootstrap interval."""
    import pandas as pd

    return pd.DataFrame(report["headline"])


def run(paths: str | Path | list[str | Path], *, out: str | Path, review: bool = False, train: bool = True,
        generate_options: dict[str, Any] | None = None, moderation: ModerationConfig | str | Path | None = None,
        train_options: dict[str, Any] | None = None, eval_options: dict[str, Any] | None = None,
        fractions: list[float] | None = None, ask_again: int = RUN_ASK_AGAIN) -> PipelineResult:
    """The whole loop (as `pairsmith run`): generate, moderate, ask again for the sections that kept
    no pair (`ask_again` rounds), fine-tune and evaluate into `out`."""
    from moderation.config import ModerationConfig, load_config
    from pairsmith.app.pipeline import run_pipeline

    listed = [str(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)]
    cfg = moderation if isinstance(moderation, ModerationConfig) else load_config(moderation)
    return run_pipeline(listed, out, {"progress": False, **(generate_options or {})}, cfg, train_options,
                        eval_options, train=train, review=review, fractions=fractions, ask_again=ask_again)
