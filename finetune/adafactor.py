"""Adafactor with the Hugging Face update rule in fewer passes over memory.

`transformers.optimization.Adafactor` (what the Trainer's `optim="adafactor"` builds, and what
the course trains with) allocates four parameter-sized temporaries per tensor and reads or
writes each parameter's worth of memory about fourteen times per step; for a 135M-parameter
model on a CPU that step costs as much as a forward pass. This class computes the same update
(same states, same arithmetic up to float rounding) reusing one temporary, in about half the
passes, and skips the parameter RMS unless `scale_parameter` needs it.

bf16 or fp16 parameters get fp32 master copies in the optimizer state: the update is applied
to the master and the parameter is its rounded copy, so updates far below the parameter's
precision (lr 1e-5 on weights of ~0.05) accumulate instead of rounding away. This is what lets
`pairsmith train` hold the model in bf16 on CPUs (no autocast casts) and still train in fp32.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import torch
from transformers.optimization import Adafactor


class LeanAdafactor(Adafactor):
    """Drop-in `transformers` Adafactor (same arguments and states) with a leaner step and fp32 masters."""

    def __init__(self, params: Any, *args: Any, master_weights: bool = True, **kwargs: Any) -> None:
        super().__init__(params, *args, **kwargs)
        self.master_weights = master_weights

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load states as saved: torch would cast them to each parameter's dtype (bf16 masters!)."""
        saved_ids = [i for group in state_dict["param_groups"] for i in group["params"]]
        params = [p for group in self.param_groups for p in group["params"]]
        saved = {params[n]: state_dict["state"][i] for n, i in enumerate(saved_ids) if i in state_dict["state"]}
        super().load_state_dict(state_dict)
        for p, values in saved.items():
            for key, value in values.items():
                if torch.is_tensor(value) and value.is_floating_point():
                    self.state[p][key] = value.to(device=p.device)

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # type: ignore[override]
        """One optimizer step over every parameter with a gradient."""
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self._update(p, group)
        return loss

    def _update(self, p: torch.Tensor, group: dict[str, Any]) -> None:
        grad = p.grad
        if grad.is_sparse:
            raise RuntimeError("Adafactor does not support sparse gradients.")
        grad = grad.float() if grad.dtype in {torch.float16, torch.bfloat16} else grad
        factored, use_first_moment = self._get_options(group, grad.shape)
        state = self.state[p]
        low_precision = p.dtype in {torch.float16, torch.bfloat16}
        if len(state) == 0:
            state["step"] = 0
            if use_first_moment:
                state["exp_avg"] = torch.zeros_like(grad)
            if factored:
                state["exp_avg_sq_row"] = torch.zeros(grad.shape[:-1]).to(grad)
                state["exp_avg_sq_col"] = torch.zeros(grad.shape[:-2] + grad.shape[-1:]).to(grad)
            else:
                state["exp_avg_sq"] = torch.zeros_like(grad)
            state["RMS"] = 0
            if low_precision and self.master_weights:
                state["master"] = p.detach().float()
        weights = state.get("master", p.float() if low_precision else p)

        state["step"] += 1
        if group["scale_parameter"]:  # the only use of the parameter's RMS
            state["RMS"] = self._rms(weights)
        lr = self._get_lr(group, state)
        beta2t = 1.0 - math.pow(state["step"], group["decay_rate"])
        eps = group["eps"][0]

        update = torch.mul(grad, grad)  # the one parameter-sized temporary
        if factored:
            row, col = state["exp_avg_sq_row"].to(grad), state["exp_avg_sq_col"].to(grad)
            row.mul_(beta2t).add_(update.mean(dim=-1).add_(eps), alpha=1.0 - beta2t)
            col.mul_(beta2t).add_(update.mean(dim=-2).add_(eps), alpha=1.0 - beta2t)
            state["exp_avg_sq_row"], state["exp_avg_sq_col"] = row, col
            row_factor = (row / row.mean(dim=-1, keepdim=True)).rsqrt_().unsqueeze(-1)
            torch.mul(grad, row_factor, out=update).mul_(col.unsqueeze(-2).rsqrt())
        else:
            second = state["exp_avg_sq"].to(grad)
            second.mul_(beta2t).add_(update.add_(eps), alpha=1.0 - beta2t)
            state["exp_avg_sq"] = second
            torch.rsqrt(second, out=update).mul_(grad)

        # update * lr / max(1, RMS(update) / clip_threshold), as one scalar.
        scale = lr / (self._rms(update) / group["clip_threshold"]).clamp_(min=1.0)
        if use_first_moment:
            exp_avg = state["exp_avg"].to(grad)
            exp_avg.mul_(group["beta1"]).add_(update.mul_(scale), alpha=1 - group["beta1"])
            state["exp_avg"] = update = exp_avg
            scale = None
        if group["weight_decay"] != 0:
            weights.add_(weights, alpha=-group["weight_decay"] * lr)
        if scale is None:
            weights.sub_(update)
        else:
            weights.addcmul_(update, scale, value=-1.0)
        if weights is not p:
            p.copy_(weights)
