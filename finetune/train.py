"""Training: the Hugging Face Trainer on formatted, tokenized, answer-masked pairs.

Full fine-tuning or LoRA (peft); CUDA (bf16 where supported), MPS or the CPU; resumes from
the run's last checkpoint; unchanged under `accelerate launch` / `torchrun` (the Trainer does
DDP), with files and reports written by rank 0 only.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from finetune.data import PadToLongest, build_dataset
from finetune.packing import PackRows, can_pack
from finetune.formatting import Formatter
from finetune.options import TrainOptions
from finetune.plots import plot_loss
from finetune.split import split_pairs
from pairsmith.core import models
from pairsmith.core.errors import ConfigError
from pairsmith.core.formats import load_pairs
from pairsmith.core.io import atomic_write, write_jsonl_atomic
from pairsmith.core.log import say
from pairsmith.core.outputs import Output, claim_outputs
from pairsmith.core.records import Pair


def _checkpointing_name() -> str:
    """transformers 5.x renamed gradient_checkpointing to activation_checkpointing (the old name warns)."""
    from transformers import TrainingArguments

    fields = getattr(TrainingArguments, "__dataclass_fields__", {})
    return "activation_checkpointing" if "activation_checkpointing" in fields else "gradient_checkpointing"


def trainable(pairs: list[Pair], approved_only: bool = False) -> tuple[list[Pair], int, int]:
    """The pairs to train on, and how many were left out as waiting for review or dropped.
    Each pair is judged by its own decision (a twin of a dropped pair stays); with
    `approved_only`, only pairs a person approved or edited count, the rest are pending."""
    kept, pending, dropped = [], 0, 0
    for pair in pairs:
        decision = (pair.moderation or {}).get("decision")
        human = (pair.review or {}).get("status")
        if human == "rejected":
            dropped += 1
        elif approved_only and human not in ("approved", "edited"):
            pending += 1
        elif decision == "drop":
            dropped += 1
        elif decision == "review" and not pair.review:
            pending += 1
        else:
            kept.append(pair)
    return kept, pending, dropped


def last_checkpoint(folder: Path) -> str | None:
    """The newest `checkpoint-N` folder, if a previous run left one."""
    if not folder.is_dir():
        return None
    found = [p for p in folder.glob("checkpoint-*") if p.name.split("-")[-1].isdigit()]
    return str(max(found, key=lambda p: int(p.name.split("-")[-1]))) if found else None


def cpu_has_bf16() -> bool:
    """True on CPUs with bf16 matrix units (AMX or AVX512-BF16), where bf16 autocast pays."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="ignore")
    except OSError:
        return False
    return " amx_bf16" in flags or " avx512_bf16" in flags


def use_bf16(opts: TrainOptions, device: str) -> bool:
    import torch

    if opts.precision != "auto":
        return opts.precision == "bf16"
    if device == "cuda":
        return torch.cuda.is_bf16_supported()
    return device == "cpu" and cpu_has_bf16()


def uses_bf16_weights(opts: TrainOptions, device: str) -> bool:
    """bf16 as bf16 weights with fp32 masters in the optimizer, rather than autocast over fp32.

    On CPUs with adafactor (LeanAdafactor keeps the masters): no autocast casts of every weight
    in the forward, the recompute and the gradients, and bf16 activations; 15-20% faster steps
    with less memory. Elsewhere bf16 is autocast over fp32 weights.
    """
    return use_bf16(opts, device) and device == "cpu" and opts.optim == "adafactor" and not opts.lora


BF16_WEIGHTS, AUTOCAST = "bf16 weights, fp32 masters", "bf16 autocast"


def set_precision(model: Any, opts: TrainOptions, device: str) -> str:
    """Cast the fp32-loaded model for the run's precision; returns which one: BF16_WEIGHTS,
    AUTOCAST (the Trainer's bf16=True) or "fp32"."""
    import torch

    if uses_bf16_weights(opts, device):
        model.to(torch.bfloat16)
        return BF16_WEIGHTS
    return AUTOCAST if use_bf16(opts, device) else "fp32"


def _load_model(opts: TrainOptions) -> tuple[Any, Any, str]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from pairsmith.core.models import pick_device

    device = pick_device() if opts.device == "auto" else opts.device
    path = models.resolve(opts.model)
    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
        # Loaded in fp32: bf16 then runs as autocast, or as bf16 weights with fp32 masters
        # in the optimizer (uses_bf16_weights).
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    except OSError as exc:
        raise ConfigError(f"cannot load model '{opts.model}' ({path}): {str(exc).splitlines()[0]}") from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer, device


