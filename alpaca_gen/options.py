"""Generation options as one validated object, and the builder that turns them into a run.

The CLI fills `GenerateOptions`; Python users can too. A typo in an option name is an error.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from alpaca_gen.again import AGAIN_TEMPERATURE
from alpaca_gen.cache import ResultCache
from alpaca_gen.chunk import ChunkConfig
from alpaca_gen.run import GenerationRun
from alpaca_gen import strategies
from alpaca_gen.strategies import Strategy
from alpaca_gen.strategies.sections import WORDS_PER_PAIR
from pairsmith.core import models
from pairsmith.core.backends.base import Backend
from pairsmith.core.backends.registry import create
from pairsmith.core.errors import ConfigError, PairsmithError


class GenerateOptions(BaseModel):
    """Everything `pairsmith generate` takes."""

    model_config = ConfigDict(extra="forbid")

    paths: list[str]
    out: str
    model: str | None = None  # alias, hub id or path (local); the server's model name (openai); default: the teacher
    # auto: openai with a base URL; else llama.cpp for the teacher or a .gguf model, transformers for other models
    backend: Literal["auto", "hf", "llamacpp", "openai"] = "auto"
    base_url: str | None = None  # OpenAI-compatible server; falls back to OPENAI_BASE_URL
    api_key: str | None = Field(default=None, repr=False)  # falls back to OPENAI_API_KEY
    pairs_per_chunk: int = Field(default=3, ge=1, le=50)
    words_per_pair: int = Field(default=WORDS_PER_PAIR, ge=0)  # sections: at most a pair per this many words, at least 2; 0: off
    project: str | None = None  # what questions name; default: from pyproject.toml, package.json or README beside the docs
    concurrency: int = Field(default=16, ge=1, le=1024)
    template: str | None = None
    answer_template: str | None = None
    mode: Literal["qa", "self-instruct"] = "qa"
    strategy: str = "auto"  # auto (sections in qa mode, multi in self-instruct) or a registered strategy's name
    candidates: int = Field(default=4, ge=1, le=16)  # answer-first: candidate questions per answer
    embedder: str = models.DEFAULT_EMBEDDER  # answer-first: the round-trip check's sentence embedder
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    seed: int = 0
    max_tokens: int = Field(default=1536, ge=16)
    max_reasks: int = Field(default=2, ge=0, le=10)
    seed_tasks: str | None = None
    # a curated file of an earlier run into this --out: ask again, with seed + 1 and a warmer temperature,
    # for the sections it kept no pair from
    again_for: str | None = None
    alpaca_rules: bool = True
    rejects: str | None = None
    cache: str | None = None  # SQLite file; default: under PAIRSMITH_CACHE
    no_cache: bool = False
    batch_size: int = Field(default=16, ge=1)
    parallel: int = Field(default=4, ge=1, le=64)  # llamacpp: slots decoding together (continuous batching)
    device: str | None = None
    constrain: bool = True  # local backend: grammar-constrained decoding to the reply's JSON schema
    lookup: bool = False  # llamacpp: lookup decoding (drafts from the prompt and reply); slower on CPU cores
    timeout: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=5, ge=0)
    retry_window: float = Field(default=180.0, ge=0)  # seconds a server may stay unreachable before units fail
    chunk_tokens: int = Field(default=384, ge=32)
    overlap_tokens: int = Field(default=48, ge=0)
    max_file_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    shard: str | None = None
    progress: bool | None = None

    @field_validator("strategy")
    @classmethod
    def _known_strategy(cls, name: str) -> str:
        if name != "auto":
            strategies.registry.strategy_class(name)  # a typo lists the valid names
        return name

    @property
    def resolved_base_url(self) -> str | None:
        return self.base_url or os.environ.get("OPENAI_BASE_URL") or None

    @property
    def base_urls(self) -> list[str]:
        """The servers: one, or a fleet given as comma-separated URLs."""
        return [u.strip() for u in (self.resolved_base_url or "").split(",") if u.strip()]

    @property
    def backend_name(self) -> str:
        if self.backend != "auto":
            return self.backend
        if self.resolved_base_url:
            return "openai"
        if self.model and not _reads_as_gguf(self.model):
            return "hf"
        return "llamacpp"

    @property
    def model_name(self) -> str:
        if self.model:
            return self.model
        if self.backend_name == "openai":
            raise ConfigError("--model is required with --base-url: give the model name the server serves")
        return models.DEFAULT_TEACHER if self.backend_name == "llamacpp" else models.DEFAULT_CAUSAL_LM

    def chunking(self) -> ChunkConfig:
        return ChunkConfig(max_tokens=self.chunk_tokens, overlap_tokens=min(self.overlap_tokens, self.chunk_tokens // 2))


def _reads_as_gguf(model: str) -> bool:
    """An alias llama.cpp reads (a GGUF in packages or on the hub) or a .gguf path."""
    alias = models.ALIASES.get(model.lower())
    return model.lower().endswith(".gguf") or (alias is not None and alias.kind == "causal-lm")


def fall_back_from_teacher(opts: GenerateOptions) -> tuple[GenerateOptions, str | None]:
    """The options to run with, and a one-line note when the default teacher cannot run here.

    Only the default (no --model, no --backend, no server) falls back, to the student model on
    transformers, and never silently: the note says why and how to install the teacher."""
    if opts.model or opts.backend != "auto" or opts.resolved_base_url:
        return opts, None
    alias = models.ALIASES[models.DEFAULT_TEACHER]
    if importlib.util.find_spec("xllamacpp") is None:
        why = "xllamacpp is not installed (pip install xllamacpp)"
    else:
        try:
            models.gguf_file(alias.name)
            return opts, None
        except PairsmithError as exc:
            why = str(exc)
    note = (f"the teacher {alias.name} cannot run here: {why}; generating with {models.DEFAULT_CAUSAL_LM} on "
            f"transformers instead, which writes far weaker pairs")
    return opts.model_copy(update={"backend": "hf", "model": models.DEFAULT_CAUSAL_LM}), note


def build_strategy(opts: GenerateOptions) -> Strategy:
    """The strategy the options name (auto: sections in qa mode, for a server and a local model alike;
    multi for self-instruct), from the registry of strategies."""
    name = opts.strategy
    if name == "auto":
        name = "sections" if opts.mode == "qa" else "multi"
    return strategies.build(name, opts)


def backend_factory(opts: GenerateOptions):
    """A function that builds the backend when first needed (a fully cached run loads nothing)."""

    def build() -> Backend:
        if opts.backend_name == "openai" and len(opts.base_urls) > 1:  # a fleet: one model on several servers
            return create("openai-fleet", model=opts.model_name, base_urls=opts.base_urls,
                          api_key=opts.api_key or os.environ.get("OPENAI_API_KEY"), concurrency=opts.concurrency,
                          timeout=opts.timeout, max_retries=opts.max_retries, connect_window=opts.retry_window)
        if opts.backend_name == "openai":
            return create("openai", model=opts.model_name, base_url=opts.resolved_base_url,
                          api_key=opts.api_key or os.environ.get("OPENAI_API_KEY"), concurrency=opts.concurrency,
                          timeout=opts.timeout, max_retries=opts.max_retries, connect_window=opts.retry_window)
        if opts.backend_name == "llamacpp":
            return create("llamacpp", model=opts.model_name, constrain=opts.constrain, parallel=opts.parallel,
                          lookup=opts.lookup)
        return create("hf", model=opts.model_name, device=opts.device, batch_size=opts.batch_size,
                      constrain=opts.constrain)

    return build


def default_cache_path() -> Path:
    return models.cache_dir() / "generations.sqlite"


def asking_again(opts: GenerateOptions) -> GenerateOptions:
    """The options a run asking again (`again_for`) samples with: the next seed, and the warmer
    temperature unless one was given, so that the teacher writes other pairs than it did."""
    if not opts.again_for:
        return opts
    return opts.model_copy(update={"seed": opts.seed + 1, "temperature": AGAIN_TEMPERATURE
                                   if opts.temperature is None else opts.temperature})


def build_run(opts: GenerateOptions) -> GenerationRun:
    """The GenerationRun for these options (no model is loaded yet; the teacher's file is found)."""
    opts, note = fall_back_from_teacher(asking_again(opts))
    out = Path(opts.out)
    cache = ResultCache(None if opts.no_cache else (opts.cache or default_cache_path()))
    if opts.backend_name == "openai":
        concurrency = opts.concurrency * len(opts.base_urls)
    elif opts.backend_name == "llamacpp":
        concurrency = 2 * opts.parallel  # every slot busy, the next request waiting
    else:
        concurrency = max(opts.concurrency, 2 * opts.batch_size)
    return GenerationRun(build_strategy(opts), backend_factory(opts), opts.backend_name, opts.model_name, out,
                         rejects=opts.rejects, cache=cache, concurrency=concurrency, progress=opts.progress,
                         server=opts.resolved_base_url if opts.backend_name == "openai" else None,
                         notes=[note] if note else [])
