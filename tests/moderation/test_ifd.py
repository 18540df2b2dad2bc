"""Instruction-following difficulty: answer losses with and without the question, batched and
cached, and the opt-in moderation step with its evidence."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from moderation.config import ModerationConfig
from moderation.pipeline import moderate
from pairsmith.core.models.answer_loss import AnswerScorer
from tests.conftest import lamini_slice

QUESTIONS = ["What does the cache hold?", "How are duplicates found?", "Which formats are read?"]
ANSWERS = ["Finished units of work, keyed by their prompt.", "By MinHash over word shingles.",
           "JSONL, Alpaca JSON, CSV and Hugging Face datasets."]


def test_losses_do_not_depend_on_the_batch(tiny_lm: Path) -> None:
    one = AnswerScorer(str(tiny_lm), batch_size=1, cache=False).ifd(QUESTIONS, ANSWERS)
    many = AnswerScorer(str(tiny_lm), batch_size=8, cache=False).ifd(QUESTIONS, ANSWERS)
    assert one.shape == (3, 3) and np.allclose(one, many, atol=1e-4)
    assert np.allclose(one[:, 0], one[:, 1] / one[:, 2])  # ratio = with the question / alone
    assert (one[:, 1:] > 0).all()


def test_scores_are_cached(tiny_lm: Path) -> None:
    scorer = AnswerScorer(str(tiny_lm))
    first = scorer.ifd(QUESTIONS, ANSWERS)
    assert scorer.computed == 3
    again = AnswerScorer(str(tiny_lm))
    assert np.allclose(again.ifd(QUESTIONS[:2], ANSWERS[:2]), first[:2]) and again.computed == 0


def test_the_step_records_ratios_and_flags_by_threshold(tiny_lm: Path, tiny_embedder: Path, tmp_path: Path) -> None:
    rows = [{"instruction": q, "input": "", "output": a} for q, a in zip(QUESTIONS, ANSWERS)]
    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    cfg = ModerationConfig.model_validate({"embedder": str(tiny_embedder), "relevance": {"enabled": False},
                                           "semantic": {"enabled": False}, "near": {"enabled": False},
                                           "ifd": {"enabled": True, "model": str(tiny_lm)}})
    ratios = AnswerScorer(str(tiny_lm)).ifd(QUESTIONS, ANSWERS)[:, 0]
    cfg.ifd.review_above, cfg.ifd.drop_above = float(np.sort(ratios)[1]), float(ratios.max())
    result = moderate(data, tmp_path / "curated.jsonl", config=cfg, report=tmp_path / "report.md")
    assert result.dropped == 1 and result.review == 1 and result.kept == 1
    dropped = json.loads((tmp_path / "curated.rejects.jsonl").read_text().splitlines()[0])
    evidence = dropped["moderation"]["evidence"][0]
    assert evidence["rule"] == "question_does_not_help" and {"loss_with_question", "loss_alone"} <= set(evidence)
    kept = [json.loads(line) for line in (tmp_path / "curated.jsonl").read_text().splitlines()]
    assert any("ifd" in r["moderation"].get("checks", {}) for r in kept)
    assert "Instruction-following difficulty" in (tmp_path / "report.md").read_text()


@pytest.mark.slow
def test_the_offline_default_finds_swapped_answers_harder() -> None:
    """SmolLM2-135M: a lamini answer after its own question is easier than after another one."""
    rows = lamini_slice(24)
    questions, answers = [r["question"] for r in rows], [r["answer"] for r in rows]
    scorer = AnswerScorer(cache=False)
    own = scorer.ifd(questions, answers)[:, 0]
    swapped = scorer.ifd(questions, answers[1:] + answers[:1])[:, 0]
    assert np.median(own) < np.median(swapped)
    assert (own < swapped).mean() >= 0.75
