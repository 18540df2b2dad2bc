"""A local transformers model, batched with left padding and the model's chat template.

Concurrent `complete` calls are gathered into micro-batches (up to `batch_size`) and run in
one `generate` call on a worker thread, so the event loop keeps feeding work meanwhile.
Requests with a JSON schema are constrained by an xgrammar logits processor, one compiled
grammar per row, so every reply is valid JSON up to the token limit. Greedy and sampled rows
share one call: a per-row temperature processor keeps only the best token of a greedy row, so
a batch of one greedy and several sampled candidates per answer is one `generate`, not two.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

from pairsmith.core.backends.base import Backend, Completion, Request
from pairsmith.core.backends.registry import register
from pairsmith.core.errors import BackendError
from pairsmith.core.models import DEFAULT_CAUSAL_LM, load_causal_lm
from pairsmith.core.models.tokens import prompt_ids, text_ids


class _Grammars:
    """Compiles JSON schemas for the model's tokenizer once each (xgrammar is optional)."""

    def __init__(self, model: Any, tokenizer: Any) -> None:
        self.compiler = None
        self.cache: dict[str, Any] = {}
        try:
            import xgrammar as xgr
        except ImportError:
            return
        stop = model.generation_config.eos_token_id
        stop_ids = [stop] if isinstance(stop, int) else list(stop or [tokenizer.eos_token_id])
        info = xgr.TokenizerInfo.from_huggingface(tokenizer, vocab_size=model.config.vocab_size,
                                                  stop_token_ids=stop_ids)
        self.compiler = xgr.GrammarCompiler(info)

    @property
    def available(self) -> bool:
        return self.compiler is not None

    def processor(self, schemas: list[dict[str, Any]]) -> Any:
        import xgrammar as xgr

        compiled = []
        for schema in schemas:
            key = json.dumps(schema, sort_keys=True)
            if key not in self.cache:
                # Compact JSON only: free whitespace lets a small model loop on newlines.
                self.cache[key] = self.compiler.compile_json_schema(key, any_whitespace=False)
            compiled.append(self.cache[key])
        return xgr.contrib.hf.LogitsProcessor(compiled)


class _RowTemperature:
    """Per-row decoding in one sampled `generate`: a row with temperature 0 keeps only its best
    token (greedy), a row with temperature t has its scores divided by t."""

    def __init__(self, temperatures: list[float]) -> None:
        self.temperatures = temperatures
        self._scale: Any = None

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        if self._scale is None:
            t = torch.tensor(self.temperatures, dtype=scores.dtype, device=scores.device)
            self._greedy = t <= 0
            self._scale = torch.where(self._greedy, torch.ones_like(t), t).unsqueeze(1)
        scores = scores / self._scale
        if bool(self._greedy.any()):
            best = scores.argmax(dim=-1, keepdim=True)
            keep = torch.zeros_like(scores, dtype=torch.bool).scatter_(1, best, True)
            scores = scores.masked_fill(self._greedy.unsqueeze(1) & ~keep, float("-inf"))
        return scores


def batch_groups(requests: list[Any], key: Any = lambda r: r) -> list[list[Any]]:
    """Split items into groups that one `generate` can serve: same token limit, schema or not,
    and sampling seed. Greedy rows need no seed, so they join a sampled group of their kind."""
    groups: dict[tuple[Any, ...], list[Any]] = {}
    greedy: dict[tuple[Any, ...], list[Any]] = {}
    for item in requests:
        req = key(item)
        kind = (req.max_tokens, req.json_schema is None)
        if req.temperature > 0:
            groups.setdefault((*kind, req.seed), []).append(item)
        else:
            greedy.setdefault(kind, []).append(item)
    for kind, items in greedy.items():
        home = next((k for k in groups if k[:2] == kind), None)
        if home is None:
            groups[(*kind, None)] = items
        else:
            groups[home] = items + groups[home]
    return list(groups.values())


