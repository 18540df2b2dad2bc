"""Gradient checkpointing layer by layer, only as far as a batch's activations need it.

Checkpointing every layer recomputes the whole forward in the backward (about a quarter of a
step's compute) to save activation memory that short batches never needed. `ActivationBudget`
decides per batch: it keeps the activations of as many layers as fit in the budget and
checkpoints the rest. The default budget is the size of the trainable parameters' gradients:
the optimizer step holds those anyway, so kept activations (freed during the backward as the
gradients fill in) do not raise the run's peak memory above that of full checkpointing, while
most batches of short examples run without recompute.
"""

from __future__ import annotations

from typing import Any

import torch

from finetune.data import model_inputs


def _inner(model: Any) -> Any:
    while hasattr(model, "module"):  # DDP and similar wrappers
        model = model.module
    return model


def checkpointable_layers(model: Any) -> list[Any]:
    """The model's layers that transformers can checkpoint, in forward order."""
    from transformers.modeling_layers import GradientCheckpointingLayer

    return [m for m in _inner(model).modules() if isinstance(m, GradientCheckpointingLayer)]


def gradient_bytes(model: Any) -> int:
    """Bytes the gradients of the trainable parameters take."""
    return sum(p.numel() * p.element_size() for p in _inner(model).parameters() if p.requires_grad)


def saved_activation_bytes(model: Any, inputs: dict[str, Any]) -> int:
    """Bytes of the tensors a forward of `inputs` keeps for the backward (parameters excluded).

    The forward is only measured, never backpropagated. Its saved tensors are held here for the
    count (so no two share an address) and dropped after; the graph gets none of them (a pack
    hook that returned them would tie each output to its own graph node, a cycle that frees
    nothing)."""
    params = {p.untyped_storage().data_ptr() for p in _inner(model).parameters()}
    seen: dict[int, int] = {}
    held: list[torch.Tensor] = []

    def pack(tensor: torch.Tensor) -> None:
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in params:
            seen[storage.data_ptr()] = storage.nbytes()
            held.append(tensor)

    def unpack(_: None) -> torch.Tensor:
        raise RuntimeError("a measuring forward has no backward")

    with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
        model(**model_inputs(inputs), logits_to_keep=1, use_cache=False)
    held.clear()
    return sum(seen.values())


class ActivationBudget:
    """Per batch, checkpoint the first layers and keep the last ones' activations, as many as
    `budget_bytes` holds (the last layers' activations are the first the backward frees)."""

    PROBE_TOKENS = 64

    def __init__(self, budget_bytes: int) -> None:
        self.budget = max(0, int(budget_bytes))
        self.per_token_layer: float | None = None  # bytes one layer keeps per token, measured once

    def measure(self, model: Any, inputs: dict[str, Any]) -> float:
        """Bytes per token per layer, from one forward of the batch's first tokens (no backward)."""
        layers = checkpointable_layers(model)
        flags = [layer.gradient_checkpointing for layer in layers]
        n = min(self.PROBE_TOKENS, inputs["input_ids"].shape[1])
        probe = {"input_ids": inputs["input_ids"][:1, :n]}
        if "position_ids" in inputs:  # one packed example or its start: positions 0..n-1
            probe["position_ids"] = torch.arange(n, device=probe["input_ids"].device)[None]
            bound = torch.tensor([0, n], dtype=torch.int32, device=probe["input_ids"].device)
            probe.update(cu_seq_lens_q=bound, cu_seq_lens_k=bound, max_length_q=n, max_length_k=n)
        else:
            probe["attention_mask"] = torch.ones_like(probe["input_ids"])
        device = probe["input_ids"].device
        try:  # the probe draws no random numbers the run would have drawn (dropout)
            with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
                for layer in layers:
                    layer.gradient_checkpointing = False
                saved = saved_activation_bytes(model, probe)
        finally:
            for layer, flag in zip(layers, flags):
                layer.gradient_checkpointing = flag
        return saved / (n * max(1, len(layers)))

    def apply(self, model: Any, inputs: dict[str, Any]) -> int:
        """Set each layer's checkpointing for this batch; returns how many layers are checkpointed."""
        layers = checkpointable_layers(model)
        if not layers:
            return 0
        if self.per_token_layer is None:
            self.per_token_layer = self.measure(model, inputs)
        tokens = inputs["input_ids"].numel()
        kept = min(len(layers), int(self.budget // max(1.0, tokens * self.per_token_layer)))
        checkpointed = len(layers) - kept
        for i, layer in enumerate(layers):
            layer.gradient_checkpointing = i < checkpointed
        return checkpointed
