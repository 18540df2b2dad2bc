"""The llama.cpp backend (xllamacpp, in process) with the small teacher: schema-constrained
replies, concurrent requests decoded together in slots, prompts sent as they are, and the
teacher's GGUF assembled from its packages and checked against its sha256."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from alpaca_gen.generate import generate
from alpaca_gen.options import GenerateOptions, fall_back_from_teacher
from pairsmith.core.reply_schemas import QUESTION_SCHEMA
from pairsmith.core import models
from pairsmith.core.backends.base import Request
from pairsmith.core.backends.registry import create
from pairsmith.core.errors import ModelError
from pairsmith.core.models import gguf_parts

SMALL = "qwen2.5-coder-0.5b-instruct"


@pytest.fixture(scope="module")
def backend():
    assert models.is_offline_available(SMALL), "install the small teacher: see scripts/setup.sh"
    made = create("llamacpp", model=SMALL, parallel=2, context_per_slot=1024)
    yield made
    asyncio.run(made.aclose())


def test_replies_follow_the_schema_and_run_in_slots(backend) -> None:
    requests = [Request([{"role": "user", "content": f"Ask one question about caching, number {i}."}],
                        max_tokens=48, json_schema=QUESTION_SCHEMA) for i in range(3)]

    async def together():
        return await asyncio.gather(*(backend.complete(r) for r in requests))

    completions = asyncio.run(together())
    for completion in completions:
        assert set(json.loads(completion.text)) == {"question"} and completion.response_format == "json_schema"
        assert completion.completion_tokens > 0 and completion.prompt_tokens > 5
    assert backend.stats.requests == 3 and backend.describe()["file"].endswith(".gguf")


def test_lookup_decoding_drafts_what_the_reply_copies_and_keeps_its_text() -> None:
    """A reply that copies its prompt: with lookup decoding llama.cpp drafts from the prompt and keeps
    drafted tokens, and the greedy reply still copies it (a batch of another size may round a later
    token differently, so the two replies are compared on the copied sentence)."""
    sentence = ("The Widget cache keeps finished work so that a second run makes no model calls at all, and "
                "it lives in the folder named by the WIDGET_CACHE environment variable.")
    request = Request([{"role": "user", "content": f"Repeat this sentence exactly, and nothing else:\n{sentence}"}],
                      max_tokens=64, temperature=0.0, seed=0)
    replies = {}
    for lookup in (False, True):
        engine = create("llamacpp", model=SMALL, parallel=1, context_per_slot=512, lookup=lookup)
        replies[lookup] = engine.generate(request)
        assert engine.describe()["lookup_decoding"] is lookup
        assert (engine.drafts.accepted > 0) is lookup, engine.drafts
        asyncio.run(engine.aclose())
    for reply in replies.values():
        assert " ".join(sentence.split()[:12]) in reply.text, reply.text


def test_lookup_decoding_is_reported_off_where_xllamacpp_has_none() -> None:
    """An xllamacpp build without n-gram speculation leaves the parameters alone and says so."""
    import types

    import xllamacpp

    from pairsmith.core.backends.llamacpp import _lookup_decoding

    params = xllamacpp.CommonParams()
    assert not _lookup_decoding(types.SimpleNamespace(), params, 4, 16)
    assert params.speculative.types == [xllamacpp.common_speculative_type.COMMON_SPECULATIVE_TYPE_NONE]
    assert _lookup_decoding(xllamacpp, params, 4, 16)
    assert params.speculative.types == [xllamacpp.common_speculative_type.COMMON_SPECULATIVE_TYPE_NGRAM_SIMPLE]
    assert (params.speculative.ngram_simple.size_n, params.speculative.ngram_simple.size_m) == (4, 16)


def test_a_lookup_request_that_cannot_be_honoured_is_noted(monkeypatch: pytest.MonkeyPatch) -> None:
    from pairsmith.core.backends import llamacpp

    monkeypatch.setattr(llamacpp, "_lookup_decoding", lambda *_: False)
    engine = create("llamacpp", model=SMALL, parallel=1, context_per_slot=512, lookup=True)
    assert not engine.describe()["lookup_decoding"]
    assert engine.stats.notes == ["this xllamacpp has no lookup decoding; decoding without it"]
    asyncio.run(engine.aclose())


def test_a_backend_closed_before_any_request_closes() -> None:
    """llama.cpp's server returns before its main loop starts; one freed in that gap used to wait
    forever (most runs hung on the first try). Each close must finish; a hang fails, not stalls."""
    import threading

    def open_and_close() -> None:
        for _ in range(4):
            engine = create("llamacpp", model=SMALL, parallel=1, context_per_slot=512)
            asyncio.run(engine.aclose())
            del engine

    worker = threading.Thread(target=open_and_close, daemon=True)
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive(), "closing a llama.cpp backend that never ran a request hung"


def test_a_formatted_prompt_is_sent_as_it_is(backend) -> None:
    completion = backend.generate(Request.formatted("### Question:\nWhat is a cache?\n\n### Answer:", max_tokens=8))
    assert completion.text and completion.prompt_tokens > 5 and completion.response_format == "text"


def _widget_docs(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "guide.md").write_text("# Widget\n\n## Cache\n\nThe Widget cache keeps finished work so that a second "
                                   "run makes no model calls at all.\n\nThe cache lives in the folder named by the "
                                   "`WIDGET_CACHE` environment variable and is shared by every run on the machine.\n",
                                   encoding="utf-8")
    return docs


def test_generate_with_the_small_teacher(tmp_path: Path) -> None:
    docs = _widget_docs(tmp_path)
    summary = generate(GenerateOptions(paths=[str(docs)], out=str(tmp_path / "pairs.jsonl"), model=SMALL,
                                       pairs_per_chunk=2, parallel=2, progress=False, no_cache=True))
    rows = [json.loads(line) for line in (tmp_path / "pairs.jsonl").read_text().splitlines()]
    assert summary.pairs_written == len(rows) > 0 and summary.model_calls >= 1
    for row in rows:
        assert row["generator"]["backend"] == "llamacpp" and row["generator"]["model"] == SMALL
        assert row["generator"]["template"] == "pairs_from_section@3" and row["generator"]["method"] == "model"
        assert row["generator"]["params"]["project"] is None  # no README or pyproject beside the docs


def test_the_grammar_makes_every_question_name_its_project(tmp_path: Path) -> None:
    """A project the section never mentions is still named, inside the one question each pair asks."""
    docs = _widget_docs(tmp_path)
    generate(GenerateOptions(paths=[str(docs)], out=str(tmp_path / "pairs.jsonl"), model=SMALL, project="Gizmo",
                             pairs_per_chunk=2, parallel=2, progress=False, no_cache=True))
    rows = [json.loads(line) for line in (tmp_path / "pairs.jsonl").read_text().splitlines()]
    assert rows
    for row in rows:
        question = row["instruction"]
        assert "gizmo" in question.lower(), question
        assert "?" not in question[:-1] and "\n" not in question, question
        assert row["generator"]["params"]["project"] == "Gizmo"


def test_a_model_that_is_no_gguf_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="GGUF"):
        create("llamacpp", model=str(tmp_path))


def test_parts_assemble_to_the_checked_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts concatenate in order into the cache; a wrong sha256 is refused, with the reinstall command."""
    parts = []
    for i, data in enumerate((b"GGUF-head-", b"middle-", b"tail"), start=1):
        part = tmp_path / "site" / f"widgetmodel_part{i}" / "data" / f"part{i:02d}.bin"
        part.parent.mkdir(parents=True)
        part.write_bytes(data)
        parts.append(part)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    for i in range(1, 4):
        (tmp_path / "site" / f"widgetmodel_part{i}" / "__init__.py").write_text("")
    monkeypatch.setenv("PAIRSMITH_CACHE", str(tmp_path / "cache"))
    import hashlib

    good = hashlib.sha256(b"GGUF-head-middle-tail").hexdigest()
    alias = models.Alias("widget", "causal-lm", "widgetmodel_part1", "widgetmodel-part1", "data/part{index:02d}.bin",
                         "org/widget-GGUF", hub_file="widget.gguf", parts=3, sha256=good, size=21)
    assembled = gguf_parts.assembled(alias)
    assert assembled == tmp_path / "cache" / "models" / "widget.gguf"
    assert assembled.read_bytes() == b"GGUF-head-middle-tail" and gguf_parts.is_assembled(alias)
    parts[1].write_bytes(b"changed")  # a later call trusts the checked file and its stamp
    assert gguf_parts.assembled(alias).read_bytes() == b"GGUF-head-middle-tail"
    wrong = models.Alias("other", "causal-lm", "widgetmodel_part1", "widgetmodel-part1", "data/part{index:02d}.bin",
                         "org/widget-GGUF", hub_file="other.gguf", parts=3, sha256="0" * 64)
    with pytest.raises(ModelError, match="reinstall"):
        gguf_parts.assembled(wrong)
    assert not (tmp_path / "cache" / "models" / "other.gguf").exists()


def test_without_the_teacher_generation_falls_back_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> Path:
        raise ModelError(f"{name} is not installed")

    monkeypatch.setattr(models, "gguf_file", missing)
    opts, note = fall_back_from_teacher(GenerateOptions(paths=["docs"], out="pairs.jsonl"))
    assert opts.backend == "hf" and opts.model == models.DEFAULT_CAUSAL_LM
    assert note and models.DEFAULT_TEACHER in note and "not installed" in note
    chosen, none = fall_back_from_teacher(GenerateOptions(paths=["docs"], out="pairs.jsonl", model="my.gguf"))
    assert none is None and chosen.model == "my.gguf"  # a model the user named is never replaced
