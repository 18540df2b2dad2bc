"""Packed rows, per-batch checkpointing and the fused SwiGLU MLP: same numbers, less work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from finetune.checkpointing import ActivationBudget, checkpointable_layers, saved_activation_bytes
from finetune.data import PadToLongest
from finetune.formatting import IGNORE, tokenize_pair
from finetune.fused_mlp import fuse_swiglu_mlps, unfuse_swiglu_mlps
from finetune.packing import PACKED_ATTENTION, PackRows, can_pack, packed_attention, packed_attention_for
from finetune.options import TrainOptions
from finetune.train import train
from finetune.trainer import answer_only_loss
from tests.conftest import lamini_slice


@pytest.fixture(scope="module")
def examples(tiny_lm: Path) -> list[dict]:
    tokenizer = AutoTokenizer.from_pretrained(tiny_lm)
    rows = [tokenize_pair(f"### Question:\n{'long ' * (4 * i)}question {i}?\n\n### Answer:\n",
                          f"Answer {i} {'and more ' * i}.", tokenizer, 512) for i in range(4)]
    return [{"input_ids": r.input_ids, "labels": r.labels} for r in rows]


def test_pack_rows_puts_examples_end_to_end(examples: list[dict]) -> None:
    batch = PackRows()(examples)
    lengths = [len(e["input_ids"]) for e in examples]
    assert batch["input_ids"].shape == (1, sum(lengths))
    assert batch["cu_seq_lens_q"].tolist() == [0, *torch.tensor(lengths).cumsum(0).tolist()]
    assert batch["max_length_q"] == max(lengths)
    start = 0
    for example, n in zip(examples, lengths):
        assert batch["position_ids"][0, start : start + n].tolist() == list(range(n))  # restart per example
        assert batch["labels"][0, start].item() == IGNORE  # no example learns the next one's first token
        assert batch["labels"][0, start + 1 : start + n].tolist() == example["labels"][1:]
        start += n


def test_packed_rows_train_exactly_as_padded_batches(tiny_lm: Path, examples: list[dict]) -> None:
    """Loss and every gradient of a packed row equal those of the same examples padded."""
    padded_model = AutoModelForCausalLM.from_pretrained(tiny_lm, attn_implementation="eager")
    packed_model = AutoModelForCausalLM.from_pretrained(tiny_lm, attn_implementation="sdpa")
    assert can_pack(packed_model)
    padded, _ = answer_only_loss(padded_model, PadToLongest(0)(examples))
    with packed_attention_for(packed_model):
        assert packed_model.config._attn_implementation == PACKED_ATTENTION
        packed, _ = answer_only_loss(packed_model, PackRows()(examples))
    assert packed_model.config._attn_implementation == "sdpa"  # restored
    assert torch.allclose(packed, padded, atol=1e-5)
    padded.backward()
    packed.backward()
    for (name, a), (_, b) in zip(padded_model.named_parameters(), packed_model.named_parameters()):
        assert torch.allclose(a.grad, b.grad, atol=1e-5), name


def test_packed_attention_refuses_a_padded_batch() -> None:
    q = torch.randn(2, 4, 5, 8)
    with pytest.raises(ValueError, match="packed rows"):
        packed_attention(None, q, q, q, torch.ones(2, 1, 5, 5, dtype=torch.bool))


def test_the_fused_swiglu_mlp_gives_the_same_gradients(tiny_lm: Path, examples: list[dict]) -> None:
    plain = AutoModelForCausalLM.from_pretrained(tiny_lm)
    fused = AutoModelForCausalLM.from_pretrained(tiny_lm)
    assert fuse_swiglu_mlps(fused) == len(checkpointable_layers(fused)) == 2
    batch = PadToLongest(0)(examples)
    a, _ = answer_only_loss(plain, batch)
    b, _ = answer_only_loss(fused, batch)
    a.backward()
    b.backward()
    assert torch.allclose(a, b, atol=1e-6)
    for (name, p), (_, q) in zip(plain.named_parameters(), fused.named_parameters()):
        assert torch.allclose(p.grad, q.grad, atol=1e-6), name
    # It keeps less for the backward, and unfusing hands back the module's own forward.
    assert saved_activation_bytes(fused, batch) < saved_activation_bytes(plain, batch)
    unfuse_swiglu_mlps(fused)
    assert all("forward" not in vars(m) for m in fused.modules())


def test_the_activation_budget_checkpoints_only_batches_that_need_it(tiny_lm: Path, examples: list[dict]) -> None:
    model = AutoModelForCausalLM.from_pretrained(tiny_lm)
    if hasattr(model, "activation_checkpointing_enable"):  # transformers 5.x's name
        model.activation_checkpointing_enable({"use_reentrant": False})
    else:
        model.gradient_checkpointing_enable({"use_reentrant": False})
    model.train()
    short = PackRows()(examples[:1])
    long = PackRows()(examples * 8)
    budget = ActivationBudget(0)
    probe = budget.measure(model, short)
    assert probe > 0
    layers = checkpointable_layers(model)
    roomy = ActivationBudget(int(probe * short["input_ids"].numel() * len(layers) * 1.5))
    assert roomy.apply(model, short) == 0 and not any(layer.gradient_checkpointing for layer in layers)
    checkpointed = roomy.apply(model, long)
    assert 0 < checkpointed <= len(layers)
    assert [layer.gradient_checkpointing for layer in layers] == [i < checkpointed for i in range(len(layers))]
    assert budget.apply(model, short) == len(layers)  # a budget of 0 checkpoints every layer
    # Whatever is checkpointed, the gradients are the same.
    grads = []
    for plan in (ActivationBudget(0), ActivationBudget(1 << 40)):
        model.zero_grad()
        plan.apply(model, long)
        loss, _ = answer_only_loss(model, long)
        loss.backward()
        grads.append([p.grad.clone() for p in model.parameters()])
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(*grads))


def test_training_packs_and_saves_a_model_with_standard_attention(tiny_lm: Path, tmp_path: Path, caplog) -> None:
    data = tmp_path / "lamini.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in lamini_slice(24)), encoding="utf-8")
    with caplog.at_level("INFO"):
        record = train(TrainOptions(data=str(data), out=str(tmp_path / "run"), model=str(tiny_lm),
                                    template="course_qa", max_steps=4, lr=3e-3, batch_size=4, eval_steps=2,
                                    max_length=2048, optim="adafactor", device="cpu", activation_memory_mb=0.01))
    assert "examples packed end to end" in caplog.text and "layers beyond" in caplog.text
    assert record["eval_loss"] is not None and record["steps"] == 4
    saved = json.loads((tmp_path / "run" / "model" / "config.json").read_text())
    assert PACKED_ATTENTION not in json.dumps(saved)
    reloaded = AutoModelForCausalLM.from_pretrained(tmp_path / "run" / "model")  # loads with a standard kernel
    assert reloaded.config._attn_implementation in ("sdpa", "eager")
    assert all("forward" not in vars(m) for m in reloaded.modules())


def test_no_packing_trains_on_padded_batches(tiny_lm: Path, tmp_path: Path, caplog) -> None:
    data = tmp_path / "lamini.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in lamini_slice(12)), encoding="utf-8")
    with caplog.at_level("INFO"):
        record = train(TrainOptions(data=str(data), out=str(tmp_path / "run"), model=str(tiny_lm),
                                    template="course_qa", max_steps=2, lr=3e-3, batch_size=4, eval_split=0.0,
                                    max_length=2048, device="cpu", packing=False, activation_memory_mb=0))
    assert "padded to the longest" in caplog.text and "checkpointing: every layer" in caplog.text
    assert record["steps"] == 2 and record["train_loss"] > 0
