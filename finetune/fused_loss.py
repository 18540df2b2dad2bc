"""Cross-entropy over a linear head without materialising all the logits at once.

The vocabulary projection dominates a small model's activation memory (tokens x 49k floats
for SmolLM2). Here logits are computed a chunk of tokens at a time, and their gradients with
them, so memory holds one chunk of logits instead of all of them (as Liger's fused linear
cross-entropy does). The result equals `F.cross_entropy(hidden @ weight.T, targets)` summed.
"""

from __future__ import annotations

import torch


class ChunkedLinearCrossEntropy(torch.autograd.Function):
    """sum over rows of CE(hidden @ weight.T, targets); gradients computed chunk by chunk."""

    @staticmethod
    def forward(ctx, hidden: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor,  # type: ignore[override]
                chunk: int, dtype: torch.dtype) -> torch.Tensor:
        total = torch.zeros((), dtype=torch.float32, device=hidden.device)
        grad_hidden = torch.empty(hidden.shape, dtype=torch.float32, device=hidden.device)
        grad_weight = None
        w = weight.detach().to(dtype)
        for start in range(0, hidden.shape[0], chunk):
            h = hidden[start : start + chunk].detach().to(dtype)
            t = targets[start : start + chunk]
            logits = (h @ w.T).float()  # (chunk, vocab): the only logits alive at a time
            rows = torch.arange(len(t), device=t.device)
            picked = logits[rows, t]
            peak = logits.amax(dim=-1, keepdim=True)
            probs = logits.sub_(peak).exp_()  # in place: no second vocabulary-sized buffer
            sums = probs.sum(dim=-1, keepdim=True)
            total += (sums.log().add_(peak).squeeze(1) - picked).sum()  # log-sum-exp minus the target's logit
            probs.div_(sums)
            probs[rows, t] -= 1.0  # d loss / d logits
            probs = probs.to(dtype)
            grad_hidden[start : start + chunk] = probs @ w
            if grad_weight is None:  # the first chunk's product is the buffer (no zeros, no add)
                grad_weight = torch.mm(probs.T, h, out=torch.empty(w.shape, dtype=torch.float32, device=w.device)) \
                    if dtype == torch.float32 else (probs.T @ h).float()
            elif dtype == torch.float32:
                grad_weight.addmm_(probs.T, h)  # accumulated in place, no vocabulary x hidden temporary
            else:
                grad_weight += probs.T @ h
        ctx.save_for_backward(grad_hidden, grad_weight)
        ctx.dtypes = (hidden.dtype, weight.dtype)
        return total

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor):  # type: ignore[override]
        grad_hidden, grad_weight = ctx.saved_tensors
        hidden_dtype, weight_dtype = ctx.dtypes
        # Scaled in place: the vocabulary-sized gradient is not copied once more.
        return (grad_hidden.mul_(grad_output).to(hidden_dtype), grad_weight.mul_(grad_output).to(weight_dtype),
                None, None, None)


def linear_cross_entropy_sum(hidden: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor,
                             chunk: int = 256, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Summed cross-entropy of `hidden @ weight.T` against `targets` (rows are tokens)."""
    if hidden.shape[0] == 0:
        return hidden.sum() * 0.0
    return ChunkedLinearCrossEntropy.apply(hidden, weight, targets, chunk, dtype)