@register("hf")
class HFBackend(Backend):
    """Generation with a local causal LM."""

    name = "hf"

    def __init__(self, model: str = DEFAULT_CAUSAL_LM, device: str | None = None,
                 batch_size: int = 16, constrain: bool = True, loaded: tuple[Any, Any, str] | None = None) -> None:
        super().__init__(model)
        self.lm, self.tokenizer, self.device = loaded or load_causal_lm(model, device)
        self.batch_size = max(1, batch_size)
        self.grammars = _Grammars(self.lm, self.tokenizer) if constrain else None
        if constrain and not self.grammars.available:
            self.stats.notes.append("xgrammar is not installed: replies are not constrained to JSON")
        self._queue: asyncio.Queue[tuple[Request, asyncio.Future[Completion]]] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._lock = threading.Lock()

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "model": self.model, "device": self.device}

    async def complete(self, request: Request) -> Completion:
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._worker = asyncio.create_task(self._run())
        future: asyncio.Future[Completion] = asyncio.get_running_loop().create_future()
        await self._queue.put((request, future))
        return await future

    async def _run(self) -> None:
        assert self._queue is not None
        while True:
            items = [await self._queue.get()]
            await asyncio.sleep(0)  # let callers scheduled in the same tick enqueue too
            while len(items) < self.batch_size and not self._queue.empty():
                items.append(self._queue.get_nowait())
            for group in batch_groups(items, key=lambda item: item[0]):
                try:
                    results = await asyncio.to_thread(self.generate_batch, [r for r, _ in group])
                except Exception as exc:  # a failed batch fails its callers, not the worker
                    error = BackendError(f"local generation with {self.model} on {self.device} failed: "
                                         f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}; "
                                         "try a smaller --batch-size or another --device")
                    for _, future in group:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for (_, future), result in zip(group, results):
                    if not future.done():
                        future.set_result(result)

    def prompt_text(self, request: Request) -> str:
        """The request rendered with the model's chat template (plain join without one); a
        formatted request's prompt as it is."""
        if request.prompt is not None:
            return request.prompt
        if self.tokenizer.chat_template:
            return self.tokenizer.apply_chat_template(request.messages, tokenize=False,
                                                      add_generation_prompt=True)
        return "\n\n".join(m["content"] for m in request.messages) + "\n\n"

    def encode(self, requests: list[Request]) -> dict[str, Any]:
        """Left-padded input ids and attention mask; a formatted prompt gets exactly the ids
        training gave it (pairsmith.core.models.tokens.prompt_ids)."""
        ids = [prompt_ids(self.tokenizer, r.prompt) if r.prompt is not None
               else text_ids(self.tokenizer, self.prompt_text(r)) for r in requests]
        return self.tokenizer.pad({"input_ids": ids}, padding=True, return_tensors="pt")

    def generate_batch(self, requests: list[Request]) -> list[Completion]:
        """Run one left-padded `generate` over requests that share a token limit and a sampling
        seed; greedy and sampled rows (any temperatures) mix."""
        import torch

        with self._lock:
            self.stats.requests += len(requests)
            first = requests[0]
            enc = {k: v.to(self.device) for k, v in self.encode(requests).items()}
            kwargs: dict[str, Any] = {"max_new_tokens": first.max_tokens,
                                      "pad_token_id": self.tokenizer.pad_token_id}
            processors: list[Any] = []
            if first.json_schema is not None and self.grammars is not None and self.grammars.available:
                processors.append(self.grammars.processor([r.json_schema for r in requests]))
            sampled = [r for r in requests if r.temperature > 0]
            if sampled:
                # temperature 1 here: the row processor scales each row itself
                kwargs.update(do_sample=True, temperature=1.0, top_p=0.95)
                processors.append(_RowTemperature([r.temperature for r in requests]))
                if sampled[0].seed is not None:
                    torch.manual_seed(sampled[0].seed)
            else:
                kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
            if processors:
                kwargs["logits_processor"] = processors
            with torch.inference_mode():
                output = self.lm.generate(**enc, **kwargs)
            width = enc["input_ids"].shape[1]
            new_tokens = output[:, width:]
            stops = self.lm.generation_config.eos_token_id
            stop_ids = {stops} if isinstance(stops, int) else set(stops or [self.tokenizer.eos_token_id])
            results = []
            for row, mask in zip(new_tokens.tolist(), enc["attention_mask"].tolist()):
                used = next((i + 1 for i, tok in enumerate(row) if tok in stop_ids), len(row))
                hit_stop = used <= len(row) and any(t in stop_ids for t in row[:used])
                text = self.tokenizer.decode(row[:used], skip_special_tokens=True)
                results.append(Completion(text=text, prompt_tokens=int(sum(mask)), completion_tokens=used,
                                          finish_reason="stop" if hit_stop else "length"))
            return results

    async def aclose(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except (asyncio.CancelledError, Exception):
                pass
            self._worker = None
            self._queue = None
