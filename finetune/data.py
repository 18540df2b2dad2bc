"""Training data: format and tokenize pairs (with `datasets`), pre-flight checks, collation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from finetune.formatting import IGNORE, Formatter, tokenize_pair
from pairsmith.core.errors import ConfigError
from pairsmith.core.records import Pair


@dataclass
class Preflight:
    """What training will see: examples, trained (answer) tokens, and what truncation did."""

    examples: int
    total_tokens: int
    answer_tokens: int
    prompts_truncated: int
    dropped: list[str] | None = None  # ids left out with --drop-unusable

    def line(self) -> str:
        dropped = f"; {len(self.dropped)} unusable examples left out" if self.dropped else ""
        return (f"{self.examples} examples, {self.total_tokens} tokens, {self.answer_tokens} trained "
                f"(answer) tokens; {self.prompts_truncated} prompts cut from the left to fit{dropped}")


def build_dataset(pairs: list[Pair], tokenizer: Any, formatter: Formatter, max_length: int,
                  drop_unusable: bool = False):
    """A `datasets.Dataset` of input_ids / labels / length, and the pre-flight report.

    Refuses (ConfigError) when an example would train on no answer token or when truncation
    would cut into an answer: training on such data silently teaches the wrong thing.
    """
    import datasets

    rows = [{"id": p.id, "prompt": formatter.prompt(p, tokenizer), "answer": p.output} for p in pairs]

    def encode(row: dict[str, Any]) -> dict[str, Any]:
        tokens = tokenize_pair(row["prompt"], row["answer"], tokenizer, max_length)
        return {"input_ids": tokens.input_ids, "labels": tokens.labels, "length": len(tokens.input_ids),
                "answer_tokens": tokens.answer_tokens, "prompt_cut": tokens.prompt_tokens_cut,
                "answer_cut": tokens.answer_tokens_cut}

    data = datasets.Dataset.from_list(rows).map(encode, remove_columns=["prompt", "answer"])
    empty = [i for i, (n, text) in enumerate(zip(data["answer_tokens"], (r["answer"] for r in rows)))
             if n <= 1 or not text.strip()]  # only EOS left: nothing of the answer is learned
    cut = [i for i, n in enumerate(data["answer_cut"]) if n]
    dropped: list[str] = []
    if drop_unusable and (empty or cut):
        bad = set(empty) | set(cut)
        dropped = [rows[i]["id"] for i in sorted(bad)]
        data = data.select([i for i in range(len(data)) if i not in bad])
        rows = [r for i, r in enumerate(rows) if i not in bad]
        empty, cut = [], []
    if empty:
        raise ConfigError(f"{len(empty)} examples have no answer tokens to train on (e.g. {rows[empty[0]]['id']}); "
                          "remove pairs with empty outputs (pairsmith moderate drops them) or pass --drop-unusable")
    if cut:
        raise ConfigError(f"--max-length {max_length} cuts into the answers of {len(cut)} examples "
                          f"(e.g. {rows[cut[0]]['id']}); raise --max-length, drop long answers first, or pass --drop-unusable")
    if len(data) == 0:
        raise ConfigError("no example is left to train on")
    report = Preflight(len(data), int(sum(data["length"])), int(sum(data["answer_tokens"])),
                       sum(1 for n in data["prompt_cut"] if n), dropped)
    return data.remove_columns(["answer_tokens", "prompt_cut", "answer_cut", "id"]), report


# What a batch hands the model: padded batches (attention_mask) or packed rows (positions and
# example boundaries, see finetune.packing).
MODEL_INPUTS = ("input_ids", "attention_mask", "position_ids", "cu_seq_lens_q", "cu_seq_lens_k",
                "max_length_q", "max_length_k")


def model_inputs(inputs: dict[str, Any]) -> dict[str, Any]:
    """The batch without its labels (pairsmith computes the loss itself, not the model)."""
    return {k: inputs[k] for k in MODEL_INPUTS if k in inputs}


class PadToLongest:
    """Pads a batch to its longest example only (right side; labels with -100): with batches
    grouped by length, almost no compute goes to padding."""

    def __init__(self, pad_token_id: int) -> None:
        self.pad = pad_token_id

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        width = max(len(f["input_ids"]) for f in features)
        ids = [f["input_ids"] + [self.pad] * (width - len(f["input_ids"])) for f in features]
        labels = [f["labels"] + [IGNORE] * (width - len(f["labels"])) for f in features]
        mask = [[1] * len(f["input_ids"]) + [0] * (width - len(f["input_ids"])) for f in features]
        return {"input_ids": torch.tensor(ids), "labels": torch.tensor(labels), "attention_mask": torch.tensor(mask)}