def training_flops(model: Any, tokens: int) -> int:
    """Forward and backward FLOPs for `tokens` tokens: 6 x non-embedding parameters x tokens."""
    try:
        params = model.num_parameters(exclude_embeddings=True)
    except (AttributeError, TypeError):
        params = sum(p.numel() for p in model.parameters())
    return 6 * int(params) * int(tokens)


def _file_hash(path: str) -> str | None:
    """SHA-256 of a data file (None for a dataset folder or hub name)."""
    import hashlib

    target = Path(path)
    if not target.is_file():
        return None
    digest = hashlib.sha256()
    with open(target, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


RUN_FILES = ("model", "checkpoints", "run.json", "split.json", "test.jsonl", "log_history.json", "loss_curve.png")


def build_trainer(model: Any, tokenizer: Any, opts: TrainOptions, device: str, precision: str, args: Any,
                  train_data: Any, eval_data: Any = None) -> Any:
    """The AnswerOnlyTrainer for these options: packed rows where the model's attention allows
    (else batches padded to their longest, eager attention for short rows on CPUs), and layer
    checkpointing only beyond the activation memory budget."""
    from finetune.checkpointing import ActivationBudget, gradient_bytes
    from finetune.trainer import EAGER_ATTENTION_MAX_LENGTH, AnswerOnlyTrainer, ReturnFreedMemory

    packed = opts.packing and can_pack(model)
    if opts.packing and not packed:
        say("this model's attention cannot keep packed examples apart; batches are padded instead")
    collator = PackRows() if packed else PadToLongest(tokenizer.pad_token_id)
    budget = None
    if opts.gradient_checkpointing:
        mb = opts.activation_memory_mb
        budget = ActivationBudget(gradient_bytes(model) if mb is None else int(mb * 2**20))
    trainer = AnswerOnlyTrainer(model=model, args=args, train_dataset=train_data, eval_dataset=eval_data,
                                data_collator=collator, processing_class=tokenizer,
                                eager_attention_below=EAGER_ATTENTION_MAX_LENGTH if device == "cpu" else 0,
                                activation_budget=budget)
    if device == "cpu" and sys.platform.startswith("linux") and not (packed and precision == "fp32"):
        # Padded batches of many widths, and bf16 tensors interleaved with fp32 ones, fragment
        # glibc's heap; packed fp32 rows do not, and trimming after every step would then only
        # make the next step fault its pages in again (measured: 9% slower, no less memory).
        trainer.add_callback(ReturnFreedMemory())
    return trainer


def checkpointing_line(trainer: Any, opts: TrainOptions) -> str:
    """How layers are checkpointed in this run, for the log."""
    budget = trainer.activation_budget
    if budget is None:
        return "off (all activations kept)"
    if budget.budget == 0:
        return "every layer"
    return f"layers beyond {budget.budget / 2**20:,.0f} MB of activations per batch"


def train(opts: TrainOptions) -> dict[str, Any]:
    """Train and save the model to RUN/model; returns what run.json records."""
    with claim_outputs({"the data": opts.data}, [Output.folder(opts.out, "--out", RUN_FILES)]):
        return _train(opts)


def _train(opts: TrainOptions) -> dict[str, Any]:
    from transformers import TrainingArguments

    run = Path(opts.out)
    finished = run / "run.json"
    data_hash = _file_hash(opts.data)
    if opts.resume and finished.exists():
        record = json.loads(finished.read_text(encoding="utf-8"))
        settings = {k: v for k, v in opts.model_dump().items() if k != "resume"}
        recorded = {k: v for k, v in (record.get("options") or {}).items() if k != "resume"}
        same = recorded == settings and record.get("data_sha256") == data_hash
        if same and (run / "model" / "config.json").exists():
            say(f"{run} already holds this finished run; nothing to train (use --no-resume or another --out "
                 "to train again)")
            return record
    pairs, pending, dropped = trainable(load_pairs(opts.data), opts.approved_only)
    if pending or dropped:
        waiting = "not approved by a person" if opts.approved_only else "still waiting for review"
        say(f"skipping {pending} pairs {waiting} and {dropped} dropped by moderation or a reviewer")
    if len(pairs) < 2:
        hint = (": review them (pairsmith review serve), then `pairsmith review apply`" if opts.approved_only else "")
        raise ConfigError(f"{opts.data} has {len(pairs)} trainable pairs; training needs at least 2{hint}")
    split = split_pairs(pairs, opts.eval_split, opts.seed)
    model, tokenizer, device = _load_model(opts)
    formatter = Formatter(opts.template)
    train_data, preflight = build_dataset(split.train, tokenizer, formatter, opts.max_length, opts.drop_unusable)
    eval_data = (build_dataset(split.test, tokenizer, formatter, opts.max_length, opts.drop_unusable)[0]
                 if split.test else None)
    say(f"split by {split.by}: {len(split.train)} train / {len(split.test)} test")
    say(f"pre-flight: {preflight.line()}")

    if opts.lora:
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(model, LoraConfig(r=opts.lora_r, lora_alpha=opts.lora_alpha,
                                                 lora_dropout=opts.lora_dropout, target_modules="all-linear",
                                                 task_type="CAUSAL_LM"))
    precision = set_precision(model, opts, device)
    bf16 = precision != "fp32"
    # As the course reports them: FLOPs of one optimizer step of max-length sequences (the
    # course's floating_point_ops: 6 x non-embedding parameters x tokens), memory footprint.
    flops = training_flops(model, opts.max_length * opts.batch_size * opts.grad_accum)
    footprint = model.get_memory_footprint() / 1e9
    say(f"model: {opts.model} on {device} ({precision}); memory footprint "
         f"{footprint:.3f} GB; {flops / 1e9:.1f} GFLOPs per step")

    checkpoints = run / "checkpoints"
    has_eval = eval_data is not None and len(eval_data) > 0
    checkpointing = _checkpointing_name()
    args = TrainingArguments(
        output_dir=str(checkpoints), per_device_train_batch_size=opts.batch_size,
        per_device_eval_batch_size=opts.batch_size, gradient_accumulation_steps=opts.grad_accum,
        num_train_epochs=opts.epochs, max_steps=opts.max_steps, learning_rate=opts.lr, optim=opts.optim,
        warmup_steps=opts.warmup_steps, logging_steps=opts.logging_steps,
        eval_strategy="steps" if has_eval else "no", eval_steps=opts.eval_steps,
        save_strategy="steps", save_steps=opts.eval_steps, save_total_limit=2,
        load_best_model_at_end=opts.load_best and has_eval, metric_for_best_model="eval_loss",
        greater_is_better=False, train_sampling_strategy="group_by_length", length_column_name="length",
        remove_unused_columns=False, bf16=precision == AUTOCAST, **{checkpointing: opts.gradient_checkpointing},
        use_cpu=device == "cpu", report_to="none", seed=opts.seed, disable_tqdm=None,
        prediction_loss_only=True,
    )
    trainer = build_trainer(model, tokenizer, opts, device, precision, args, train_data, eval_data if has_eval else None)
    resume = last_checkpoint(checkpoints) if opts.resume else None
    if resume:
        say(f"resuming from {resume}")
    packed = isinstance(trainer.data_collator, PackRows)
    say("batches: " + ("examples packed end to end, attention within each" if packed else "padded to the longest")
        + "; checkpointing: " + checkpointing_line(trainer, opts))
    started = time.perf_counter()
    output = trainer.train(resume_from_checkpoint=resume)
    seconds = time.perf_counter() - started
    train_loss = output.training_loss
    record: dict[str, Any] = {}
    if trainer.is_world_process_zero():
        final = trainer.model.merge_and_unload() if opts.lora else trainer.model
        final.save_pretrained(run / "model")
        tokenizer.save_pretrained(run / "model")
        history = trainer.state.log_history
        epochs_done = trainer.state.epoch or 0.0
        record = {
            "base_model": opts.model, "base_model_path": models.resolve(opts.model), "template": formatter.id,
            "data_sha256": data_hash,
            "options": opts.model_dump(), "split": {"by": split.by, "train": len(split.train), "test": len(split.test)},
            "preflight": preflight.__dict__, "train_loss": train_loss, "steps": trainer.state.global_step,
            "epochs": epochs_done, "seconds": seconds, "device": device, "bf16": bf16, "precision": precision, "flops_per_step": flops,
            "memory_footprint_gb": footprint, "best_checkpoint": trainer.state.best_model_checkpoint,
            "eval_loss": min((h["eval_loss"] for h in history if "eval_loss" in h), default=None),
        }
        with atomic_write(run / "split.json") as fh:
            json.dump(split.to_dict(), fh)
        write_jsonl_atomic(run / "test.jsonl", [p.to_dict() for p in split.test])
        with atomic_write(run / "log_history.json") as fh:
            json.dump(history, fh, indent=1)
        plot_loss(history, run / "loss_curve.png")
        with atomic_write(run / "run.json") as fh:
            json.dump(record, fh, indent=2, default=str)
        say(f"trained {trainer.state.global_step} steps in {seconds:.0f}s; final train loss "
             f"{train_loss:.4f}; model saved to {run / 'model'}")
    return record
