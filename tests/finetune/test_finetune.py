"""Fine-tuning on a tiny model built from a config: masks, truncation, split, training, eval."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from transformers import AutoTokenizer

from finetune.data import build_dataset
from finetune.options import EvalOptions
from finetune.evaluate import evaluate
from finetune.formatting import IGNORE, Formatter, tokenize_pair
from finetune.split import split_pairs
from finetune.stats import bootstrap_delta, elo
from finetune.options import TrainOptions
from finetune.train import train
from pairsmith.core.errors import ConfigError
from pairsmith.core.formats import load_pairs
from pairsmith.core.records import Pair
from tests.conftest import LAMINI, lamini_slice
from tests.openai_server import OpenAIStub


@pytest.fixture(scope="module")
def tokenizer(tiny_lm: Path):
    return AutoTokenizer.from_pretrained(tiny_lm)


def test_labels_cover_exactly_the_answer(tokenizer) -> None:
    prompt, answer = "### Question:\nHow do I install it?\n\n### Answer:\n", "Run pip install pairsmith."
    tokens = tokenize_pair(prompt, answer, tokenizer, max_length=512)
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    answer_ids = tokenizer(answer, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    assert tokens.input_ids == prompt_ids + answer_ids
    assert tokens.labels == [IGNORE] * len(prompt_ids) + answer_ids
    assert tokens.answer_tokens == len(answer_ids) and tokens.prompt_tokens_cut == 0


def test_left_truncation_keeps_the_answer(tokenizer) -> None:
    prompt = "Context: " + "the cache keeps work " * 60 + "\nQuestion: what does it keep?\nAnswer: "
    answer = "Finished units of work."
    full = tokenize_pair(prompt, answer, tokenizer, max_length=4096)
    short = tokenize_pair(prompt, answer, tokenizer, max_length=40)
    assert len(short.input_ids) == 40 and short.prompt_tokens_cut > 0 and short.answer_tokens_cut == 0
    assert [l for l in short.labels if l != IGNORE] == [l for l in full.labels if l != IGNORE]
    assert short.input_ids[-short.answer_tokens:] == full.input_ids[-full.answer_tokens:]
    assert short.input_ids[: -short.answer_tokens] == full.input_ids[-40 : -full.answer_tokens]  # the prompt's end


def test_preflight_refuses_empty_answers_and_cut_answers(tokenizer) -> None:
    formatter = Formatter("course_qa")
    with pytest.raises(ConfigError, match="no answer tokens"):
        build_dataset([Pair(instruction="Q?", output="  ")], tokenizer, formatter, 512)
    long_answer = Pair(instruction="Q?", output="word " * 400)
    with pytest.raises(ConfigError, match="--max-length 64 cuts into the answers of 1 examples"):
        build_dataset([long_answer], tokenizer, formatter, 64)
    kept, report = build_dataset([Pair(instruction="Q?", output="  "), long_answer,
                                  Pair(instruction="Q?", output="Fine.")], tokenizer, formatter, 64, drop_unusable=True)
    assert len(kept) == 1 and report.dropped == [Pair(instruction="Q?", output="  ").id, long_answer.id]
    data, report = build_dataset([Pair(instruction="Q?", output="An answer.")], tokenizer, formatter, 512)
    assert report.examples == 1 and 0 < report.answer_tokens < report.total_tokens
    assert set(data.column_names) == {"input_ids", "labels", "length"}


@pytest.mark.parametrize("template", ["alpaca", "course_qa", "chat"])
@pytest.mark.parametrize("with_bos", [False, True])
def test_evaluation_sees_the_token_ids_training_trained_on(tiny_lm: Path, template: str, with_bos: bool) -> None:
    from pairsmith.core.backends.base import Request
    from pairsmith.core.backends.hf import HFBackend
    from pairsmith.core.models import load_causal_lm

    model, tok, device = load_causal_lm(str(tiny_lm), "cpu")
    if with_bos:  # the Llama-2 style tokenizers prepend a BOS: both sides must agree
        tok.bos_token, tok.add_bos_token = tok.eos_token, True
    backend = HFBackend(str(tiny_lm), constrain=False, loaded=(model, tok, device))
    pairs = [Pair(instruction="How do I install it?", output="Run pip install pairsmith."),
             Pair(instruction="Summarise this.", input="The cache keeps finished work.", output="It caches.")]
    for pair in pairs:
        prompt = Formatter(template).prompt(pair, tok)
        example = tokenize_pair(prompt, pair.output, tok, 2048)
        trained_prompt = [i for i, label in zip(example.input_ids, example.labels) if label == IGNORE]
        evaluated = backend.encode([Request.formatted(prompt)])["input_ids"][0].tolist()
        assert evaluated == trained_prompt
        assert (evaluated[0] == tok.bos_token_id) == with_bos


def test_templates(tokenizer) -> None:
    pair = Pair(instruction="Translate", input="bonjour", output="hello")
    assert Formatter("alpaca").prompt(pair, tokenizer).startswith("Below is an instruction that describes a task, paired")
    assert "### Input:\nbonjour" in Formatter("alpaca").prompt(pair, tokenizer)
    plain = Pair(instruction="What is it?", output="A tool.")
    assert Formatter("course_qa").prompt(plain, tokenizer) == "### Question:\nWhat is it?\n\n### Answer:\n"
    assert Formatter("chat").prompt(plain, tokenizer).endswith("<|assistant|>")
    with pytest.raises(ConfigError, match="may only use"):
        Formatter("qa_from_chunk").prompt(plain, tokenizer)


def test_split_by_source_has_no_leakage() -> None:
    pairs = [Pair(instruction=f"Q{i} about doc {i % 10}?", output=f"A{i}.", source={"path": f"docs/{i % 10}.md"})
             for i in range(100)]
    split = split_pairs(pairs, 0.2, seed=1)
    train_docs = {p.source["path"] for p in split.train}
    test_docs = {p.source["path"] for p in split.test}
    assert split.by == "source" and not train_docs & test_docs
    assert 15 <= len(split.test) <= 30 and len(split.train) + len(split.test) == 100


def test_random_split_matches_the_course() -> None:
    import datasets

    pairs = load_pairs(LAMINI)
    split = split_pairs(pairs, 0.1, seed=123)
    test_size = math.ceil(0.1 * len(pairs))  # how datasets (and sklearn) size a fractional test split
    assert (len(split.train), len(split.test), split.by) == (len(pairs) - test_size, test_size, "random")
    course = datasets.load_dataset("json", data_files=str(LAMINI), split="train").train_test_split(
        test_size=0.1, shuffle=True, seed=123)
    assert sorted(p.output for p in split.test) == sorted(course["test"]["answer"])


def write_lamini(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "lamini.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in lamini_slice(n)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trained(tiny_lm: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("run")
    data = write_lamini(folder, 48)
    train(TrainOptions(data=str(data), out=str(folder / "run"), model=str(tiny_lm), template="course_qa",
                       max_steps=24, lr=3e-3, batch_size=8, eval_steps=12, logging_steps=4, max_length=2048))
    return folder / "run"


def test_loss_falls_and_the_run_is_saved(trained: Path) -> None:
    history = json.loads((trained / "log_history.json").read_text())
    losses = [h["loss"] for h in history if "loss" in h]
    assert len(losses) >= 4 and losses[-1] < losses[0]
    record = json.loads((trained / "run.json").read_text())
    assert record["steps"] == 24 and record["split"]["test"] > 0 and record["template"] == "course_qa@1"
    assert record["flops_per_step"] > 0 and record["memory_footprint_gb"] > 0
    assert record["eval_loss"] is not None and record["best_checkpoint"]
    assert (trained / "model" / "config.json").exists() and (trained / "loss_curve.png").read_bytes()[:4] == b"\x89PNG"
    split = json.loads((trained / "split.json").read_text())
    assert len(split["test"]) == len((trained / "test.jsonl").read_text().splitlines())


def test_resume_continues_from_the_last_checkpoint(tiny_lm: Path, tmp_path: Path) -> None:
    data = write_lamini(tmp_path, 24)
    common = dict(data=str(data), out=str(tmp_path / "run"), model=str(tiny_lm), template="course_qa", lr=1e-3,
                  batch_size=8, eval_steps=4, max_length=2048, load_best=False)
    first = train(TrainOptions(max_steps=4, **common))
    again = train(TrainOptions(max_steps=4, **common))  # finished already: nothing to do
    assert again["steps"] == 4 and again["train_loss"] == first["train_loss"]
    record = train(TrainOptions(max_steps=8, **common))
    history = json.loads((tmp_path / "run" / "log_history.json").read_text())
    assert record["steps"] == 8
    assert min(h["step"] for h in history if "loss" in h or "eval_loss" in h) <= 4  # history carried over


def test_lora_trains_and_saves_merged_weights(tiny_lm: Path, tmp_path: Path) -> None:
    data = write_lamini(tmp_path, 16)
    record = train(TrainOptions(data=str(data), out=str(tmp_path / "run"), model=str(tiny_lm), lora=True,
                                max_steps=3, batch_size=4, eval_split=0.0, max_length=2048, lr=1e-3))
    assert record["steps"] == 3 and record["options"]["lora"]
    assert (tmp_path / "run" / "model" / "config.json").exists()
    assert not (tmp_path / "run" / "model" / "adapter_config.json").exists()  # merged


def test_a_twin_of_a_dropped_pair_is_trained_on() -> None:
    from finetune.train import trainable

    twin = Pair(instruction="What is it?", output="A tool.")
    dropped = Pair(instruction="What is it?", output="A tool.", moderation={"decision": "drop", "reasons": ["x"]})
    waiting = Pair(instruction="Why?", output="Because.", moderation={"decision": "review", "reasons": ["y"]})
    kept, pending, dropped_count = trainable([dropped, twin, waiting])
    assert kept == [twin] and kept[0].moderation is None and (pending, dropped_count) == (1, 1)


def test_trainer_skips_pairs_waiting_for_review(tiny_lm: Path, tmp_path: Path, caplog) -> None:
    pairs = [Pair(instruction=f"Question {i}?", output=f"Answer {i}.") for i in range(6)]
    pairs[0].moderation = {"decision": "review", "reasons": ["x"]}
    from pairsmith.core.formats import write_pairs

    write_pairs(pairs, tmp_path / "c.jsonl", "jsonl")
    with caplog.at_level("INFO", logger="pairsmith"):
        record = train(TrainOptions(data=str(tmp_path / "c.jsonl"), out=str(tmp_path / "run"), model=str(tiny_lm),
                                    max_steps=1, eval_split=0.0, max_length=512))
    assert record["split"]["train"] == 5 and "skipping 1 pairs still waiting for review" in caplog.text


def test_evaluation_report_end_to_end(trained: Path, tiny_embedder: Path, tmp_path: Path) -> None:
    report = evaluate(EvalOptions(runs=[str(trained)], out=str(tmp_path / "eval"), embedder=str(tiny_embedder),
                                  max_new_tokens=12))
    metrics = {row["metric"] for row in report["headline"]}
    assert metrics == {"exact_match", "rouge_l", "bleu", "embedding_similarity"}
    for row in report["headline"]:
        assert row["ci_low"] <= row["delta"] <= row["ci_high"]
    deltas = [e["rouge_l_delta"] for e in report["examples"]]
    assert deltas == sorted(deltas) and len(deltas) == report["examples_evaluated"]
    assert set(report["examples"][0]["answers"]) == {"base", "tuned"}
    html = (tmp_path / "eval" / "report.html").read_text()
    assert "<table>" in html and "data:image/png;base64" in html and "worst regressions first" in html
    assert "| tuned | rouge_l |" in (tmp_path / "eval" / "report.md").read_text()
    assert "harness" not in report


@pytest.mark.slow  # two lm_eval subprocesses: what they check, lm_eval's own run, the default suite cannot
def test_the_harness_runs_lm_eval_on_both_models(trained: Path, tiny_embedder: Path, tmp_path: Path) -> None:
    report = evaluate(EvalOptions(runs=[str(trained)], out=str(tmp_path / "eval"), embedder=str(tiny_embedder),
                                  max_new_tokens=12, harness=True))
    task = (tmp_path / "eval" / "harness" / "pairsmith_heldout.yaml").read_text()
    assert "task: pairsmith_heldout" in task and "doc_to_text" in task
    assert len((tmp_path / "eval" / "harness" / "heldout.jsonl").read_text().splitlines()) == report["examples_evaluated"]
    # lm_eval (the test extra installs it) ran offline on both models; metrics from its own files.
    assert report["harness"]["ran"], report["harness"]["message"]
    assert set(report["harness"]["results"]) == {"base", "tuned"}
    assert {"exact_match", "bleu"} <= set(report["harness"]["results"]["tuned"])
    assert list((tmp_path / "eval" / "harness" / "results" / "tuned").rglob("results_*.json"))


def test_harness_without_lm_eval_prints_the_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from finetune import harness

    monkeypatch.setattr(harness.importlib.util, "find_spec", lambda name: None)
    outcome = harness.run_harness(tmp_path, {"base": "base-model", "tuned": "runs/x/model"})
    assert not outcome["ran"] and "pip install lm-eval" in outcome["message"]
    assert "pretrained=base-model" in outcome["message"] and "pretrained=runs/x/model" in outcome["message"]


def test_judge_in_both_orders_and_elo(trained: Path, tiny_embedder: Path, tmp_path: Path) -> None:
    def judge(body: dict) -> str:
        prompt = body["messages"][-1]["content"]
        a = prompt.split("Answer A: ")[1].split("\n\nAnswer B: ")[0]
        b = prompt.split("Answer B: ")[1].split("\n\nWhich answer")[0]
        return json.dumps({"winner": "A" if len(a) >= len(b) else "B", "reason": "longer"})

    with OpenAIStub(responder=judge) as server:
        report = evaluate(EvalOptions(runs=[str(trained), str(trained)], out=str(tmp_path / "eval"),
                                      embedder=str(tiny_embedder), max_new_tokens=8, judge_url=server.base_url,
                                      limit=3))
        # base, run, run-2: three pairings, three questions, two orders each
        assert len(server.requests) == 2 * 3 * 3
    assert set(report["models"]) == {"base", "run", "run-2"}
    assert report["judge"]["run vs base"]["judged"] == 3 and 0.0 <= report["judge"]["run vs base"]["win_rate"] <= 1.0
    # The same model twice ties with itself in both orders.
    assert report["judge"]["run-2 vs run"]["win_rate"] == 0.5
    assert set(report["judge"]["elo"]) == {"base", "run", "run-2"}


def test_a_failing_judge_keeps_the_answers_and_the_report(trained: Path, tiny_embedder: Path, tmp_path: Path) -> None:
    from pairsmith.core.errors import BackendError
    from tests.openai_server import Reply

    out = tmp_path / "eval"
    with OpenAIStub() as server:
        server.script.extend(Reply(status=401) for _ in range(4))
        with pytest.raises(BackendError, match="report without the judge is saved"):
            evaluate(EvalOptions(runs=[str(trained)], out=str(out), embedder=str(tiny_embedder), max_new_tokens=8,
                                 judge_url=server.base_url, judge_key="sk-test", limit=3))
        assert server.requests and server.headers[0]["authorization"] == "Bearer sk-test"
    saved = json.loads((out / "eval.json").read_text())
    assert saved["examples_evaluated"] == 3 and saved["judge"] == {}
    assert all(set(e["answers"]) == {"base", "tuned"} for e in saved["examples"])
    assert (out / "report.md").exists() and (out / "report.html").exists()


def test_bootstrap_and_elo() -> None:
    mean, low, high = bootstrap_delta([0.1] * 50, [0.3] * 50)
    assert mean == pytest.approx(0.2) and low == pytest.approx(0.2) and high == pytest.approx(0.2)
    mean, low, high = bootstrap_delta([0.0, 1.0] * 30, [1.0, 0.0] * 30)
    assert low < 0 < high
    ratings = elo([("a", "b", 1.0)] * 20 + [("b", "c", 1.0)] * 20)
    assert ratings["a"] > ratings["b"] > ratings["c"]


def test_eval_needs_a_run(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a training run"):
        evaluate(EvalOptions(runs=[str(tmp_path)], out=str(tmp_path / "e")))


def test_answer_only_loss_equals_the_full_forward(tiny_lm: Path, tokenizer) -> None:
    """Chunked answer-only loss and its gradients equal transformers' own loss on the batch."""
    import torch
    from transformers import AutoModelForCausalLM

    from finetune.data import PadToLongest
    from finetune.trainer import answer_only_loss

    examples = [tokenize_pair(f"### Question:\n{'long ' * (5 * i)}question {i}?\n\n### Answer:\n", f"Answer {i}.",
                              tokenizer, 512) for i in range(4)]
    batch = PadToLongest(tokenizer.pad_token_id)([{"input_ids": e.input_ids, "labels": e.labels} for e in examples])
    ours_model = AutoModelForCausalLM.from_pretrained(tiny_lm)
    reference_model = AutoModelForCausalLM.from_pretrained(tiny_lm)
    ours, _ = answer_only_loss(ours_model, batch)
    reference = reference_model(**batch).loss  # shifted cross-entropy over all labelled positions
    assert torch.allclose(ours, reference, atol=1e-5)
    ours.backward()
    reference.backward()
    for (name, a), (_, b) in zip(ours_model.named_parameters(), reference_model.named_parameters()):
        assert torch.allclose(a.grad, b.grad, atol=1e-5), name


