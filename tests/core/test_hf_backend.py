"""The local backend on a tiny model built from a config: batching, constraints, strategies."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from pairsmith.core.backends.base import Request
from pairsmith.core.backends.hf import HFBackend, batch_groups
from pairsmith.core.models import pick_device
from alpaca_gen.run import collect_chunks
from alpaca_gen.generate import generate
from alpaca_gen.options import GenerateOptions
from alpaca_gen.schema import choice_schema
from pairsmith.core.reply_schemas import QUESTION_SCHEMA
from alpaca_gen.strategies.base import answer_candidates
from alpaca_gen.strategies.stepwise import focus_passages


@pytest.fixture(scope="module")
def backend(tiny_lm: Path) -> HFBackend:
    return HFBackend(str(tiny_lm), batch_size=8)


def run_all(backend: HFBackend, requests: list[Request]):
    async def go():
        results = await asyncio.gather(*(backend.complete(r) for r in requests))
        await backend.aclose()
        return results

    return asyncio.run(go())


def test_device_preference_is_cuda_then_mps_then_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    for cuda, mps, expected in ((True, True, "cuda"), (False, True, "mps"), (False, False, "cpu")):
        monkeypatch.setattr(torch.cuda, "is_available", lambda cuda=cuda: cuda)
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda mps=mps: mps)
        assert pick_device() == expected


def test_batched_left_padding_matches_one_at_a_time(backend: HFBackend) -> None:
    prompts = ["Install", "Install it with pip and run the generate command on docs", "What is it?"]
    requests = [Request([{"role": "user", "content": p}], max_tokens=12) for p in prompts]
    batched = run_all(backend, requests)
    assert backend.stats.requests == 3
    single = [backend.generate_batch([r])[0] for r in requests]
    assert [b.text for b in batched] == [s.text for s in single]
    assert all(b.completion_tokens > 0 and b.prompt_tokens > 0 for b in batched)


def test_schema_constrained_replies_always_parse(backend: HFBackend) -> None:
    schema = choice_schema("answer", ["Use pip.", "Run the generate command.", "It keeps a cache."])
    requests = [Request([{"role": "user", "content": f"Question {i}?"}], max_tokens=40, json_schema=schema)
                for i in range(6)]
    for result in run_all(backend, requests):
        assert json.loads(result.text)["answer"] in schema["properties"]["answer"]["enum"]


def test_question_pattern_is_enforced(backend: HFBackend) -> None:
    result = backend.generate_batch([Request([{"role": "user", "content": "Ask."}], max_tokens=200,
                                             json_schema=QUESTION_SCHEMA)])[0]
    question = json.loads(result.text)["question"]
    assert question.split(" ")[0] in ("What", "How", "Why", "When", "Where", "Which", "Who", "Can", "Does",
                                       "Do", "Is", "Are", "Should", "Will")
    assert question.endswith("?")


def test_greedy_and_sampled_rows_share_one_generate(backend: HFBackend) -> None:
    """One call serves greedy and sampled candidates: a greedy row gives what it gives alone, and
    the sampled rows of the same prompt differ from it (the high temperature makes a tie unlikely)."""
    messages = [{"role": "user", "content": "Write a question about pip"}]
    greedy = Request(messages, max_tokens=10, json_schema=QUESTION_SCHEMA)
    sampled = [Request(messages, max_tokens=10, temperature=5.0, seed=3, json_schema=QUESTION_SCHEMA)
               for _ in range(4)]
    before = backend.stats.requests
    batch = backend.generate_batch([greedy, *sampled])
    assert backend.stats.requests - before == 5
    assert batch[0].text == backend.generate_batch([greedy])[0].text
    assert any(row.text != batch[0].text for row in batch[1:])
    again = backend.generate_batch([greedy, *sampled])
    assert [r.text for r in again] == [r.text for r in batch]  # seeded: reproducible


def test_batch_groups_put_greedy_rows_with_sampled_ones() -> None:
    ask = [{"role": "user", "content": "q"}]
    greedy = Request(ask, max_tokens=40, json_schema=QUESTION_SCHEMA)
    hot = Request(ask, max_tokens=40, temperature=0.8, seed=0, json_schema=QUESTION_SCHEMA)
    other_seed = Request(ask, max_tokens=40, temperature=0.8, seed=1, json_schema=QUESTION_SCHEMA)
    free = Request(ask, max_tokens=40)
    longer = Request(ask, max_tokens=80, json_schema=QUESTION_SCHEMA)
    groups = batch_groups([hot, greedy, hot, free, other_seed, longer])
    assert [[id(r) for r in g] for g in groups] == [[id(greedy), id(hot), id(hot)], [id(other_seed)], [id(free)],
                                                   [id(longer)]]


def test_sampling_is_reproducible_with_a_seed(backend: HFBackend) -> None:
    request = Request([{"role": "user", "content": "Say something"}], max_tokens=10, temperature=1.0, seed=7)
    first = backend.generate_batch([request])[0].text
    second = backend.generate_batch([request])[0].text
    assert first == second


def test_stepwise_run_accounts_for_every_unit(tiny_lm: Path, docs: Path, tmp_path: Path) -> None:
    out = tmp_path / "pairs.jsonl"
    opts = GenerateOptions(paths=[str(docs)], out=str(out), model=str(tiny_lm), pairs_per_chunk=2, batch_size=4,
                           strategy="stepwise")
    summary = generate(opts)
    assert summary.units > 0 and summary.model_calls > 0
    pairs = [json.loads(l) for l in out.read_text().splitlines()] if out.exists() else []
    rejects = [json.loads(l) for l in (tmp_path / "pairs.rejects.jsonl").read_text().splitlines()]
    assert len(pairs) + len(rejects) == summary.units  # nothing silently dropped
    assert pairs, "the seeded tiny model yields some pairs, so the checks below run"
    _, chunks = collect_chunks([docs])
    passages = {c.id: focus_passages(c, 2) for c in chunks}
    for pair in pairs:  # extractive answers are spans of their own chunk's passages
        allowed = {s for p in passages[pair["source"]["chunk"]] for s in answer_candidates(p)}
        assert pair["output"] in allowed
        assert pair["generator"]["template"] == "question_from_chunk@2+extract_answer_from_chunk@1"
    for reject in rejects:
        assert reject["raw"] and reject["reason"] in ("no usable question", "no usable answer")


def test_a_failing_batch_is_one_clear_error(tiny_lm: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pairsmith.core.errors import BackendError

    backend = HFBackend(str(tiny_lm), batch_size=2)

    def broken(requests):
        raise RuntimeError("out of memory\ndetails")

    monkeypatch.setattr(backend, "generate_batch", broken)
    with pytest.raises(BackendError, match="failed: RuntimeError: out of memory; try a smaller --batch-size"):
        run_all(backend, [Request([{"role": "user", "content": "x"}], max_tokens=4)])
