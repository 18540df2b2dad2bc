"""Moderation settings: which steps run and their thresholds, with documented defaults.

Load from YAML or JSON (`pairsmith moderate --config FILE`); unknown keys are an error, so a
typo never silently falls back to a default. `pairsmith moderate --print-config` shows them all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pairsmith.errors import ConfigError

DEFAULT_REFUSALS = [
    "as an ai language model", "as an ai model", "i'm sorry, but i", "i am sorry, but i", "i cannot help with",
    "i can't help with", "i cannot answer", "i can't answer", "i'm not able to", "i am not able to provide",
    "i don't have access to", "i do not have access to", "i'm unable to", "i am unable to",
]
DEFAULT_BOILERPLATE = [
    "keep the discussion relevant to", "let me know if you have any other questions",
    "i hope this helps", "feel free to ask", "this is not related to", "is not relevant to",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuleConfig(_Strict):
    """Per-pair rules. Lengths are in words, and in characters too for the upper limits (one
    enormous token, such as a pasted blob, is too long however few words it has)."""

    enabled: bool = True
    min_instruction_words: int = 2  # fewer (but not blank): instruction_too_short
    min_output_words: int = 1  # fewer (but not blank): output_too_short
    max_instruction_words: int = 400
    max_output_words: int = 1200
    max_instruction_chars: int = 4000
    max_output_chars: int = 12000
    refusal_phrases: list[str] = Field(default_factory=lambda: list(DEFAULT_REFUSALS))
    boilerplate_phrases: list[str] = Field(default_factory=lambda: list(DEFAULT_BOILERPLATE))
    repeated_line_share: float = 0.3  # share of non-blank lines that repeat an earlier one
    repeated_ngram_share: float = 0.3  # share of word 4-grams that repeat an earlier one
    ngram: int = 4
    min_words_for_repetition: int = 24
    truncation: bool = True  # unclosed code fence, or output that stops mid-sentence
    languages: list[str] = Field(default_factory=lambda: ["en"])  # empty: no language rule
    min_english_stopword_share: float = 0.08
    min_words_for_language: int = 12
    pii: bool = True  # e-mail addresses, phone numbers, API keys and tokens


class ExactConfig(_Strict):
    enabled: bool = True


class NearConfig(_Strict):
    """Near duplicates of the prompt (instruction + input)."""

    enabled: bool = True
    method: Literal["minhash", "rouge"] = "minhash"  # minhash scales; rouge is Alpaca's rule, exact parity
    threshold: float = 0.7  # Jaccard of the prompts' word shingles (minhash)
    rouge_threshold: float = 0.7  # ROUGE-L F above which Alpaca's rule drops (method: rouge)
    num_perm: int = 128
    shingle: int = 1  # words per shingle: single words suit short instructions best
    review_band: float = 0.0  # similarity in [threshold - band, threshold): review, not drop


class SemanticConfig(_Strict):
    """Semantic duplicates by sentence embeddings of the prompt."""

    enabled: bool = True
    threshold: float = 0.95  # cosine at or above: duplicate
    review_band: float = 0.03  # cosine in [threshold - band, threshold): review
    block_size: int = 2048  # rows per block of the similarity computation (memory stays flat)
    ann_min_pairs: int = 100_000  # from this size on, an ANN index (faiss) replaces exact search
    ann_neighbours: int = 16


class PairChecksConfig(_Strict):
    enabled: bool = True
    conflict_threshold: float = 0.5  # duplicate questions whose answers are less similar: review both
    restate_threshold: float = 0.8  # ROUGE-L F between answer and question at or above ...
    restate_new_words: float = 0.2  # ... and at most this share of answer words new: drop


class GroundingConfig(_Strict):
    """Answers must be supported by their source chunk (when the pair carries one)."""

    enabled: bool = True
    threshold: float = 0.45  # mean over answer sentences of the best cosine to a chunk sentence
    review_band: float = 0.1
    docs_root: str = "."  # where source paths are resolved when a pair carries path + lines
    judge_model: str = "judge"


class ModerationConfig(_Strict):
    """All moderation settings (see the README's table of defaults)."""

    embedder: str = "all-minilm-l6-v2"
    batch_size: int = 64
    rules: RuleConfig = Field(default_factory=RuleConfig)
    exact: ExactConfig = Field(default_factory=ExactConfig)
    near: NearConfig = Field(default_factory=NearConfig)
    semantic: SemanticConfig = Field(default_factory=SemanticConfig)
    pairs: PairChecksConfig = Field(default_factory=PairChecksConfig)
    grounding: GroundingConfig = Field(default_factory=GroundingConfig)
    source: Path | None = Field(default=None, exclude=True)  # the file it was read from, if any


def load_config(path: str | Path | None) -> ModerationConfig:
    """Defaults, overridden by a YAML or JSON file when given."""
    if path is None:
        return ModerationConfig()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ConfigError(f"{path}{where}: not valid YAML ({problem})") from None
    try:
        config = ModerationConfig.model_validate(data or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: {where}: {first['msg']}") from None
    config.source = path
    return config