def test_chunked_cross_entropy_matches_the_plain_one() -> None:
    import torch

    from finetune.fused_loss import linear_cross_entropy_sum

    torch.manual_seed(0)
    hidden = torch.randn(37, 16, requires_grad=True)
    weight = torch.randn(50, 16, requires_grad=True)
    targets = torch.randint(0, 50, (37,))
    ours = linear_cross_entropy_sum(hidden, weight, targets, chunk=8)
    ours.backward()
    grads = hidden.grad.clone(), weight.grad.clone()
    hidden.grad, weight.grad = None, None
    plain = torch.nn.functional.cross_entropy(hidden @ weight.T, targets, reduction="sum")
    plain.backward()
    assert torch.allclose(ours, plain, atol=1e-4)
    assert torch.allclose(grads[0], hidden.grad, atol=1e-4) and torch.allclose(grads[1], weight.grad, atol=1e-4)


@pytest.mark.parametrize("settings", [
    dict(lr=1e-3, scale_parameter=False, relative_step=False),  # what the Trainer's optim="adafactor" builds
    dict(lr=None),  # relative step sizes, parameter scaling
    dict(lr=None, warmup_init=True),
    dict(lr=1e-3, scale_parameter=True, relative_step=False, beta1=0.9, weight_decay=0.01),
])
@pytest.mark.parametrize("chunk", [1 << 20, 10])  # whole matrices, or slices of two rows
@pytest.mark.parametrize("clip", [None, 0.5])  # gradient clipping: torch's on theirs, folded into our step
def test_lean_adafactor_makes_the_same_updates_as_transformers(settings: dict, chunk: int, clip: float | None,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import torch
    from transformers.optimization import Adafactor

    from finetune.adafactor import LeanAdafactor

    monkeypatch.setattr(LeanAdafactor, "CHUNK", chunk)
    torch.manual_seed(0)
    shapes = [(7, 5), (5,), (2, 3, 4), (9, 6)]  # factored, unfactored, factored with a leading dimension
    start = [torch.randn(s) for s in shapes]
    theirs = [p.clone().requires_grad_() for p in start]
    ours = [p.clone().requires_grad_() for p in start]
    reference, lean = Adafactor(theirs, **settings), LeanAdafactor(ours, **settings)
    for _ in range(6):
        for a, b in zip(theirs, ours):
            a.grad = torch.randn_like(a)
            b.grad = a.grad.clone()
        if clip is not None:
            norm = torch.nn.utils.clip_grad_norm_(theirs, clip)
            assert norm > clip and torch.allclose(lean.clip_grad_norm_(clip), norm)  # clipping is active
        reference.step()
        lean.step()
    for a, b, s in zip(theirs, ours, start):
        assert not torch.equal(a, s)  # the parameters moved
        assert torch.allclose(a, b, rtol=1e-5, atol=1e-6)
    for key, value in reference.state[theirs[0]].items():
        if key.startswith("exp_avg"):  # the moment estimates (RMS is only kept where it is used)
            assert torch.allclose(value, lean.state[ours[0]][key], rtol=1e-5)


def test_the_trainer_builds_lean_adafactor_for_optim_adafactor(tmp_path: Path) -> None:
    from transformers import TrainingArguments

    from finetune.adafactor import LeanAdafactor
    from finetune.trainer import AnswerOnlyTrainer

    args = TrainingArguments(output_dir=str(tmp_path), optim="adafactor", report_to="none", use_cpu=True)
    cls, kwargs = AnswerOnlyTrainer.get_optimizer_cls_and_kwargs(args)
    assert cls is LeanAdafactor and kwargs["relative_step"] is False and kwargs["scale_parameter"] is False
    args = TrainingArguments(output_dir=str(tmp_path), optim="adamw_torch", report_to="none", use_cpu=True)
    assert AnswerOnlyTrainer.get_optimizer_cls_and_kwargs(args)[0] is not LeanAdafactor


def test_lean_adafactor_keeps_fp32_masters_for_bf16_weights() -> None:
    """Updates far below bf16's precision accumulate in the master instead of rounding away."""
    import torch

    from finetune.adafactor import LeanAdafactor

    torch.manual_seed(0)
    weight = torch.nn.Parameter(torch.full((8, 8), 0.5, dtype=torch.bfloat16))
    optimizer = LeanAdafactor([weight], lr=1e-4, scale_parameter=False, relative_step=False)
    for _ in range(40):
        weight.grad = torch.ones_like(weight)
        optimizer.step()
    master = optimizer.state[weight]["master"]
    assert master.dtype == torch.float32
    assert torch.allclose(master, torch.full((8, 8), 0.5 - 40 * 1e-4), atol=1e-6)  # each step moved it by lr
    assert torch.equal(weight.detach(), master.to(torch.bfloat16))  # the weight is the master, rounded
    # Saved and loaded (as Trainer checkpoints do), the master stays fp32 and exact.
    again = LeanAdafactor([weight], lr=1e-4, scale_parameter=False, relative_step=False)
    again.load_state_dict(optimizer.state_dict())
    assert again.state[weight]["master"].dtype == torch.float32 and torch.equal(again.state[weight]["master"], master)


def test_cpu_training_with_bf16_weights_and_adafactor(tiny_lm: Path, tmp_path: Path) -> None:
    """--optim adafactor --precision bf16 on the CPU: bf16 weights, fp32 masters; loss falls; resume."""
    data = write_lamini(tmp_path, 32)
    common = dict(data=str(data), out=str(tmp_path / "run"), model=str(tiny_lm), template="course_qa", lr=3e-3,
                  batch_size=8, eval_steps=6, logging_steps=2, max_length=2048, optim="adafactor", precision="bf16",
                  device="cpu", load_best=False)
    record = train(TrainOptions(max_steps=6, **common))
    assert record["precision"] == "bf16 weights, fp32 masters"
    resumed = train(TrainOptions(max_steps=12, **common))
    history = json.loads((tmp_path / "run" / "log_history.json").read_text())
    losses = [h["loss"] for h in history if "loss" in h]
    assert resumed["steps"] == 12 and len(losses) >= 5 and losses[-1] < losses[0]
    import torch

    state = torch.load(tmp_path / "run" / "checkpoints" / "checkpoint-12" / "optimizer.pt", weights_only=False)
    masters = [s["master"] for s in state["state"].values() if "master" in s]
    assert masters and all(m.dtype == torch.float32 for m in masters)


@pytest.mark.slow  # two extra processes each loading torch and training: minutes on 2 cores
def test_torchrun_with_two_processes_trains_once_and_rank_zero_writes(tiny_lm: Path, tmp_path: Path) -> None:
    """The same `pairsmith train` under torchrun: two CPU processes (DDP over gloo), one run folder."""
    import os
    import socket
    import subprocess
    import sys

    data = write_lamini(tmp_path, 24)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-addr", "127.0.0.1",
               "--master-port", str(port), "-m", "pairsmith", "train", str(data), "--out", str(tmp_path / "run"),
               "--model", str(tiny_lm), "--template", "course_qa", "--max-steps", "4", "--batch-size", "4",
               "--eval-steps", "2", "--max-length", "2048"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("trained 4 steps") == 1 and done.stdout.count("pre-flight:") == 1  # rank 0 reports
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert record["steps"] == 4 and (tmp_path / "run" / "model" / "config.json").exists()
    assert (tmp_path / "run" / "loss_curve.png").exists()


def test_evaluation_markdown_escapes_questions_and_answers() -> None:
    from markdown_it import MarkdownIt

    from finetune.report import markdown

    script, img = "<script>alert(1)</script>", "<img src=x onerror=alert(1)>"
    scores = {"rouge_l": 0.5, "bleu": 1.0, "embedding_similarity": 0.5}
    report = {"examples_evaluated": 1, "data": "held`out`.jsonl", "max_new_tokens": 8, "judge": {},
              "headline": [{"model": "tuned", "metric": "rouge_l", "base": 0.1, "tuned": 0.2, "delta": 0.1,
                            "ci_low": 0.0, "ci_high": 0.2, "significant": True}],
              "problems": {"base": {}, "tuned": {}},
              "examples": [{"question": f"What is {script}?", "reference": f"It is\n\n# {img}",
                            "answers": {"base": f"| {img} |", "tuned": "*fine*"},
                            "scores": {"base": scores, "tuned": scores}, "problems": {"base": [], "tuned": []}}]}
    text = markdown(report, None)
    assert script not in text and img not in text and "| tuned | rouge_l |" in text
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
    assert "<script" not in rendered and "<img" not in rendered and "<em>fine" not in rendered
    assert rendered.count("<h3>") == 1  # a "#" inside an answer does not start a heading
