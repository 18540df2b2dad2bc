"""Local generation through llama.cpp in this process (xllamacpp's prebuilt wheels: no compiling).

The default teacher runs here. llama.cpp's own server engine answers OpenAI-style chat requests
(`Server.handle_chat_completions`) with continuous batching: `parallel` requests decode together
in one batch, so the run keeps that many requests in flight and the slots stay full. Replies asked
for with a JSON schema are constrained by llama.cpp's grammar sampler, the way a capable server
constrains them with `response_format={"type": "json_schema"}`.

Lookup decoding (llama.cpp's draftless `ngram-simple` speculation, `lookup=True`) is off by
default: when the last tokens written also occur earlier in the prompt or reply, the tokens that
followed them there are drafted and checked in one batch. On 2 CPU cores with 4 slots it made the
teacher's pairs slower (0.68-0.77x, bench/lookup_decoding.py): too few drafts are kept to pay for
checking them where the slots' batch already uses the cores.
"""

from __future__ import annotations

import asyncio
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pairsmith.core.backends.base import Backend, Completion, Request, strip_think
from pairsmith.core.backends.registry import register
from pairsmith.core.errors import BackendError, MissingDependencyError
from pairsmith.core.models.aliases import DEFAULT_TEACHER, gguf_file

DEFAULT_PARALLEL = 4  # slots: llama.cpp decodes this many requests in one batch
DEFAULT_CONTEXT_PER_SLOT = 3072  # tokens: a chunk, its prompt and a reply of several pairs
LOOKUP_NGRAM = 4  # lookup decoding: tokens that must match before the history's continuation is drafted
LOOKUP_DRAFT = 16  # lookup decoding: most tokens drafted at once


def gguf_path(model: str) -> Path:
    """The GGUF file for an alias (its packages' file, or the hub's) or a path to a .gguf file."""
    return gguf_file(model)


@dataclass
class Drafts:
    """Lookup decoding's tally: tokens drafted, and those the model kept."""

    drafted: int = 0
    accepted: int = 0


