"""The options of `pairsmith train` and `pairsmith eval`: one typed model each, used by the CLI, the
Python API and pairsmith.yaml alike. Light on purpose: reading them imports no torch."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pairsmith.core import models


class TrainOptions(BaseModel):
    """Everything `pairsmith train` takes (the course's settings are all reachable)."""

    model_config = ConfigDict(extra="forbid")

    data: str
    out: str
    model: str = models.DEFAULT_CAUSAL_LM
    template: str = "alpaca"  # alpaca, course_qa, chat, or a template name / file
    lora: bool = False
    lora_r: int = Field(default=16, ge=1)
    lora_alpha: int = Field(default=32, ge=1)
    lora_dropout: float = Field(default=0.05, ge=0.0, lt=1.0)
    epochs: float = Field(default=1.0, gt=0)
    max_steps: int = -1  # > 0 overrides epochs
    lr: float = Field(default=5e-5, gt=0)
    batch_size: int = Field(default=4, ge=1)
    grad_accum: int = Field(default=1, ge=1)
    optim: str = "adamw_torch"  # the course uses "adafactor"
    max_length: int = Field(default=512, ge=16)
    eval_split: float = Field(default=0.1, ge=0.0, lt=1.0)
    eval_steps: int = Field(default=50, ge=1)
    logging_steps: int = Field(default=10, ge=1)
    warmup_steps: int = Field(default=0, ge=0)
    load_best: bool = True  # keep the checkpoint with the lowest eval loss
    seed: int = 123
    resume: bool = True
    drop_unusable: bool = False  # leave out examples with no answer tokens or cut answers (else refuse)
    approved_only: bool = False  # train on human-approved (or edited) pairs only (review serve / import / apply)
    gradient_checkpointing: bool = True  # recompute the activations that do not fit in activation_memory_mb
    activation_memory_mb: float | None = Field(default=None, ge=0)  # None: the gradients' size; 0: checkpoint every layer
    packing: bool = True  # a batch's examples end to end in one row, attention within each (else padded to the longest)
    precision: Literal["auto", "fp32", "bf16"] = "auto"  # auto: bf16 on CUDA and on CPUs with bf16 units
    device: Literal["auto", "cuda", "mps", "cpu"] = "auto"


class EvalOptions(BaseModel):
    """Everything `pairsmith eval` takes."""

    model_config = ConfigDict(extra="forbid")

    runs: list[str]
    out: str
    data: str | None = None  # default: the first run's held-out test.jsonl
    limit: int | None = Field(default=None, ge=1)
    baseline: str | None = None  # default: the first run's base model
    max_new_tokens: int = Field(default=128, ge=1)
    batch_size: int = Field(default=16, ge=1)
    embedder: str = "all-minilm-l6-v2"
    judge_url: str | None = None
    judge_model: str = "judge"
    judge_key: str | None = Field(default=None, repr=False)
    harness: bool = False
    seed: int = 0
