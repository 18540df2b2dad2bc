"""A SwiGLU MLP (Llama, Mistral, Qwen, SmolLM) that keeps half the activations for the backward.

`down(silu(gate(x)) * up(x))` run by autograd keeps four intermediate-sized tensors per token
(gate, up, silu(gate) and their product); this keeps gate and up only and recomputes the two
elementwise products in the backward, which costs two cheap passes and saves about a quarter
of a decoder layer's activation memory. Less memory per layer means `ActivationBudget` keeps
more layers un-checkpointed, so less of the forward is recomputed. The arithmetic is the same
operations in the same order, so gradients equal the unfused module's.
"""

from __future__ import annotations

import types
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


class SwiGLU(torch.autograd.Function):
    """down(silu(x @ gate.T) * (x @ up.T)), saving x, gate(x) and up(x)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, gate: torch.Tensor, up: torch.Tensor,  # type: ignore[override]
                down: torch.Tensor) -> torch.Tensor:
        g = F.linear(x, gate)
        u = F.linear(x, up)
        y = F.linear(F.silu(g).mul_(u), down)
        ctx.save_for_backward(x, g, u, gate, up, down)
        return y

    @staticmethod
    def backward(ctx, dy: torch.Tensor):  # type: ignore[override]
        x, g, u, gate, up, down = ctx.saved_tensors
        act = F.silu(g)
        dh = F.linear(dy, down.t())  # dy @ down
        flat_dy, flat_x = dy.reshape(-1, dy.shape[-1]), x.reshape(-1, x.shape[-1])
        d_down = flat_dy.t() @ (act * u).reshape(-1, u.shape[-1]) if ctx.needs_input_grad[3] else None
        du = dh * act
        dg = torch.ops.aten.silu_backward(dh.mul_(u), g)
        flat_dg, flat_du = dg.reshape(-1, dg.shape[-1]), du.reshape(-1, du.shape[-1])
        d_gate = flat_dg.t() @ flat_x if ctx.needs_input_grad[1] else None
        d_up = flat_du.t() @ flat_x if ctx.needs_input_grad[2] else None
        dx = (F.linear(dg, gate.t()) + F.linear(du, up.t())) if ctx.needs_input_grad[0] else None
        return dx, d_gate, d_up, d_down


def _plain_linear(layer: Any) -> bool:
    return type(layer) is nn.Linear and layer.bias is None


def _silu(act: Any) -> bool:
    from transformers.activations import SiLUActivation

    return type(act) in (nn.SiLU, SiLUActivation)


def is_swiglu_mlp(module: Any) -> bool:
    """A Llama-style `...MLP` (down(act(gate(x)) * up(x))) with SiLU and plain bias-free linears
    (not LoRA-wrapped, not quantized)."""
    projections = [getattr(module, name, None) for name in ("gate_proj", "up_proj", "down_proj")]
    return (type(module).__name__.endswith("MLP") and all(_plain_linear(p) for p in projections)
            and _silu(getattr(module, "act_fn", None)))


def _fused_forward(self: Any, x: torch.Tensor) -> torch.Tensor:
    if torch.is_autocast_enabled(x.device.type) or not torch.is_grad_enabled():
        return type(self).forward(self, x)  # autocast casts per op; inference keeps nothing anyway
    return SwiGLU.apply(x, self.gate_proj.weight, self.up_proj.weight, self.down_proj.weight)


def fuse_swiglu_mlps(model: Any) -> int:
    """Give every SwiGLU MLP of the model the fused forward; returns how many were changed."""
    count = 0
    for module in model.modules():
        if is_swiglu_mlp(module) and "forward" not in vars(module):
            module.forward = types.MethodType(_fused_forward, module)
            count += 1
    return count


def unfuse_swiglu_mlps(model: Any) -> None:
    """Restore the modules' own forward (before saving or handing the model on)."""
    for module in model.modules():
        if vars(module).get("forward") is not None and getattr(module.forward, "__func__", None) is _fused_forward:
            del module.forward
