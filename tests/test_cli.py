"""The CLI: help everywhere, one-line errors with exit code 1, convert and generate wiring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pairsmith.cli import app
from tests.openai_server import OpenAIStub

runner = CliRunner()


@pytest.mark.parametrize("command", [[], ["generate"], ["convert"], ["models"], ["templates"]])
def test_help_everywhere(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def _one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [l for l in result.output.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ")
    return lines[0]


def test_missing_input_is_one_line(tmp_path: Path) -> None:
    line = _one_line_error(runner.invoke(app, ["generate", str(tmp_path / "nope"), "--out", str(tmp_path / "o.jsonl")]))
    assert "no such file or folder" in line


def test_unknown_template_is_one_line(docs: Path, tmp_path: Path) -> None:
    line = _one_line_error(runner.invoke(app, ["generate", str(docs), "--out", str(tmp_path / "o.jsonl"),
                                               "--template", "nonexistent", "--dry-run"]))
    assert "unknown template 'nonexistent'" in line and "qa_from_chunk" in line


def test_invalid_option_value_is_one_line(docs: Path, tmp_path: Path) -> None:
    line = _one_line_error(runner.invoke(app, ["generate", str(docs), "--out", str(tmp_path / "o.jsonl"),
                                               "--mode", "poetry", "--dry-run"]))
    assert "--mode" in line


def test_base_url_needs_a_model(docs: Path, tmp_path: Path) -> None:
    line = _one_line_error(runner.invoke(app, ["generate", str(docs), "--out", str(tmp_path / "o.jsonl"),
                                               "--base-url", "http://127.0.0.1:9/v1"]))
    assert "--model is required" in line


def test_out_may_not_be_an_input(docs: Path) -> None:
    target = docs / "guide.md"
    before = target.read_bytes()
    line = _one_line_error(runner.invoke(app, ["generate", str(docs), "--out", str(target)]))
    assert "one of the inputs" in line and target.read_bytes() == before


def test_convert_command(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"question": "### Question:\nWhat?\n\n### Answer:", "answer": "That."}) + "\n")
    result = runner.invoke(app, ["convert", str(src), str(tmp_path / "out.csv")])
    assert result.exit_code == 0 and "wrote 1 pairs" in result.output
    assert "What?" in (tmp_path / "out.csv").read_text()
    bad = runner.invoke(app, ["convert", str(src), str(tmp_path / "x.jsonl"), "--to", "yaml"])
    assert "unknown format 'yaml'" in _one_line_error(bad)


def test_models_lists_aliases() -> None:
    result = runner.invoke(app, ["models"])
    assert result.exit_code == 0
    assert "smollm2-135m-instruct" in result.output and "all-minilm-l6-v2" in result.output


def test_dry_run_prints_prompts_and_estimate(docs: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["generate", str(docs), "--out", str(tmp_path / "o.jsonl"), "--dry-run"])
    assert result.exit_code == 0
    assert "Ask one question about" in result.output and "no model was called" in result.output
    assert not (tmp_path / "o.jsonl").exists()


def test_generate_prints_summary(docs: Path, tmp_path: Path) -> None:
    with OpenAIStub() as server:
        result = runner.invoke(app, ["generate", str(docs), "--out", str(tmp_path / "o.jsonl"), "--model", "m",
                                     "--base-url", server.base_url, "--pairs-per-chunk", "1"])
    assert result.exit_code == 0, result.output
    # The stub answers every chunk alike: the same pair from the same file is written once.
    assert "files: 2 read" in result.output and "pairs: 2 new, 1 already in the output" in result.output
    assert "pairs/s" in result.output


def test_server_url_from_environment(docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with OpenAIStub() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-env-key")
        result = runner.invoke(app, ["generate", str(docs), "--out", str(tmp_path / "o.jsonl"), "--model", "m"])
        assert result.exit_code == 0, result.output
        assert server.headers[0]["authorization"] == "Bearer sk-env-key"


def test_moderate_command(tiny_embedder: Path, tmp_path: Path) -> None:
    from tests.conftest import LAMINI

    result = runner.invoke(app, ["moderate", str(LAMINI), "--out", str(tmp_path / "c.jsonl"), "--embedder",
                                 str(tiny_embedder), "--report", str(tmp_path / "report.md")])
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("1400 pairs: ") and "kept" in last and "to review" in last and "dropped" in last
    assert "rules:boilerplate" in result.output
    assert (tmp_path / "report.md").exists() and (tmp_path / "report.json").exists()


def test_moderate_print_config_and_bad_config(tmp_path: Path) -> None:
    result = runner.invoke(app, ["moderate", "x.jsonl", "--out", "y.jsonl", "--print-config"])
    assert result.exit_code == 0 and "threshold: 0.95" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [1, 2\n")
    line = _one_line_error(runner.invoke(app, ["moderate", "x.jsonl", "--out", "y.jsonl", "--config", str(bad)]))
    assert "not valid YAML" in line


def test_moderate_missing_input_is_one_line(tmp_path: Path) -> None:
    line = _one_line_error(runner.invoke(app, ["moderate", str(tmp_path / "none.jsonl"), "--out", str(tmp_path / "o.jsonl")]))
    assert "no such file" in line
