"""One loader for causal LMs, used by generation, training's evaluation and the judges."""

from __future__ import annotations

from typing import Any

from pairsmith.core.errors import ModelError
from pairsmith.core.models.aliases import resolve
from pairsmith.core.models.device import inference_dtype, pick_device


def load_causal_lm(name: str, device: str | None = None) -> tuple[Any, Any, str]:
    """(model, tokenizer, device) for an alias, hub id or path; eval mode, left padding."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    device = device or pick_device()
    path = resolve(name)
    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModelForCausalLM.from_pretrained(path, dtype=inference_dtype(device))
    except OSError as exc:
        raise ModelError(f"cannot load model '{name}' ({path}): {str(exc).splitlines()[0]}; "
                         "give an alias from `pairsmith models`, a local folder, or a hub id "
                         "on a machine with network access") from None
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.to(device).eval()
    return model, tokenizer, device
