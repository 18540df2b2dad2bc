"""The Python API (`from pairsmith import generate, moderate, train, evaluate, run, Runner`) on
tiny models and the local OpenAI server, called from inside a running event loop as in Jupyter."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pandas as pd
import pytest

import pairsmith
from pairsmith import Pair, Runner, evaluate, generate, moderate, train
from pairsmith.core.errors import ConfigError, InputError
from tests.conftest import lamini_slice
from tests.openai_server import OpenAIStub
from tests.app.test_pipeline import answer_from_docs


def in_running_loop(fn, *args, **kwargs):
    """Call fn from inside a running event loop, as a notebook cell does."""
    async def cell():
        return fn(*args, **kwargs)
    return asyncio.run(cell())


def test_import_is_light_and_names_the_api() -> None:
    assert {"generate", "moderate", "train", "evaluate", "run", "Runner"} <= set(pairsmith.__all__)
    with pytest.raises(AttributeError):
        pairsmith.not_a_thing  # noqa: B018


def test_the_stages_as_calls(tiny_lm: Path, tiny_embedder: Path, docs: Path, tmp_path: Path) -> None:
    for i in range(4):
        (docs / f"extra{i}.md").write_text(f"# Extra {i}\n\nExtra page {i} says that option {i} is on by default.\n",
                                           encoding="utf-8")
    with OpenAIStub(responder=answer_from_docs) as server:
        pairs = in_running_loop(generate, docs, model="m", base_url=server.base_url)
    assert pairs and all(isinstance(p, Pair) for p in pairs)
    assert pairs.summary.pairs_written == len(pairs) and pairs.path.exists()

    curated = in_running_loop(moderate, pairs, embedder=str(tiny_embedder), semantic={"enabled": False},
                              near={"enabled": False})
    assert len(curated.kept) + len(curated.review) + len(curated.dropped) == len(pairs)
    assert curated.summary.total == len(pairs) and curated.report["counts"]["total"] == len(pairs)
    assert all(p.moderation["decision"] == "keep" for p in curated.kept)

    trained = in_running_loop(train, curated.kept, out=tmp_path / "run", model=str(tiny_lm), max_steps=1,
                              max_length=2048, eval_split=0.2)
    assert trained.steps == 1 and (trained.model / "config.json").exists()
    assert trained.split["train"] + trained.split["test"] == len(curated.kept)

    result = in_running_loop(evaluate, trained, max_new_tokens=2)
    assert isinstance(result.table, pd.DataFrame) and len(result.table) == trained.split["test"]
    assert {"question", "reference", "base_answer", "tuned_answer", "tuned_rouge_l"} <= set(result.table.columns)
    assert set(result.headline["metric"]) >= {"rouge_l", "embedding_similarity"}
    with pytest.raises(ConfigError, match="not a training run"):
        evaluate(tmp_path)


def test_an_output_name_with_dots_keeps_its_report_beside_it(tiny_embedder: Path, tmp_path: Path) -> None:
    pairs = [Pair(instruction=f"What does option {i} of the tool do?", output=f"Option {i} turns on feature {i}.")
             for i in range(3)]
    out = tmp_path / "run.v2.curated.jsonl"
    curated = moderate(pairs, out=out, embedder=str(tiny_embedder), semantic={"enabled": False})
    assert curated.report["counts"]["total"] == 3
    assert (tmp_path / "run.v2.curated_report.md").exists() and (tmp_path / "run.v2.curated_report.json").exists()
    assert not (tmp_path / "run.v2.md").exists()


def test_runner_like_the_course(tiny_lm: Path, tmp_path: Path) -> None:
    runner = Runner(str(tiny_lm), max_new_tokens=3)
    assert isinstance(in_running_loop(runner, "What is pairsmith?"), str)
    assert len(runner(["one?", "two?"])) == 2
    with pytest.raises(ConfigError, match="load some data"):
        runner.train()
    rows = lamini_slice(20)
    path = tmp_path / "lamini.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows[:12]), encoding="utf-8")
    assert runner.load_data_from_jsonlines(path) == 12
    assert runner.load_data(pd.DataFrame(rows[12:16])) == 4
    assert runner.load_data([{"q": r["question"], "a": r["answer"]} for r in rows[16:]], "q", "a") == 4
    with pytest.raises(InputError, match="input_key"):
        runner.load_data([{"prompt": "x"}])
    trained = runner.train(out=tmp_path / "run", max_steps=1, max_length=2048)
    assert runner.model_name == str(trained.model)
    assert isinstance(runner("What is pairsmith?"), str)  # now the tuned model answers
    table = runner.evaluate(limit=2)
    assert len(table) == 2 and {"question", "reference", "base_answer", "tuned_answer"} <= set(table.columns)
