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
        # Gradients are read as grad * grad_scale by the next step (then it resets to 1): gradient
        # clipping folded into the step's own passes instead of one more pass over every gradient.
        self.grad_scale = 1.0

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
        try:
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        self._update(p, group)
        finally:
            self.grad_scale = 1.0
        return loss

    CHUNK = 1 << 20  # elements per slice of a gradient: 4 MB of fp32, held in the CPU's cache

    def _scratch(self, rows: int, cols: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """Two (rows, cols) fp32 views of buffers kept across steps (no fresh pages per step)."""
        need = rows * cols
        buffers = getattr(self, "_scratch_buffers", None)
        if buffers is None or buffers[0].numel() < need or buffers[0].device != device:
            buffers = self._scratch_buffers = (torch.empty(max(need, self.CHUNK), device=device),
                                       torch.empty(max(need, self.CHUNK), device=device))
        return buffers[0][:need].view(rows, cols), buffers[1][:need].view(rows, cols)

    def _factored_in_chunks(self, grad: torch.Tensor, weights: torch.Tensor, state: dict[str, Any],
                            group: dict[str, Any], lr: float, beta2t: float, eps: float) -> None:
        """The factored update of a matrix without a first moment (the Trainer's adafactor), in
        three passes over slices of rows that stay in cache: squared-gradient row and column
        means; the update's RMS; the update applied. update = grad * row_factor * col_factor is
        never materialised: its RMS comes from the row norms of grad * col_factor."""
        n_rows, n_cols = grad.shape
        step = max(1, self.CHUNK // n_cols)
        spans = [(start, min(start + step, n_rows)) for start in range(0, n_rows, step)]
        work, as_fp32 = self._scratch(min(step, n_rows), n_cols, grad.device)

        def rows_of(start: int, end: int) -> torch.Tensor:
            part = grad[start:end]
            return part if part.dtype == torch.float32 else as_fp32[: end - start].copy_(part)

        row_sq = torch.empty(n_rows, device=grad.device)
        col_sq = torch.zeros(n_cols, device=grad.device)
        for start, end in spans:
            g = rows_of(start, end)
            sq = torch.mul(g, g, out=work[: end - start])
            torch.sum(sq, dim=-1, out=row_sq[start:end])
            col_sq.add_(sq.sum(dim=0))
        row, col = state["exp_avg_sq_row"], state["exp_avg_sq_col"]
        clip = self.grad_scale  # the gradient is grad * clip: its squares scale by clip ** 2
        row.mul_(beta2t).add_(row_sq.mul_(clip * clip / n_cols).add_(eps), alpha=1.0 - beta2t)
        col.mul_(beta2t).add_(col_sq.mul_(clip * clip / n_rows).add_(eps), alpha=1.0 - beta2t)
        row_factor = (row / row.mean()).rsqrt_()
        col_factor = col.rsqrt().mul_(clip)

        total = torch.zeros((), dtype=torch.float64, device=grad.device)
        for start, end in spans:
            scaled = torch.mul(rows_of(start, end), col_factor, out=work[: end - start])
            norms = torch.linalg.vector_norm(scaled, dim=-1).square_()
            total += norms.mul_(row_factor[start:end].square()).sum(dtype=torch.float64)
        rms = math.sqrt(total.item() / grad.numel())
        scale = lr / max(1.0, rms / group["clip_threshold"])
        if group["weight_decay"] != 0:
            weights.add_(weights, alpha=-group["weight_decay"] * lr)
        for start, end in spans:
            scaled = torch.mul(rows_of(start, end), col_factor, out=work[: end - start])
            weights[start:end].addcmul_(scaled, row_factor[start:end, None], value=-scale)

    def clip_grad_norm_(self, max_norm: float) -> torch.Tensor:
        """`torch.nn.utils.clip_grad_norm_` over this optimizer's gradients, with the scaling left
        to the next step: returns the total norm before clipping."""
        grads = [p.grad for group in self.param_groups for p in group["params"] if p.grad is not None]
        total = torch.nn.utils.get_total_norm(grads)
        self.grad_scale = float(torch.clamp(max_norm / (total + 1e-6), max=1.0))
        return total

    def _update(self, p: torch.Tensor, group: dict[str, Any]) -> None:
        grad = p.grad
        if grad.is_sparse:
            raise RuntimeError("Adafactor does not support sparse gradients.")
        factored, use_first_moment = self._get_options(group, grad.shape)
        state = self.state[p]
        low_precision = p.dtype in {torch.float16, torch.bfloat16}
        if len(state) == 0:
            state["step"] = 0
            if use_first_moment:
                state["exp_avg"] = torch.zeros_like(grad)
            if factored:
                state["exp_avg_sq_row"] = torch.zeros(grad.shape[:-1], device=grad.device)
                state["exp_avg_sq_col"] = torch.zeros(grad.shape[:-2] + grad.shape[-1:], device=grad.device)
            else:
                state["exp_avg_sq"] = torch.zeros_like(grad, dtype=torch.float32)
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
        if factored and not use_first_moment and grad.dim() == 2:
            self._factored_in_chunks(grad, weights, state, group, lr, beta2t, eps)
            if weights is not p:
                p.copy_(weights)
            return
        grad = grad.float() if grad.dtype in {torch.float16, torch.bfloat16} else grad
        if self.grad_scale != 1.0:
            grad = grad * self.grad_scale

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
        scale = lr / (self._rms(update) / group["clip_threshold"]).clamp_(min=1.0).item()
        if use_first_moment:
            exp_avg = state["exp_avg"].to(grad)
            exp_avg.mul_(group["beta1"]).add_(update, alpha=(1 - group["beta1"]) * scale)
            state["exp_avg"] = update = exp_avg
            scale = 1.0
        if group["weight_decay"] != 0:
            weights.add_(weights, alpha=-group["weight_decay"] * lr)
        weights.add_(update, alpha=-scale)
        if weights is not p:
            p.copy_(weights)
