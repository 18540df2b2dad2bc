"""A run described by a file: `pairsmith init` writes a commented `pairsmith.yaml`, and
`pairsmith run pairsmith.yaml` runs it. Relative paths in the file are relative to the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pairsmith.core.errors import ConfigError


# What a whole run sets beyond each stage's own defaults, written once: the CLI's `run`, the Python
# `pairsmith.run()` and a pairsmith.yaml all start from these. A small doc set holds out whole
# documents (a third, so that the evaluation has pairs enough), trains two epochs, and leaves out
# examples that cannot be trained on instead of refusing them.
RUN_GENERATE: dict[str, Any] = {"pairs_per_chunk": 2}
RUN_ASK_AGAIN = 1  # rounds asking again for sections that kept no pair (alpaca_gen/again.py)
RUN_TRAIN: dict[str, Any] = {"epochs": 2.0, "eval_split": 0.33, "eval_steps": 20, "logging_steps": 5,
                             "drop_unusable": True}


def with_run_defaults(defaults: dict[str, Any], given: dict[str, Any] | None) -> dict[str, Any]:
    """A stage's settings for a run: the run's defaults, then what the user gave."""
    return {**defaults, **(given or {})}


class RunSpec(BaseModel):
    """Everything `pairsmith run` does, in one place (unknown keys are an error)."""

    model_config = ConfigDict(extra="forbid")

    docs: list[str]
    out: str = "out"
    generate: dict[str, Any] = Field(default_factory=dict)  # GenerateOptions fields
    moderation: dict[str, Any] = Field(default_factory=dict)  # ModerationConfig sections
    train: dict[str, Any] = Field(default_factory=dict)  # TrainOptions fields
    evaluate: dict[str, Any] = Field(default_factory=dict)  # EvalOptions fields
    ask_again: int = Field(default=RUN_ASK_AGAIN, ge=0, le=5)  # rounds asking again for sections that kept no pair
    train_and_evaluate: bool = True
    review: bool = False
    fractions: list[float] = Field(default_factory=list)


def is_spec(path: str) -> bool:
    return path.lower().endswith((".yaml", ".yml")) and Path(path).is_file()


def load_spec(path: str | Path) -> RunSpec:
    """The run described by a YAML file, with its paths made relative to the file's folder."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the run file ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a run file is a mapping with at least `docs:`; see `pairsmith init`")
    try:
        spec = RunSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: {where}: {first['msg']} (see `pairsmith init` for every key)") from None
    base = path.resolve().parent
    spec.docs = [d if Path(d).is_absolute() or d.startswith(("http://", "https://")) else str(base / d) for d in spec.docs]
    spec.out = spec.out if Path(spec.out).is_absolute() else str(base / spec.out)
    return spec


def template(moderation_defaults: dict[str, Any], docs: str = "docs/") -> str:
    """The commented pairsmith.yaml that `pairsmith init` writes (every moderation default spelled out)."""
    moderation = yaml.safe_dump({"moderation": moderation_defaults}, sort_keys=False, width=100)
    return f"""# pairsmith run pairsmith.yaml: the whole loop described by this file.
# A re-run redoes the first stage whose inputs or settings changed, and everything after it:
# change a moderation threshold and only moderation, training and evaluation run again.
# Relative paths are relative to this file.

docs: [{docs}]            # files, folders or glob patterns (Markdown, rst, HTML, notebooks, PDF, .docx, ...)
out: out                  # the run folder: every stage's files and index.html

generate:
  # model: qwen2.5-coder-1.5b-instruct   # the teacher (default); an alias, hub id, .gguf or local folder;
                                        #   with base_url, the server's model name
  # base_url: http://127.0.0.1:8000/v1   # any OpenAI-compatible server (vLLM, llama.cpp, OpenAI, ...)
  strategy: auto                  # auto (sections), sections, answer-first, multi, stepwise
  pairs_per_chunk: {RUN_GENERATE['pairs_per_chunk']}

# Moderation: every step and threshold (these are the defaults; delete what you do not change).
{moderation}
train:
  epochs: {RUN_TRAIN['epochs']:g}
  eval_split: {RUN_TRAIN['eval_split']}                # share held out for evaluation, by whole document
  # lora: true                    # LoRA adapters instead of all weights

evaluate:
  max_new_tokens: 128
  # judge_url: http://127.0.0.1:8000/v1   # a judge model for pairwise preferences

ask_again: {RUN_ASK_AGAIN}                      # rounds asking the teacher again for sections that kept no pair (0: none)
train_and_evaluate: true          # false: stop after moderation
review: false                     # true: stop after moderation for `pairsmith review serve`
fractions: []                     # e.g. [0.25, 0.5, 1]: train on nested subsets, plot each metric against size
"""
