"""Packed rows: a batch's examples end to end in one row, attention kept within each example.

A batch padded to its longest example spends compute on pad tokens (9% of lamini_docs' tokens
with length-grouped batches of 4, over half of the longest batch), and eager attention keeps a
probability matrix per row for the backward. `PackRows` puts the examples of a batch back to
back in one row, positions restarting at each example, and passes the example boundaries
(`cu_seq_lens_q`, as flash-attention's variable-length kernels take them). With the model's
attention set to `PACKED_ATTENTION`, attention runs example by example as causal SDPA (which
on CPUs keeps no probability matrix), so every example sees exactly what it would alone and
the loss equals the padded batch's. flash-attention 2/3 read the same boundaries natively.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import torch
import torch.nn.functional as F

from finetune.formatting import IGNORE

PACKED_ATTENTION = "pairsmith_packed"
# Attention implementations that read `cu_seq_lens_q` themselves: packed rows need no swap.
NATIVE_PACKED = ("flash_attention_2", "flash_attention_3", "flash_attention_4")


class PackRows:
    """Collates a batch into one row: input_ids, labels (each example's first label ignored, so
    no example predicts the next one's start), position_ids restarting per example, and the
    example boundaries as cumulative lengths."""

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        ids: list[int] = []
        labels: list[int] = []
        positions: list[int] = []
        bounds = [0]
        for f in features:
            n = len(f["input_ids"])
            ids += f["input_ids"]
            labels += [IGNORE] + list(f["labels"][1:])
            positions += range(n)
            bounds.append(bounds[-1] + n)
        longest = max(b - a for a, b in zip(bounds, bounds[1:]))
        cu = torch.tensor(bounds, dtype=torch.int32)
        return {"input_ids": torch.tensor([ids]), "labels": torch.tensor([labels]),
                "position_ids": torch.tensor([positions]), "cu_seq_lens_q": cu, "cu_seq_lens_k": cu,
                "max_length_q": longest, "max_length_k": longest}


def packed_attention(module: Any, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                     attention_mask: torch.Tensor | None, dropout: float = 0.0, scaling: float | None = None,
                     cu_seq_lens_q: torch.Tensor | None = None, **_: Any) -> tuple[torch.Tensor, None]:
    """Causal SDPA over each example of a packed row; (batch, length, heads, head_dim) like
    transformers' attention functions. Without boundaries each row is one causal sequence."""
    grouped = key.shape[1] != query.shape[1]  # grouped-query attention: no repeated K/V copies
    training = getattr(module, "training", False)

    def attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        return F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=scaling, enable_gqa=grouped,
                                              dropout_p=dropout if training else 0.0)

    if cu_seq_lens_q is None or query.shape[0] != 1:
        if attention_mask is not None:
            raise ValueError("packed attention takes packed rows (PackRows), not padded batches")
        out = attend(query, key, value)
    else:
        bounds = cu_seq_lens_q.tolist()
        parts = [attend(query[:, :, a:b], key[:, :, a:b], value[:, :, a:b]) for a, b in zip(bounds, bounds[1:])]
        out = parts[0] if len(parts) == 1 else torch.cat(parts, dim=2)
    return out.transpose(1, 2).contiguous(), None


def _no_mask(*_: Any, **__: Any) -> None:
    """Packed rows need no mask tensor: the boundaries and causality are given to SDPA."""
    return None


def _register() -> None:
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS

    AttentionInterface.register(PACKED_ATTENTION, packed_attention)
    ALL_MASK_ATTENTION_FUNCTIONS.register(PACKED_ATTENTION, _no_mask)


_register()


def _inner(model: Any) -> Any:
    while hasattr(model, "module"):  # DDP and similar wrappers
        model = model.module
    return model


def can_pack(model: Any) -> bool:
    """True when the model's attention goes through transformers' attention interface (eager,
    SDPA or flash-attention), so packed rows keep attention within each example."""
    inner = _inner(model)
    current = getattr(inner.config, "_attn_implementation", None)
    if current in NATIVE_PACKED or current == PACKED_ATTENTION:
        return True
    return (current in ("eager", "sdpa") and getattr(inner, "_supports_attention_backend", False)
            and inner._can_set_attn_implementation())


@contextmanager
def packed_attention_for(model: Any) -> Iterator[None]:
    """Run the model's attention example by example while inside; restore it on the way out
    (before the model is saved, so its config names a standard implementation)."""
    inner = _inner(model)
    before = inner.config._attn_implementation
    if before in NATIVE_PACKED or before == PACKED_ATTENTION:
        yield
        return
    inner.set_attn_implementation(PACKED_ATTENTION)
    try:
        yield
    finally:
        inner.set_attn_implementation(before)
