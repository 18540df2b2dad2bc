"""The optional llama.cpp backend reading the offline default's GGUF file directly (make
test-llamacpp installs llama-cpp-python; a default run deselects these by their marker)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from alpaca_gen.generate import generate
from alpaca_gen.options import GenerateOptions
from alpaca_gen.schema import QUESTION_SCHEMA
from pairsmith.backends.base import Request
from pairsmith.backends.registry import create
from pairsmith.errors import ModelError

pytestmark = pytest.mark.llamacpp


@pytest.fixture(scope="module")
def backend():
    import llama_cpp  # noqa: F401 - installed by make test-llamacpp; a missing one is a failure here

    made = create("llamacpp", model="smollm2-135m-instruct")
    yield made
    asyncio.run(made.aclose())


def test_replies_follow_the_schema(backend) -> None:
    request = Request([{"role": "user", "content": "Ask one question about caching in a build tool."}],
                      max_tokens=48, json_schema=QUESTION_SCHEMA)
    completion = asyncio.run(backend.complete(request))
    assert set(json.loads(completion.text)) == {"question"} and completion.response_format == "json_object"
    assert completion.completion_tokens > 0


def test_a_formatted_prompt_is_sent_as_it_is(backend) -> None:
    completion = backend.generate(Request.formatted("### Question:\nWhat is a cache?\n\n### Answer:", max_tokens=8))
    assert completion.text and completion.prompt_tokens > 5


def test_generate_with_the_llamacpp_backend(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "guide.md").write_text("# Widget\n\n## Cache\n\nThe cache keeps finished work so that a second run "
                                   "makes no model calls at all.\n\nThe cache lives in the folder named by the "
                                   "environment variable and is shared by every run on the machine.\n", encoding="utf-8")
    summary = generate(GenerateOptions(paths=[str(docs)], out=str(tmp_path / "pairs.jsonl"), backend="llamacpp",
                                       progress=False, no_cache=True))
    rows = [json.loads(line) for line in (tmp_path / "pairs.jsonl").read_text().splitlines()]
    assert summary.pairs_written == len(rows) > 0
    assert all(r["generator"]["backend"] == "llamacpp" for r in rows)


def test_a_model_that_is_no_gguf_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="GGUF"):
        create("llamacpp", model=str(tmp_path))
