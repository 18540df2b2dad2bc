"""Generation options as one validated object, and the builder that turns them into a run.

The CLI fills `GenerateOptions`; Python users can too. A typo in an option name is an error.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from alpaca_gen.answer_first import AnswerFirstStrategy
from alpaca_gen.cache import ResultCache
from alpaca_gen.chunk import ChunkConfig
from alpaca_gen.project import infer_project
from alpaca_gen.run import GenerationRun
from alpaca_gen.section_pairs import SectionPairsStrategy
from alpaca_gen.self_instruct import load_seed_tasks
from alpaca_gen.strategies import MultiPairStrategy, StepwiseStrategy, Strategy
from pairsmith import models
from pairsmith.backends.base import Backend
from pairsmith.backends.registry import create
from pairsmith.errors import ConfigError, PairsmithError
from pairsmith.templates import load_template, seed_tasks_path


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
    project: str | None = None  # what questions name; default: from pyproject.toml, package.json or README beside the docs
    concurrency: int = Field(default=16, ge=1, le=1024)
    template: str | None = None
    answer_template: str | None = None
    mode: Literal["qa", "self-instruct"] = "qa"
    strategy: Literal["auto", "sections", "answer-first", "multi", "stepwise"] = "auto"  # auto: sections (qa)
    candidates: int = Field(default=4, ge=1, le=16)  # answer-first: candidate questions per answer
    embedder: str = models.DEFAULT_EMBEDDER  # answer-first: the round-trip check's sentence embedder
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    seed: int = 0
    max_tokens: int = Field(default=1536, ge=16)
    max_reasks: int = Field(default=2, ge=0, le=10)
    seed_tasks: str | None = None
    alpaca_rules: bool = True
    rejects: str | None = None
    cache: str | None = None  # SQLite file; default: under PAIRSMITH_CACHE
    no_cache: bool = False
    batch_size: int = Field(default=16, ge=1)
    parallel: int = Field(default=4, ge=1, le=64)  # llamacpp: slots decoding together (continuous batching)
    device: str | None = None
    constrain: bool = True  # local backend: grammar-constrained decoding to the reply's JSON schema
    timeout: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=5, ge=0)
    retry_window: float = Field(default=180.0, ge=0)  # seconds a server may stay unreachable before units fail
    chunk_tokens: int = Field(default=384, ge=32)
    overlap_tokens: int = Field(default=48, ge=0)
    max_file_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    shard: str | None = None
    progress: bool | None = None

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
    """The strategy: sections for every model in qa mode (the same algorithm for a server and a
    local model), multi-pair for self-instruct."""
    strategy = opts.strategy
    if strategy == "auto":
        strategy = "sections" if opts.mode == "qa" else "multi"
    if strategy == "sections":
        if opts.mode == "self-instruct":
            raise ConfigError("--mode self-instruct asks for many tasks per request; use --strategy multi")
        return SectionPairsStrategy(load_template(opts.template or "pairs_from_section"),
                                    pairs_per_chunk=opts.pairs_per_chunk,
                                    temperature=opts.temperature if opts.temperature is not None else 0.2,
                                    seed=opts.seed, max_reasks=min(opts.max_reasks, 1),
                                    project=opts.project or infer_project(opts.paths))
    if strategy == "answer-first":
        if opts.mode == "self-instruct":
            raise ConfigError("--mode self-instruct asks for many tasks per request; use --strategy multi")
        embedder = LazyEmbedder(opts.embedder)
        return AnswerFirstStrategy(load_template(opts.template or "question_for_answer"), embedder,
                                   pairs_per_chunk=opts.pairs_per_chunk, candidates=opts.candidates,
                                   temperature=opts.temperature if opts.temperature is not None else 0.8,
                                   seed=opts.seed, embedder=opts.embedder)
    if strategy == "stepwise":
        if opts.mode == "self-instruct":
            raise ConfigError("--mode self-instruct asks for many tasks per request; use --strategy multi")
        return StepwiseStrategy(load_template(opts.template or "question_from_chunk"),
                                load_template(opts.answer_template or "extract_answer_from_chunk"),
                                pairs_per_chunk=opts.pairs_per_chunk,
                                temperature=opts.temperature if opts.temperature is not None else 0.0,
                                seed=opts.seed, max_reasks=min(opts.max_reasks, 2))
    default_template = "self_instruct" if opts.mode == "self-instruct" else "qa_from_chunk"
    template = load_template(opts.template or default_template)
    seeds = None
    if "seed_examples" in template.fields:
        seeds = load_seed_tasks(opts.seed_tasks or seed_tasks_path())
    return MultiPairStrategy(template, pairs_per_chunk=opts.pairs_per_chunk,
                             temperature=opts.temperature if opts.temperature is not None else 0.7,
                             seed=opts.seed, max_reasks=opts.max_reasks, max_tokens=opts.max_tokens,
                             seed_tasks=seeds, alpaca_rules=opts.alpaca_rules and opts.mode == "self-instruct")


class LazyEmbedder:
    """The sentence embedder, loaded on the first call (a fully cached run loads nothing)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._embedder = None

    def __call__(self, texts: list[str]):
        if self._embedder is None:
            from pairsmith.models.embedder import Embedder

            self._embedder = Embedder(self.name)
        return self._embedder.embed(texts)

    def close(self) -> None:
        if self._embedder is not None:
            self._embedder.close()


def backend_factory(opts: GenerateOptions):
    """A function that builds the backend when first needed (a fully cached run loads nothing)."""

    def build() -> Backend:
        if opts.backend_name == "openai" and len(opts.base_urls) > 1:
            from pairsmith.backends.openai import OpenAIFleet

            return OpenAIFleet(opts.model_name, opts.base_urls,
                               api_key=opts.api_key or os.environ.get("OPENAI_API_KEY"), concurrency=opts.concurrency,
                               timeout=opts.timeout, max_retries=opts.max_retries, connect_window=opts.retry_window)
        if opts.backend_name == "openai":
            return create("openai", model=opts.model_name, base_url=opts.resolved_base_url,
                          api_key=opts.api_key or os.environ.get("OPENAI_API_KEY"), concurrency=opts.concurrency,
                          timeout=opts.timeout, max_retries=opts.max_retries, connect_window=opts.retry_window)
        if opts.backend_name == "llamacpp":
            return create("llamacpp", model=opts.model_name, constrain=opts.constrain, parallel=opts.parallel)
        return create("hf", model=opts.model_name, device=opts.device, batch_size=opts.batch_size,
                      constrain=opts.constrain)

    return build


def default_cache_path() -> Path:
    return models.cache_dir() / "generations.sqlite"


def build_run(opts: GenerateOptions) -> GenerationRun:
    """The GenerationRun for these options (no model is loaded yet; the teacher's file is found)."""
    opts, note = fall_back_from_teacher(opts)
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
