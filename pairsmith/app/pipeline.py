"""The whole loop in one call: docs -> pairs -> curated pairs -> tuned model -> evaluation report.

The only module besides the CLI that knows every stage. Each stage's outputs land in one
run folder, named as the stage commands would name them, so any stage can be re-run alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alpaca_gen.run import RunSummary
from alpaca_gen.ingest import expand
from alpaca_gen.generate import generate
from alpaca_gen.options import GenerateOptions
from moderation.config import ModerationConfig
from moderation.pipeline import ModerationSummary, moderate, summary_from_report
from moderation.report import report_paths
from pairsmith.core.errors import ConfigError
from pairsmith.core.log import say
from pairsmith.core.outputs import Output, claim_outputs
from pairsmith.app.run_report import write_run_report
from pairsmith.app.run_spec import RUN_ASK_AGAIN, RUN_GENERATE, RUN_TRAIN, with_run_defaults
from pairsmith.app.stamps import STAMPS, Stamps, file_hash

REVIEW_STORE = "reviews.jsonl"  # human decisions, read by a run, written by `review serve` / `review import`

# What a run folder holds, each named as the stage commands name it.
RUN_FOLDER_FILES = ("pairs.jsonl", "pairs.rejects.jsonl", "curated.jsonl", "curated.rejects.jsonl",
                    "moderation_report.md", "moderation_report.json", "moderation_report_similarity.png",
                    "moderation_report_relevance.png", "run", "eval", "scale", "index.html", ".stages.json")


@dataclass
class PipelineResult:
    """What each stage produced (training and evaluation only when they ran)."""

    generation: RunSummary
    moderation: ModerationSummary
    files: dict[str, Path]
    training: dict[str, Any] = field(default_factory=dict)
    evaluation: dict[str, Any] = field(default_factory=dict)
    asked_again: list[RunSummary] = field(default_factory=list)  # each round asking again for empty sections
    stopped_for_review: bool = False  # run(review=True): moderation done, a person reviews next
    scale: list[dict[str, Any]] = field(default_factory=list)  # the data-size curve, when fractions were given


def run_pipeline(paths: list[str], out_dir: str | Path, generate_options: dict[str, Any] | None = None,
                 moderation: ModerationConfig | None = None, train_options: dict[str, Any] | None = None,
                 eval_options: dict[str, Any] | None = None, train: bool = True,
                 review: bool = False, fractions: list[float] | None = None,
                 ask_again: int = RUN_ASK_AGAIN) -> PipelineResult:
    """Generate pairs from `paths` into OUT/pairs.jsonl, moderate them into OUT/curated.jsonl,
    then (unless `train` is False) fine-tune on them into OUT/run and evaluate into OUT/eval.
    Sections that kept no pair are asked again up to `ask_again` times, each round moderated anew.

    Human decisions in OUT/reviews.jsonl (`pairsmith review serve OUT/curated.jsonl` writes them)
    apply at moderation. With `review`, the run stops after moderation so a person can review;
    the next run continues from their decisions (generation comes from the cache)."""
    config = moderation or ModerationConfig()
    store = Path(out_dir) / REVIEW_STORE
    inputs = {"the docs": [*paths, *expand(paths)], "--config": config.source,
              "the review decisions": store if store.exists() else None}
    with claim_outputs(inputs, [Output.folder(out_dir, "--out", RUN_FOLDER_FILES)]):
        return _run(paths, Path(out_dir), generate_options, config, train_options, eval_options, train, review,
                    fractions, ask_again)


def _run(paths: list[str], out: Path, *args: Any) -> PipelineResult:
    outcome = _stages(paths, out, *args)
    from alpaca_gen.options import GenerateOptions as _Options
    from alpaca_gen.run import collect_chunks

    options = _Options(paths=list(paths), out=str(out / "pairs.jsonl"), **with_run_defaults(RUN_GENERATE, args[0]))
    _, chunks = collect_chunks(paths, options.chunking(), options.max_file_bytes)
    listed = [{"id": c.id, "path": c.path, "headings": c.headings} for c in chunks]
    outcome.files["report"] = write_run_report(out, listed, list(paths))
    return outcome


def _stages(paths: list[str], out: Path, generate_options: dict[str, Any] | None, config: ModerationConfig,
         train_options: dict[str, Any] | None, eval_options: dict[str, Any] | None, train: bool,
         review: bool, fractions: list[float] | None = None, ask_again: int = RUN_ASK_AGAIN) -> PipelineResult:
    out.mkdir(parents=True, exist_ok=True)
    stamps = Stamps(out / STAMPS)
    pairs = out / "pairs.jsonl"
    settings = with_run_defaults(RUN_GENERATE, generate_options)
    summary = generate(GenerateOptions(paths=list(paths), out=str(pairs), **settings))
    store = out / REVIEW_STORE
    curated = out / "curated.jsonl"
    report_md = out / "moderation_report.md"
    result = _moderated(pairs, curated, config, store, stamps)
    asked_again = []

    def again_key() -> str:  # the pairs, and what decides which sections keep nothing and how they are asked
        return stamps.key("ask_again", file_hash(pairs), config.model_dump(mode="json", exclude={"source"}),
                          file_hash(store) if store.exists() else None, ask_again, settings)

    if ask_again > 0 and stamps.done("ask_again", again_key()):
        say("asking again: the pairs and settings are those a finished run asked again for, nothing to ask")
    elif ask_again > 0:
        for round_ in range(ask_again):  # round r asks with the first seed + r
            again = generate(GenerateOptions(paths=list(paths), out=str(pairs), again_for=str(curated),
                                             **{**settings, "seed": settings.get("seed", 0) + round_}))
            asked_again.append(again)
            if not again.pairs_written:  # no section left, or the pairs a run wrote before: nothing new to moderate
                break
            result = _moderated(pairs, curated, config, store, stamps)
        if not any(again.units_failed for again in asked_again):  # failed units: a rerun asks for them again
            stamps.mark("ask_again", again_key())  # a rerun of the same asks nothing, whatever the last moderation emptied
    report = result.report_files or {k: v for k, v in report_paths(report_md).items() if v.exists()}
    files = {"pairs": pairs, "generation_rejects": out / "pairs.rejects.jsonl", "curated": curated,
             "moderation_rejects": out / "curated.rejects.jsonl", **{f"report_{k}": v for k, v in report.items()}}
    outcome = PipelineResult(summary, result, files, asked_again=asked_again)
    if store.exists():
        files["reviews"] = store
    if review:
        outcome.stopped_for_review = True
        return outcome
    if not train:
        return outcome
    from finetune.options import EvalOptions
    from finetune.evaluate import evaluate
    from finetune.options import TrainOptions
    from finetune.train import train as run_training

    settings = with_run_defaults(RUN_TRAIN, train_options)
    train_key = stamps.key("train", file_hash(curated), settings)
    # the same training interrupted resumes from its checkpoint; changed data or settings start over
    settings["resume"] = stamps.started("train") == train_key and settings.get("resume", True)
    stamps.start("train", train_key)
    outcome.training = run_training(TrainOptions(data=str(curated), out=str(out / "run"), **settings))
    stamps.mark("train", train_key)
    eval_settings = {"embedder": config.embedder, **(eval_options or {})}
    eval_key = stamps.key("evaluate", file_hash(out / "run" / "run.json"), eval_settings)
    eval_json = out / "eval" / "eval.json"
    if stamps.done("evaluate", eval_key) and eval_json.exists():
        say("evaluation: the tuned model and settings are unchanged, report kept from the last run")
        evaluation = json.loads(eval_json.read_text(encoding="utf-8"))
    else:
        evaluation = evaluate(EvalOptions(runs=[str(out / "run")], out=str(out / "eval"), **eval_settings))
        stamps.mark("evaluate", eval_key)
    outcome.evaluation = evaluation
    files.update(run=out / "run", loss_curve=out / "run" / "loss_curve.png",
                 eval_md=Path(evaluation["files"]["md"]), eval_html=Path(evaluation["files"]["html"]))
    if fractions:
        outcome.scale = data_size_curve(out, fractions, settings, eval_settings, stamps)
        files["scale_png"] = out / "scale" / "scale.png"
    return outcome


def _moderated(pairs: Path, curated: Path, config: ModerationConfig, store: Path, stamps: Stamps) -> ModerationSummary:
    """Moderate OUT/pairs.jsonl into OUT/curated.jsonl, or keep the last run's result when the pairs,
    settings and review decisions are unchanged (a changed result forgets training and evaluation)."""
    report_md = curated.parent / "moderation_report.md"
    moderation_key = stamps.key("moderate", file_hash(pairs), config.model_dump(mode="json", exclude={"source"}),
                                file_hash(store) if store.exists() else None)
    if stamps.done("moderate", moderation_key) and curated.exists() and report_md.with_suffix(".json").exists():
        say("moderation: inputs and settings unchanged, curated pairs kept from the last run")
        return summary_from_report(report_md.with_suffix(".json"), curated)
    stamps.forget("moderate", "train", "evaluate", "scale")
    result = moderate(pairs, curated, curated.parent / "curated.rejects.jsonl", config=config,
                      reviews=store if store.exists() else None, report=report_md)
    stamps.mark("moderate", moderation_key)
    return result


def data_size_curve(out: Path, fractions: list[float], settings: dict[str, Any], eval_settings: dict[str, Any],
                    stamps: Stamps) -> list[dict[str, Any]]:
    """Train on nested subsets of the training split (the same held-out documents for all),
    evaluate each, and plot every metric against the number of pairs with its interval."""
    import random

    from finetune.options import EvalOptions

    from finetune.evaluate import evaluate
    from finetune.options import TrainOptions
    from finetune.train import train as run_training
    from pairsmith.core.formats import load_pairs, write_pairs

    full = out / "run"
    split = json.loads((full / "split.json").read_text(encoding="utf-8"))
    train_ids = set(split.get("train") or [])
    pairs = [p for p in load_pairs(out / "curated.jsonl") if p.id in train_ids]
    random.Random(settings.get("seed", 42)).shuffle(pairs)  # one order: each subset holds the smaller ones
    points = []
    for fraction in sorted(set(fractions)):
        if not 0 < fraction <= 1:
            raise ConfigError(f"--fractions: {fraction} is not in (0, 1]")
        count = max(2, round(fraction * len(pairs)))
        folder = out / "scale" / f"f{fraction:g}"
        if fraction == 1:
            run_folder, evaluation = full, json.loads((out / "eval" / "eval.json").read_text(encoding="utf-8"))
        else:
            folder.mkdir(parents=True, exist_ok=True)
            data = folder / "train.jsonl"
            write_pairs(pairs[:count], data, "jsonl")
            key = stamps.key(f"scale-{fraction:g}", file_hash(data), settings, eval_settings)
            run_folder = folder / "run"
            if stamps.done(f"scale-{fraction:g}", key) and (folder / "eval" / "eval.json").exists():
                evaluation = json.loads((folder / "eval" / "eval.json").read_text(encoding="utf-8"))
            else:
                subset = {**settings, "eval_split": 0.0, "resume": False}
                run_training(TrainOptions(data=str(data), out=str(run_folder), **subset))
                evaluation = evaluate(EvalOptions(runs=[str(run_folder)], out=str(folder / "eval"),
                                                  data=str(full / "test.jsonl"), **eval_settings))
                stamps.mark(f"scale-{fraction:g}", key)
        points.append({"fraction": fraction, "pairs": count if fraction < 1 else len(pairs),
                       "headline": evaluation["headline"]})
    (out / "scale").mkdir(parents=True, exist_ok=True)
    (out / "scale" / "scale.json").write_text(json.dumps(points, indent=1), encoding="utf-8")
    plot_scale(points, out / "scale" / "scale.png")
    return points


def plot_scale(points: list[dict[str, Any]], path: Path) -> None:
    """Each metric of the tuned model against the number of training pairs, with its 95% interval."""
    from pairsmith.core.charts import chart

    metrics = [row["metric"] for row in points[0]["headline"]] if points else []
    with chart(path, "training pairs", "tuned - base (95% interval)") as ax:
        for metric in metrics:
            rows = [(p["pairs"], next(r for r in p["headline"] if r["metric"] == metric)) for p in points]
            xs = [n for n, _ in rows]
            ys = [r["delta"] for _, r in rows]
            low = [r["delta"] - r["ci_low"] for _, r in rows]
            high = [r["ci_high"] - r["delta"] for _, r in rows]
            ax.errorbar(xs, ys, yerr=[low, high], marker="o", capsize=3, label=metric)
        ax.axhline(0, color="#888", linewidth=0.8)
