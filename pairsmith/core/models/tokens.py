"""Prompt token ids, made one way for training, evaluation, the judges and generation, so a
tuned model is evaluated on exactly the token ids it was trained to continue."""

from __future__ import annotations

from typing import Any


def bos_ids(tokenizer: Any) -> list[int]:
    """The beginning-of-sequence token, for tokenizers that add one (empty for SmolLM2, GPT-2)."""
    bos = getattr(tokenizer, "bos_token_id", None)
    return [bos] if bos is not None and getattr(tokenizer, "add_bos_token", False) else []


def text_ids(tokenizer: Any, text: str) -> list[int]:
    """The ids of `text` alone, no special tokens added."""
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def prompt_ids(tokenizer: Any, prompt: str) -> list[int]:
    """A formatted prompt as a model sees it: BOS where the tokenizer adds one, then the text."""
    return bos_ids(tokenizer) + text_ids(tokenizer, prompt)
