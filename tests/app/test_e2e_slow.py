"""End to end with the real offline default models (the teacher on llama.cpp writes the pairs,
SmolLM2-135M is the student): slow."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from alpaca_gen.run import collect_chunks
from pairsmith.core import models
from tests.conftest import ROOT

pytestmark = pytest.mark.slow
DOCS = [ROOT / "examples" / "docs" / "install.md", ROOT / "examples" / "docs" / "guide" / "moderation.rst"]


def test_generate_with_the_offline_default_teacher(tmp_path: Path) -> None:
    assert models.is_offline_available(models.DEFAULT_TEACHER), "install the teacher (scripts/setup.sh)"
    out = tmp_path / "pairs.jsonl"
    cmd = [sys.executable, "-m", "pairsmith", "generate", *map(str, DOCS), "--out", str(out),
           "--pairs-per-chunk", "2"]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "files: 2 read" in first.stdout
    pairs = [json.loads(line) for line in out.read_text().splitlines()]
    _, chunks = collect_chunks(DOCS)
    assert pairs and "chunks: %d" % len(chunks) in first.stdout
    by_id = {c.id: c for c in chunks}
    for pair in pairs:
        generator = pair["generator"]
        assert generator["model"] == models.DEFAULT_TEACHER and generator["backend"] == "llamacpp"
        assert generator["method"] == "model" and generator["response_format"] == "json_schema"
        assert pair["source"]["chunk"] in by_id and pair["instruction"] and pair["output"]
    second = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert second.returncode == 0 and "in 0 calls" in second.stdout and "pairs: 0 new" in second.stdout
    assert out.read_text().count("\n") == len(pairs)


def test_whole_loop_with_offline_defaults(tmp_path: Path) -> None:
    """`pairsmith run` on two bundled docs: generation with the teacher, moderation with MiniLM,
    training and evaluation of the student."""
    cmd = [sys.executable, "-m", "pairsmith", "run", *map(str, DOCS), "--out", str(tmp_path / "run")]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    run = tmp_path / "run"
    pairs = (run / "pairs.jsonl").read_text().splitlines()
    curated = [json.loads(l) for l in (run / "curated.jsonl").read_text().splitlines()]
    rejects = [json.loads(l) for l in (run / "curated.rejects.jsonl").read_text().splitlines()]
    assert len(curated) + len(rejects) == len(pairs) > 0
    report = json.loads((run / "moderation_report.json").read_text())
    assert report["counts"]["total"] == len(pairs) and 0 < report["grounding_checked"] <= len(pairs)
    assert curated, "the teacher's pairs from two bundled docs must leave some to train on"
    for reject in rejects:  # every drop says which step and rule, with evidence
        evidence = reject["moderation"]["evidence"][0]
        assert evidence["step"] and evidence["rule"] and reject["moderation"]["reasons"]


def test_finetune_the_offline_default_for_a_few_steps(tmp_path: Path) -> None:
    """`pairsmith train` and `pairsmith eval` with SmolLM2-135M on real lamini_docs pairs."""
    from tests.conftest import lamini_slice

    data = tmp_path / "lamini.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in lamini_slice(40)), encoding="utf-8")
    run = tmp_path / "run"
    train = [sys.executable, "-m", "pairsmith", "train", str(data), "--out", str(run), "--template", "course_qa",
             "--max-steps", "4", "--batch-size", "4", "--eval-steps", "2", "--lr", "1e-4"]
    done = subprocess.run(train, capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "pre-flight:" in done.stdout and "GFLOPs per step" in done.stdout
    record = json.loads((run / "run.json").read_text())
    assert record["steps"] == 4 and record["base_model"] == "smollm2-135m-instruct"
    history = json.loads((run / "log_history.json").read_text())
    evals = [h["eval_loss"] for h in history if "eval_loss" in h]
    assert len(evals) == 2 and evals[-1] < evals[0]  # held-out loss falls after a few steps
    evaluate = [sys.executable, "-m", "pairsmith", "eval", str(run), "--out", str(tmp_path / "eval"),
                "--limit", "4", "--max-new-tokens", "16"]
    done = subprocess.run(evaluate, capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "rouge_l" in done.stdout and (tmp_path / "eval" / "report.html").exists()
