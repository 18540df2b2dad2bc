"""Answers from a model for formatted prompts: batched, left-padded, greedy, the same decoding
for every model compared."""

from __future__ import annotations

from typing import Any

from pairsmith.core.backends.base import Completion, Request
from pairsmith.core.backends.hf import HFBackend
from pairsmith.core.models import load_causal_lm


def answer_prompts(model: str, prompts: list[str], max_new_tokens: int = 128, batch_size: int = 16,
                   device: str | None = None) -> tuple[list[Completion], dict[str, Any]]:
    """Greedy answers for already formatted prompts (no chat template is added on top)."""
    loaded = load_causal_lm(model, device)
    backend = HFBackend(model, batch_size=batch_size, constrain=False, loaded=loaded)
    # Longest prompts first: rows of similar length share a batch, so less padding.
    order = sorted(range(len(prompts)), key=lambda i: -len(prompts[i]))
    results: list[Completion | None] = [None] * len(prompts)
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        requests = [Request.formatted(prompts[i], max_tokens=max_new_tokens) for i in chunk]
        for i, completion in zip(chunk, backend.generate_batch(requests)):
            results[i] = completion
    return [r for r in results if r is not None], {"device": loaded[2]}