@register("llamacpp")
class LlamaCppBackend(Backend):
    """One llama.cpp model in this process, `parallel` slots decoding together."""

    name = "llamacpp"

    def __init__(self, model: str = DEFAULT_TEACHER, parallel: int = DEFAULT_PARALLEL,
                 context_per_slot: int = DEFAULT_CONTEXT_PER_SLOT, threads: int | None = None,
                 constrain: bool = True, lookup: bool = False, lookup_ngram: int = LOOKUP_NGRAM,
                 lookup_draft: int = LOOKUP_DRAFT, **_: Any) -> None:
        super().__init__(model)
        try:
            import xllamacpp
        except ImportError:
            raise MissingDependencyError("the llamacpp backend needs xllamacpp (prebuilt, no compiling): "
                                         "pip install xllamacpp") from None
        self.path = gguf_path(model)
        self.constrain = constrain
        self.parallel = max(1, parallel)
        params = xllamacpp.CommonParams()
        params.model.path = str(self.path)
        params.n_parallel = self.parallel
        params.n_ctx = context_per_slot * self.parallel  # shared by the slots
        threads = threads or os.cpu_count() or 2
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.warmup = False
        self.lookup = lookup and _lookup_decoding(xllamacpp, params, lookup_ngram, lookup_draft)
        if lookup and not self.lookup:
            self.stats.notes.append("this xllamacpp has no lookup decoding; decoding without it")
        # llama.cpp logs every load step and request; PAIRSMITH_LLAMACPP_LOG=1 shows them
        params.verbosity = 3 if os.environ.get("PAIRSMITH_LLAMACPP_LOG") else -1
        if hasattr(params, "endpoint_metrics"):
            params.endpoint_metrics = True  # answered by the main loop: see _wait_for_main_loop
        try:
            self.server = xllamacpp.Server(params)
        except Exception as exc:  # a file llama.cpp cannot read
            raise BackendError(f"llama.cpp could not load {self.path.name}: {str(exc).splitlines()[0][:200]}") from None
        self._wait_for_main_loop(params)
        self._slots = threading.BoundedSemaphore(self.parallel)
        self._tally = threading.Lock()
        self.drafts = Drafts()

    def _wait_for_main_loop(self, params: Any) -> None:
        """Return once llama.cpp's main loop runs. `Server` returns before its loop starts, and a
        server freed in that gap (a backend closed before any request) waits forever for a loop
        that missed its stop; a metrics request is answered by the loop, so after it, freeing is safe."""
        if getattr(params, "endpoint_metrics", False):
            self.server.handle_metrics()

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "model": self.model, "device": "cpu", "file": self.path.name,
                "lookup_decoding": self.lookup}

    @property
    def concurrency(self) -> int:
        """Requests worth keeping in flight: one per slot."""
        return self.parallel

    async def complete(self, request: Request) -> Completion:
        return await asyncio.to_thread(self.generate, request)

    def _body(self, request: Request) -> dict[str, Any]:
        body: dict[str, Any] = {"max_tokens": request.max_tokens, "temperature": request.temperature}
        if request.seed is not None:
            body["seed"] = request.seed
        if request.prompt is not None:
            body["prompt"] = request.prompt
            return body
        body["messages"] = request.messages
        if request.json_schema is not None and self.constrain:
            body["response_format"] = {"type": "json_schema",
                                       "json_schema": {"name": "reply", "schema": request.json_schema}}
        return body

    def generate(self, request: Request) -> Completion:
        """One completion: a formatted prompt as it is, or chat messages through the chat template.
        Thread-safe: llama.cpp batches the requests of concurrent callers."""
        body = self._body(request)
        with self._slots:
            self.stats.requests += 1
            try:
                reply = (self.server.handle_completions(body) if request.prompt is not None
                         else self.server.handle_chat_completions(body))
            except (ValueError, RuntimeError) as exc:
                raise BackendError(f"llama.cpp refused the request: {str(exc).splitlines()[0][:200]}") from None
        if not isinstance(reply, dict) or "choices" not in reply:
            error = reply.get("error", reply) if isinstance(reply, dict) else reply
            message = error.get("message", error) if isinstance(error, dict) else error
            raise BackendError(f"llama.cpp generation with {self.path.name} failed: {str(message)[:200]}")
        timings = reply.get("timings") or {}
        with self._tally:
            self.drafts.drafted += int(timings.get("draft_n") or 0)
            self.drafts.accepted += int(timings.get("draft_n_accepted") or 0)
        choice = reply["choices"][0]
        text = choice.get("text") if request.prompt is not None else (choice.get("message") or {}).get("content")
        usage = reply.get("usage") or {}
        return Completion(strip_think(text or ""), prompt_tokens=usage.get("prompt_tokens", 0),
                          completion_tokens=usage.get("completion_tokens", 0),
                          finish_reason="length" if choice.get("finish_reason") == "length" else "stop",
                          response_format="json_schema" if "response_format" in body else "text")

    def generate_batch(self, requests: list[Request]) -> list[Completion]:
        """The same interface as the transformers backend's batches: answered together, in slots."""
        if len(requests) <= 1:
            return [self.generate(r) for r in requests]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=self.parallel) as pool:
            return list(pool.map(self.generate, requests))

    async def aclose(self) -> None:
        self.server = None  # the model and its slots are freed with the server object


def _lookup_decoding(xllamacpp: Any, params: Any, ngram: int, draft: int) -> bool:
    """Turn on llama.cpp's n-gram lookup speculation; False where this xllamacpp build has none."""
    kinds = getattr(xllamacpp, "common_speculative_type", None)
    speculative = getattr(params, "speculative", None)
    if (kinds is None or speculative is None or not hasattr(kinds, "COMMON_SPECULATIVE_TYPE_NGRAM_SIMPLE")
            or not hasattr(speculative, "ngram_simple")):
        return False
    speculative.types = [kinds.COMMON_SPECULATIVE_TYPE_NGRAM_SIMPLE]
    speculative.ngram_simple.size_n = ngram
    speculative.ngram_simple.size_m = draft
    return True
