"""Where a model runs and in which precision: CUDA, then Apple's MPS, then the CPU."""

from __future__ import annotations

from typing import Any


def pick_device() -> str:
    """CUDA, then Apple's MPS, then the CPU."""
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def inference_dtype(device: str) -> Any:
    """bf16 on GPUs that have it, fp32 elsewhere (CPU bf16 inference is slower than fp32 here)."""
    import torch

    return torch.bfloat16 if device == "cuda" and torch.cuda.is_bf16_supported() else torch.float32
