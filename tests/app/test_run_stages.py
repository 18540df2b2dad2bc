"""A run described by a file, re-runs that redo only what changed, the data-size curve, and the
one-page report of a run (opened in a real headless Chromium)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pairsmith.app.cli import app
from tests.openai_server import OpenAIStub
from tests.app.test_pipeline import answer_from_docs
from tests.moderation.test_review_page import CHROMIUM


def _docs(docs: Path) -> Path:
    for i in range(5):
        (docs / f"extra{i}.md").write_text(f"# Extra {i}\n\nExtra page {i} says that option {i} is on by default.\n",
                                           encoding="utf-8")
    return docs


def _spec(tmp_path: Path, docs: Path, tiny_lm: Path, tiny_embedder: Path, server_url: str, **extra) -> Path:
    assert CliRunner().invoke(app, ["init", str(tmp_path / "pairsmith.yaml"), "--docs", str(docs)]).exit_code == 0
    spec = yaml.safe_load((tmp_path / "pairsmith.yaml").read_text(encoding="utf-8"))
    spec["generate"] = {"model": "m", "base_url": server_url, "pairs_per_chunk": 1}
    spec["moderation"].update(embedder=str(tiny_embedder))
    spec["moderation"]["semantic"]["enabled"] = spec["moderation"]["near"]["enabled"] = False
    spec["train"] = {"model": str(tiny_lm), "max_steps": 1, "max_length": 2048, "eval_split": 0.2}
    spec["evaluate"] = {"max_new_tokens": 2}
    spec.update(extra)
    (tmp_path / "pairsmith.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    return tmp_path / "pairsmith.yaml"


def test_init_writes_a_commented_file_and_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "pairsmith.yaml"
    assert CliRunner().invoke(app, ["init", str(path)]).exit_code == 0
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# pairsmith run pairsmith.yaml") and "relevance:" in text and "fractions: []" in text
    again = CliRunner().invoke(app, ["init", str(path)])
    assert again.exit_code == 1 and "never overwrites" in again.output
    path.write_text("docs: [x]\nmoderaton: {}\n", encoding="utf-8")  # a typo is an error, not ignored
    typo = CliRunner().invoke(app, ["run", str(path)])
    assert typo.exit_code == 1 and "moderaton" in typo.output


def test_a_rerun_redoes_only_what_changed(tiny_lm: Path, tiny_embedder: Path, docs: Path, tmp_path: Path) -> None:
    with OpenAIStub(responder=answer_from_docs) as server:
        spec = _spec(tmp_path, _docs(docs), tiny_lm, tiny_embedder, server.base_url)
        first = CliRunner().invoke(app, ["run", str(spec)])
        assert first.exit_code == 0, first.output
        out = tmp_path / "out"
        assert (out / "index.html").exists() and first.output.rstrip().endswith(str(out / "index.html"))
        calls = len(server.requests)
        model_time = (out / "run" / "run.json").stat().st_mtime_ns
        same = CliRunner().invoke(app, ["run", str(spec)])
        assert same.exit_code == 0, same.output
        assert len(server.requests) == calls  # generation from the cache
        assert "moderation: inputs and settings unchanged" in same.output
        assert "evaluation: the tuned model and settings are unchanged" in same.output
        assert (out / "run" / "run.json").stat().st_mtime_ns == model_time  # not trained again
        # a stricter moderation setting: moderation runs again, and training follows when the pairs change;
        # the sections it leaves with no pair are asked again (the first asking comes from the cache)
        data = yaml.safe_load(spec.read_text(encoding="utf-8"))
        data["moderation"]["rules"]["min_output_words"] = 12
        spec.write_text(yaml.safe_dump(data), encoding="utf-8")
        changed = CliRunner().invoke(app, ["run", str(spec)])
        assert changed.exit_code == 0, changed.output
        assert "moderation: inputs and settings unchanged" not in changed.output
        assert all(body["seed"] == 1 for body in server.requests[calls:])
        assert (out / "run" / "run.json").stat().st_mtime_ns != model_time


def test_the_data_size_curve(tiny_lm: Path, tiny_embedder: Path, docs: Path, tmp_path: Path) -> None:
    with OpenAIStub(responder=answer_from_docs) as server:
        spec = _spec(tmp_path, _docs(docs), tiny_lm, tiny_embedder, server.base_url, fractions=[0.5, 1])
        result = CliRunner().invoke(app, ["run", str(spec)])
    assert result.exit_code == 0, result.output
    points = json.loads((tmp_path / "out" / "scale" / "scale.json").read_text(encoding="utf-8"))
    assert [p["fraction"] for p in points] == [0.5, 1] and points[0]["pairs"] < points[1]["pairs"]
    held_out = (tmp_path / "out" / "run" / "test.jsonl").read_text(encoding="utf-8")
    half = json.loads((tmp_path / "out" / "scale" / "f0.5" / "eval" / "eval.json").read_text(encoding="utf-8"))
    assert half["examples_evaluated"] == len(held_out.splitlines())  # the same held-out documents
    assert (tmp_path / "out" / "scale" / "scale.png").stat().st_size > 1000
    assert "data-size curve" in result.output and "Data-size curve" in (tmp_path / "out" / "index.html").read_text()


@pytest.mark.skipif(not CHROMIUM, reason="no Chromium: apt-get install -y chromium (.ci/run installs it)")
def test_the_run_report_opens_in_a_browser(tiny_lm: Path, tiny_embedder: Path, docs: Path, tmp_path: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    (docs / "empty.md").write_text("# Only a badge\n\n![badge](https://img.shields.io/x.svg)\n", encoding="utf-8")
    with OpenAIStub(responder=answer_from_docs) as server:
        spec = _spec(tmp_path, _docs(docs), tiny_lm, tiny_embedder, server.base_url)
        assert CliRunner().invoke(app, ["run", str(spec)]).exit_code == 0
    report = tmp_path / "out" / "index.html"
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(report.as_uri())
        text = page.inner_text("body")
        for heading in ("Documents and sections", "Generation rejects", "Moderation", "Training", "Base versus tuned",
                        "Files"):
            assert heading in text
        assert page.locator("img[alt='loss curve']").evaluate("i => i.naturalWidth") > 0
        page.click("text=empty.md")
        assert "no pair" in page.inner_text("body")
        browser.close()


def test_the_terminal_shows_pairsmith_not_its_dependencies(tiny_lm: Path, tiny_embedder: Path, docs: Path,
                                                          tmp_path: Path) -> None:
    """No weight-loading or shard-writing bars, no "missing keys", no FutureWarnings; --verbose shows them."""
    import subprocess
    import sys

    with OpenAIStub(responder=answer_from_docs) as server:
        spec = _spec(tmp_path, _docs(docs), tiny_lm, tiny_embedder, server.base_url)
        quiet = subprocess.run([sys.executable, "-m", "pairsmith", "run", str(spec)], capture_output=True,
                               text=True, timeout=600)
        assert quiet.returncode == 0, quiet.stderr[-2000:]
        shown = quiet.stdout + quiet.stderr
        for noise in ("Loading weights", "Writing model shards", "missing keys", "FutureWarning", "Map:"):
            assert noise not in shown, noise
        assert "== evaluate" in quiet.stdout and quiet.stdout.rstrip().endswith("index.html")
        (tmp_path / "out" / ".stages.json").unlink()  # make every stage run again
        import os

        clean = {k: v for k, v in os.environ.items()  # `init` above ran in this process and quietened it
                 if not k.startswith(("HF_", "TRANSFORMERS_"))}
        loud = subprocess.run([sys.executable, "-m", "pairsmith", "--verbose", "run", str(spec)],
                              capture_output=True, text=True, timeout=600, env=clean)
        assert loud.returncode == 0 and "Loading weights" in loud.stdout + loud.stderr
