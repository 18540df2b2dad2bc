"""How well a small causal LM predicts an answer with and without its question: the
instruction-following difficulty (IFD) of Li et al., "From Quantity to Quality" (2024), scored as
Superfiltering does with a small model. IFD = loss(answer | question) / loss(answer); near or
above 1, the question does not help predict the answer.

Losses are mean negative log-likelihoods over the answer's tokens, computed in length-sorted
batches (one forward pass per batch, no generation) and cached per model, question and answer.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from pairsmith.core.models import aliases as models
from pairsmith.core.models.kv_cache import KVCache
from pairsmith.core.models.tokens import bos_ids, text_ids


def question_prompt(tokenizer: Any, question: str) -> str:
    """The question as the scoring model expects a user turn: its chat template, else plain text."""
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template([{"role": "user", "content": question}], tokenize=False,
                                             add_generation_prompt=True)
    return f"Question: {question}\nAnswer: "


class AnswerScorer:
    """Answer losses with and without the question, for one causal LM (alias, hub id or path)."""

    def __init__(self, name: str = models.DEFAULT_CAUSAL_LM, batch_size: int = 16, max_tokens: int = 256,
                 device: str | None = None, cache: bool = True) -> None:
        self.name = name
        self.batch_size = max(1, batch_size)
        self.max_tokens = max_tokens
        self.device = device
        self._loaded: tuple[Any, Any, str] | None = None
        self.computed = 0
        path = models.cache_dir() / "answer_loss" / f"{_hash(str(Path(name)))[:16]}.sqlite" if cache else None
        self._store = KVCache(path, table="answer_loss")

    def _model(self) -> tuple[Any, Any, str]:
        if self._loaded is None:
            from pairsmith.core.models.causal_lm import load_causal_lm

            self._loaded = load_causal_lm(self.name, self.device)
        return self._loaded

    def ifd(self, questions: list[str], answers: list[str]) -> np.ndarray:
        """(n, 3): IFD ratio, loss with the question, loss without it, per pair."""
        keys = [_hash(json.dumps([self.max_tokens, q, a])) for q, a in zip(questions, answers)]
        found = {k: json.loads(v) for k, v in self._store.get_many(list(dict.fromkeys(keys))).items()}
        todo = {k: (q, a) for k, q, a in zip(keys, questions, answers) if k not in found}
        if todo:
            pending = list(todo.items())
            with_q = self._losses([(q, a) for _, (q, a) in pending])
            without = self._losses([(None, a) for _, (_, a) in pending])
            for (key, _), conditioned, alone in zip(pending, with_q, without):
                found[key] = [conditioned / alone if alone > 0 else 1.0, conditioned, alone]
            self._store.put_many((k, json.dumps(found[k]).encode()) for k, _ in pending)
            self.computed += len(pending)
        return np.array([found[k] for k in keys], dtype=np.float64).reshape(len(keys), 3)

    def _losses(self, pairs: list[tuple[str | None, str]]) -> list[float]:
        """Mean NLL of each answer's tokens after its question (None: after BOS only)."""
        import torch

        model, tokenizer, device = self._model()
        rows = []
        for question, answer in pairs:
            prefix = (bos_ids(tokenizer) + text_ids(tokenizer, question_prompt(tokenizer, question))
                      if question is not None else bos_ids(tokenizer))
            target = text_ids(tokenizer, answer)[: self.max_tokens] or [tokenizer.eos_token_id]
            if not prefix:  # the first token has nothing to be predicted from: score the rest
                prefix, target = target[:1], target[1:] or target[:1]
            rows.append((prefix[-self.max_tokens:], target))
        order = sorted(range(len(rows)), key=lambda i: len(rows[i][0]) + len(rows[i][1]))
        losses = [0.0] * len(rows)
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            width = max(len(rows[i][0]) + len(rows[i][1]) for i in batch)
            ids = torch.full((len(batch), width), pad, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            labels = torch.full((len(batch), width), -100, dtype=torch.long)
            for row, i in enumerate(batch):  # right padding: positions stay as in an unpadded run
                prefix, target = rows[i]
                sequence = prefix + target
                ids[row, : len(sequence)] = torch.tensor(sequence)
                mask[row, : len(sequence)] = 1
                labels[row, len(prefix) : len(sequence)] = torch.tensor(target)
            with torch.inference_mode():
                logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits.float()
            shifted = logits[:, :-1].transpose(1, 2)
            targets = labels[:, 1:].to(device)
            token_loss = torch.nn.functional.cross_entropy(shifted, targets, ignore_index=-100, reduction="none")
            counted = (targets != -100).sum(dim=1).clamp(min=1)
            for row, i in enumerate(batch):
                losses[i] = float(token_loss[row].sum() / counted[row])
        return losses

    def close(self) -> None:
        self._store.close()


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()
