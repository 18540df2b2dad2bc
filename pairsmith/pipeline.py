"""The whole loop in one call: docs -> pairs -> curated pairs -> tuned model -> evaluation report.

The only module besides the CLI that knows every stage. Each stage's outputs land in one
run folder, named as the stage commands would name them, so any stage can be re-run alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alpaca_gen.run import RunSummary
from alpaca_gen.ingest import expand
from alpaca_gen.generate import generate
from alpaca_gen.options import GenerateOptions
from moderation.config import ModerationConfig
from moderation.pipeline import ModerationSummary, moderate
from pairsmith.outputs import Output, claim_outputs

REVIEW_STORE = "reviews.jsonl"  # human decisions, read by a run, written by `review serve` / `review import`

# What a run folder holds, each named as the stage commands name it.
RUN_FOLDER_FILES = ("pairs.jsonl", "pairs.rejects.jsonl", "curated.jsonl", "curated.rejects.jsonl",
                    "moderation_report.md", "moderation_report.json", "moderation_report_similarity.png",
                    "run", "eval")


@dataclass
class PipelineResult:
    """What each stage produced (training and evaluation only when they ran)."""

    generation: RunSummary
    moderation: ModerationSummary
    files: dict[str, Path]
    training: dict[str, Any] = field(default_factory=dict)
    evaluation: dict[str, Any] = field(default_factory=dict)
    stopped_for_review: bool = False  # run(review=True): moderation done, a person reviews next


def run_pipeline(paths: list[str], out_dir: str | Path, generate_options: dict[str, Any] | None = None,
                 moderation: ModerationConfig | None = None, train_options: dict[str, Any] | None = None,
                 eval_options: dict[str, Any] | None = None, train: bool = True,
                 review: bool = False) -> PipelineResult:
    """Generate pairs from `paths` into OUT/pairs.jsonl, moderate them into OUT/curated.jsonl,
    then (unless `train` is False) fine-tune on them into OUT/run and evaluate into OUT/eval.

    Human decisions in OUT/reviews.jsonl (`pairsmith review serve OUT/curated.jsonl` writes them)
    apply at moderation. With `review`, the run stops after moderation so a person can review;
    the next run continues from their decisions (generation comes from the cache)."""
    config = moderation or ModerationConfig()
    store = Path(out_dir) / REVIEW_STORE
    inputs = {"the docs": [*paths, *expand(paths)], "--config": config.source,
              "the review decisions": store if store.exists() else None}
    with claim_outputs(inputs, [Output.folder(out_dir, "--out", RUN_FOLDER_FILES)]):
        return _run(paths, Path(out_dir), generate_options, config, train_options, eval_options, train, review)


def _run(paths: list[str], out: Path, generate_options: dict[str, Any] | None, config: ModerationConfig,
         train_options: dict[str, Any] | None, eval_options: dict[str, Any] | None, train: bool,
         review: bool) -> PipelineResult:
    out.mkdir(parents=True, exist_ok=True)
    pairs = out / "pairs.jsonl"
    summary = generate(GenerateOptions(paths=list(paths), out=str(pairs), **(generate_options or {})))
    store = out / REVIEW_STORE
    result = moderate(pairs, out / "curated.jsonl", out / "curated.rejects.jsonl", config=config,
                      reviews=store if store.exists() else None, report=out / "moderation_report.md")
    report = result.report_files
    files = {"pairs": pairs, "generation_rejects": out / "pairs.rejects.jsonl", "curated": out / "curated.jsonl",
             "moderation_rejects": out / "curated.rejects.jsonl", **{f"report_{k}": v for k, v in report.items()}}
    outcome = PipelineResult(summary, result, files)
    if store.exists():
        files["reviews"] = store
    if review:
        outcome.stopped_for_review = True
        return outcome
    if not train:
        return outcome
    from finetune.evaluate import EvalOptions, evaluate
    from finetune.train import TrainOptions
    from finetune.train import train as run_training

    # Small doc sets: hold out whole documents (a fifth) and leave out unusable examples.
    settings = {"eval_split": 0.2, "eval_steps": 20, "logging_steps": 5, "drop_unusable": True,
                **(train_options or {})}
    outcome.training = run_training(TrainOptions(data=str(out / "curated.jsonl"), out=str(out / "run"), **settings))
    evaluation = evaluate(EvalOptions(runs=[str(out / "run")], out=str(out / "eval"), embedder=config.embedder,
                                      **(eval_options or {})))
    outcome.evaluation = evaluation
    files.update(run=out / "run", loss_curve=out / "run" / "loss_curve.png",
                 eval_md=Path(evaluation["files"]["md"]), eval_html=Path(evaluation["files"]["html"]))
    return outcome
