"""`pairsmith train` and `pairsmith eval`: the student tuned on curated pairs, then compared with its base."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from finetune.options import EvalOptions, TrainOptions
from pairsmith.app.cli_base import EVAL, TRAIN, app, echo_headline, guarded


@app.command("train")
@guarded
def train_command(
    data: Annotated[str, typer.Argument(help="Curated pairs (any readable format).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Run folder (model, split, loss curve, checkpoints).")],
    model: Annotated[str, typer.Option(help="Base model: alias, hub id or path.")] = TRAIN.model,
    template: Annotated[str, typer.Option(help="alpaca, course_qa, chat (the model's own) or a template file.")] = TRAIN.template,
    lora: Annotated[bool, typer.Option("--lora", help="Train LoRA adapters (peft) instead of all weights.")] = False,
    epochs: Annotated[float, typer.Option(help="Epochs over the training split.")] = TRAIN.epochs,
    max_steps: Annotated[int, typer.Option(help="Stop after this many optimizer steps (overrides epochs).")] = TRAIN.max_steps,
    lr: Annotated[float, typer.Option(help="Learning rate.")] = TRAIN.lr,
    batch_size: Annotated[int, typer.Option(help="Examples per device per step.")] = TRAIN.batch_size,
    grad_accum: Annotated[int, typer.Option(help="Gradient accumulation steps.")] = TRAIN.grad_accum,
    optim: Annotated[str, typer.Option(help="Optimizer (adamw_torch, adafactor as in the course, ...).")] = TRAIN.optim,
    max_length: Annotated[int, typer.Option(help="Token limit per example; prompts are cut from the left.")] = TRAIN.max_length,
    eval_split: Annotated[float, typer.Option(help="Share held out for evaluation (by source document).")] = TRAIN.eval_split,
    eval_steps: Annotated[int, typer.Option(help="Evaluate and checkpoint every N steps.")] = TRAIN.eval_steps,
    seed: Annotated[int, typer.Option(help="Seed for the split and training.")] = TRAIN.seed,
    precision: Annotated[str, typer.Option(help="auto (bf16 where the hardware has it), fp32 or bf16.")] = TRAIN.precision,
    no_checkpointing: Annotated[bool, typer.Option("--no-gradient-checkpointing", help="Keep every activation (more memory).")] = False,
    activation_memory_mb: Annotated[Optional[float], typer.Option(help="Activations kept per batch before layers are "
                                                                  "checkpointed; default the gradients' size, 0 checkpoints every layer.")] = None,
    no_packing: Annotated[bool, typer.Option("--no-packing", help="Pad batches to their longest example instead of "
                                             "packing examples end to end.")] = False,
    no_resume: Annotated[bool, typer.Option("--no-resume", help="Start over even if checkpoints exist.")] = False,
    drop_unusable: Annotated[bool, typer.Option("--drop-unusable", help="Leave out examples with no answer tokens "
                                                "or cut answers instead of refusing.")] = False,
    approved_only: Annotated[bool, typer.Option("--approved-only", help="Train only on pairs a person approved or "
                                                "edited (review serve / import, then review apply).")] = False,
) -> None:
    """Fine-tune a causal LM on curated pairs (answer-only loss, left truncation, length grouping)."""
    from finetune.train import train

    train(TrainOptions(data=data, out=str(out), model=model, template=template, lora=lora, epochs=epochs,
                       max_steps=max_steps, lr=lr, batch_size=batch_size, grad_accum=grad_accum, optim=optim,
                       max_length=max_length, eval_split=eval_split, eval_steps=eval_steps, seed=seed,
                       precision=precision, gradient_checkpointing=not no_checkpointing,
                       activation_memory_mb=activation_memory_mb, packing=not no_packing, resume=not no_resume,
                       drop_unusable=drop_unusable, approved_only=approved_only))


@app.command("eval")
@guarded
def eval_command(
    runs: Annotated[list[str], typer.Argument(help="Training run folder(s); several give an Elo ranking with a judge.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for report.md, report.html and eval.json.")],
    data: Annotated[Optional[str], typer.Option(help="Pairs to evaluate on; default the run's held-out split.")] = None,
    limit: Annotated[Optional[int], typer.Option(help="Evaluate on the first N pairs only.")] = None,
    baseline: Annotated[Optional[str], typer.Option(help="Model to compare with; default the run's base model.")] = None,
    max_new_tokens: Annotated[int, typer.Option(help="Answer length limit.")] = EVAL.max_new_tokens,
    batch_size: Annotated[int, typer.Option(help="Prompts per generate call.")] = EVAL.batch_size,
    embedder: Annotated[str, typer.Option(help="Embedding model for answer similarity.")] = EVAL.embedder,
    judge_url: Annotated[Optional[str], typer.Option(help="OpenAI-compatible judge for pairwise win rates.")] = None,
    judge_model: Annotated[str, typer.Option(help="The judge's model name.")] = EVAL.judge_model,
    judge_key: Annotated[Optional[str], typer.Option(help="The judge's API key; default $OPENAI_API_KEY.")] = None,
    harness: Annotated[bool, typer.Option("--harness", help="Also write (and run) an lm-evaluation-harness task.")] = False,
) -> None:
    """Compare base and tuned models on the same prompts: metrics with bootstrap CIs, one report."""
    from finetune.evaluate import evaluate

    report = evaluate(EvalOptions(runs=runs, out=str(out), data=data, limit=limit, baseline=baseline,
                                  max_new_tokens=max_new_tokens, batch_size=batch_size, embedder=embedder,
                                  judge_url=judge_url, judge_model=judge_model, judge_key=judge_key,
                                  harness=harness))
    echo_headline(report["headline"])
    for key, value in report["judge"].items():
        typer.echo(f"judge {key}: {value}")
    if "harness" in report:
        typer.echo(f"harness: {report['harness']['message'][:300]}")
    typer.echo(f"report: {report['files']['md']}  {report['files']['html']}")
