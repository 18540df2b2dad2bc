"""A Trainer whose loss covers answer tokens only and never holds all the logits at once.

The model runs its ordinary forward (so DDP under `torchrun` / `accelerate launch` is
unchanged) with `logits_to_keep=1`; a forward hook takes the decoder's final hidden states,
the answer positions are gathered, and the vocabulary projection plus cross-entropy run
chunk by chunk (`fused_loss`). Prompt and padding positions cost no vocabulary projection,
and memory holds one chunk of logits instead of batch x length x vocabulary.
"""

from __future__ import annotations

from contextlib import contextmanager, nullcontext
from typing import Any, Iterator

import torch
from transformers import Trainer, TrainerCallback
from transformers.optimization import Adafactor

from finetune.adafactor import LeanAdafactor
from finetune.checkpointing import ActivationBudget
from finetune.data import model_inputs
from finetune.formatting import IGNORE
from finetune.fused_loss import linear_cross_entropy_sum
from finetune.fused_mlp import fuse_swiglu_mlps, unfuse_swiglu_mlps
from finetune.packing import PackRows, packed_attention_for


def _unwrap(model: Any) -> Any:
    while hasattr(model, "module"):  # DDP and similar wrappers
        model = model.module
    return model


def answer_only_loss(model: Any, inputs: dict[str, torch.Tensor], num_items: Any = None) -> tuple[torch.Tensor, Any]:
    """Mean (or sum / num_items) cross-entropy over answer tokens; (loss, model outputs)."""
    inner = _unwrap(model)
    decoder, head = inner.get_decoder(), inner.get_output_embeddings()
    captured: dict[str, torch.Tensor] = {}

    def keep(_module: Any, _args: Any, output: Any) -> None:
        captured["hidden"] = output[0] if isinstance(output, tuple) else output.last_hidden_state

    handle = decoder.register_forward_hook(keep)
    try:
        outputs = model(**model_inputs(inputs), logits_to_keep=1, use_cache=False)
    finally:
        handle.remove()
    labels = inputs["labels"]
    hidden = captured["hidden"][:, :-1, :]  # position t predicts token t + 1
    targets = labels[:, 1:].to(hidden.device)
    mask = targets != IGNORE
    dtype = torch.get_autocast_dtype(hidden.device.type) if torch.is_autocast_enabled(hidden.device.type) \
        else hidden.dtype  # the projection runs in the compute dtype; logits and the loss in fp32
    if getattr(head, "bias", None) is None:
        total = linear_cross_entropy_sum(hidden[mask], head.weight, targets[mask], dtype=dtype)
    else:  # a biased head (rare in causal LMs): the plain projection
        total = torch.nn.functional.cross_entropy(head(hidden[mask]).float(), targets[mask], reduction="sum")
    count = num_items if num_items is not None else mask.sum()
    return total / torch.as_tensor(count, device=total.device).clamp(min=1), outputs


# On CPUs, eager attention (batched matmuls) trains faster than the CPU SDPA kernels below this
# many positions per row (measured on SmolLM2-135M: 5-9% per step at 64-192, slower from 256 on).
EAGER_ATTENTION_MAX_LENGTH = 224


def attention_for_length(model: Any, length: int, eager_below: int) -> None:
    """Switch the model between eager and SDPA attention by the batch's row length."""
    inner = _unwrap(model)
    current = getattr(inner.config, "_attn_implementation", None)
    if current not in ("eager", "sdpa") or not inner._can_set_attn_implementation():
        return  # flash-attention kernels and custom layers are left as chosen
    wanted = "eager" if length <= eager_below else "sdpa"
    if wanted != current:
        inner.set_attn_implementation(wanted)


class AnswerOnlyTrainer(Trainer):
    """Trainer with `answer_only_loss`; `optim="adafactor"` builds `LeanAdafactor` (same update, faster)."""

    @staticmethod
    def get_optimizer_cls_and_kwargs(args: Any, model: Any = None) -> tuple[Any, Any]:
        """The Trainer's choice, with transformers' Adafactor swapped for `LeanAdafactor`."""
        cls, kwargs = Trainer.get_optimizer_cls_and_kwargs(args, model)
        return (LeanAdafactor if cls is Adafactor else cls), kwargs

    def __init__(self, *args: Any, eager_attention_below: int = 0, activation_budget: ActivationBudget | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.eager_attention_below = eager_attention_below  # 0: keep the model's attention
        self.activation_budget = activation_budget  # None: checkpoint as the model is set (all or none)

    def train(self, *args: Any, **kwargs: Any) -> Any:
        """Trainer.train with packed attention (for packed rows) and fused SwiGLU MLPs while it runs."""
        with self._training_kernels():
            return super().train(*args, **kwargs)

    def evaluate(self, *args: Any, **kwargs: Any) -> Any:
        with self._training_kernels():
            return super().evaluate(*args, **kwargs)

    @contextmanager
    def _training_kernels(self) -> Iterator[None]:
        """Swap in the training-only forwards; the model is handed back (and saved) with its own."""
        packed = isinstance(self.data_collator, PackRows)
        with packed_attention_for(self.model) if packed else nullcontext():
            fused = fuse_swiglu_mlps(self.model)
            try:
                yield
            finally:
                if fused:
                    unfuse_swiglu_mlps(self.model)

    def _clip_grad_norm(self, model: Any) -> Any:
        """With LeanAdafactor in one process or plain DDP, clip inside the optimizer's step."""
        from accelerate.utils import DistributedType

        inner = getattr(self.optimizer, "optimizer", self.optimizer)
        plain = self.accelerator.distributed_type in (DistributedType.NO, DistributedType.MULTI_CPU,
                                                      DistributedType.MULTI_GPU)
        if isinstance(inner, LeanAdafactor) and plain and not self.args.fp16:
            return inner.clip_grad_norm_(self.args.max_grad_norm)
        return super()._clip_grad_norm(model)

    def compute_loss(self, model: Any, inputs: dict[str, torch.Tensor], return_outputs: bool = False,
                     num_items_in_batch: Any = None) -> Any:
        if self.activation_budget is not None and model.training and torch.is_grad_enabled():
            self.activation_budget.apply(model, inputs)
        if self.eager_attention_below and "attention_mask" in inputs:
            attention_for_length(model, inputs["input_ids"].shape[1], self.eager_attention_below)
        loss, outputs = answer_only_loss(model, inputs, num_items_in_batch)
        return (loss, outputs) if return_outputs else loss


class ReturnFreedMemory(TrainerCallback):
    """On Linux CPUs, hand freed heap memory back to the system after each step.

    Batches of varying length leave glibc's heap fragmented, and the process keeps pages it
    no longer uses; `malloc_trim` returns them, so peak memory tracks what training needs.
    """

    def __init__(self) -> None:
        import ctypes
        import ctypes.util

        name = ctypes.util.find_library("c")
        self._libc = ctypes.CDLL(name) if name else None

    @property
    def available(self) -> bool:
        return self._libc is not None and hasattr(self._libc, "malloc_trim")

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.available:
            self._libc.malloc_trim(0)
