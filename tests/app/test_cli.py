"""The CLI: help everywhere, one-line errors with exit code 1, convert and generate wiring."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pairsmith.app.cli import app
from tests.openai_server import OpenAIStub

runner = CliRunner()


@pytest.mark.parametrize("command", [[], ["generate"], ["convert"], ["models"], ["templates"]])
def test_help_everywhere(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def test_help_and_models_start_without_the_heavy_libraries() -> None:
    """`pairsmith --help` and `pairsmith models` import neither torch nor transformers: a user asking
    for help does not wait for a training stack to load. Run in a fresh interpreter."""
    code = ("import sys\nfrom typer.testing import CliRunner\nfrom pairsmith.app.cli import app\n"
            "for args in (['--help'], ['models']):\n    assert CliRunner().invoke(app, args).exit_code == 0, args\n"
            "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers', 'datasets') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    python_m = subprocess.run([sys.executable, "-m", "pairsmith", "--help"], capture_output=True, text=True, timeout=120)
    assert python_m.returncode == 0 and "Usage" in python_m.stdout


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
    assert "is the input given as the docs" in line and target.read_bytes() == before


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
    assert "<section>" in result.output and "no model was called" in result.output
    assert not (tmp_path / "o.jsonl").exists()


def test_generate_prints_summary(docs: Path, tmp_path: Path) -> None:
    with OpenAIStub() as server:
        result = runner.invoke(app, ["generate", str(docs), "--out", str(tmp_path / "o.jsonl"), "--model", "m",
                                     "--base-url", server.base_url, "--pairs-per-chunk", "1"])
        assert result.exit_code == 0, result.output
        # The stub answers every chunk alike: the same pair from the same file is written once.
        assert "files: 2 read" in result.output and "pairs: 2 new, 1 repeated in this run" in result.output
        assert "pairs/s" in result.output
        again = runner.invoke(app, ["generate", str(docs), "--out", str(tmp_path / "o.jsonl"), "--model", "m",
                                    "--base-url", server.base_url, "--pairs-per-chunk", "1"])
    assert again.exit_code == 0, again.output
    assert "pairs: 0 new, 3 already in the output" in again.output  # a re-run writes nothing twice
    assert len((tmp_path / "o.jsonl").read_text().splitlines()) == 2


def test_a_given_name_the_docs_write_otherwise_is_noted_once(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "guide.md").write_text("# Guide\n\nBeacon reads the file. Pass it to Beacon and Beacon writes it; "
                                   "with Beacon, nothing else runs.\n", encoding="utf-8")
    with OpenAIStub() as server:
        result = runner.invoke(app, ["generate", str(docs), "--out", str(tmp_path / "o.jsonl"), "--model", "m",
                                     "--base-url", server.base_url, "--project", "beacon"])
    assert result.exit_code == 0, result.output
    assert result.output.count("note: --project 'beacon' is also an English word") == 1
    assert "pass --project Beacon" in result.output


def test_server_url_from_environment(docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with OpenAIStub() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-env-key")
        result = runner.invoke(app, ["generate", str(docs), "--out", str(tmp_path / "o.jsonl"), "--model", "m"])
        assert result.exit_code == 0, result.output
        assert server.headers[0]["authorization"] == "Bearer sk-env-key"


def test_moderate_command(tiny_embedder: Path, tmp_path: Path) -> None:
    from tests.conftest import lamini_file

    data, rows = lamini_file(tmp_path, 300)
    result = runner.invoke(app, ["moderate", str(data), "--out", str(tmp_path / "c.jsonl"), "--embedder",
                                 str(tiny_embedder), "--report", str(tmp_path / "report.md")])
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith(f"{len(rows)} pairs: ") and "kept" in last and "to review" in last and "dropped" in last
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


def test_values_of_the_wrong_type_stop_moderate_and_convert(tmp_path: Path) -> None:
    src = tmp_path / "typed.jsonl"
    src.write_text('{"instruction": "What is it?", "output": "A tool."}\n'
                   '{"instruction": {"nested": 1}, "output": "An answer."}\n', encoding="utf-8")
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    for command in (["moderate", str(src), "--out", str(tmp_path / "c.jsonl")],
                    ["convert", str(src), str(tmp_path / "c.csv")]):
        line = _one_line_error(runner.invoke(app, command))
        assert "typed.jsonl:2" in line and "'instruction' holds an object" in line
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before
    assert not (tmp_path / "c.jsonl").exists() and not (tmp_path / "c.csv").exists()


def test_convert_reads_a_file_with_a_byte_order_mark(tmp_path: Path) -> None:
    src = tmp_path / "bom.jsonl"
    src.write_bytes(b"\xef\xbb\xbf" + b'{"instruction": "How do I install pairsmith?", "output": "Run pip install."}\n')
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    result = runner.invoke(app, ["convert", str(src), str(tmp_path / "out.jsonl")])
    assert result.exit_code == 0 and "wrote 1 pairs" in result.output
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before


def test_generate_summary_warns_about_an_unterminated_fence(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    code = "\n".join(f"result_{i} = compute(value_{i}, option={i})  # step {i}" for i in range(120))
    (docs / "x.md").write_text(f"# Tool\n\nWhat the tool does, in one plain sentence.\n\n```python\n{code}\n",
                               encoding="utf-8")
    with OpenAIStub() as server:
        result = runner.invoke(app, ["generate", str(docs), "--out", str(tmp_path / "o.jsonl"), "--model", "m",
                                     "--base-url", server.base_url, "--pairs-per-chunk", "1",
                                     "--chunk-tokens", "384", "--no-cache"])
    assert result.exit_code == 0, result.output
    warning = next(line for line in result.output.splitlines() if line.startswith("warning:"))
    assert warning.endswith("x.md:5: unterminated code fence; cut at the chunk budget")
    chunks = int(next(line for line in result.output.splitlines() if line.startswith("chunks:")).split()[1])
    assert chunks >= 4  # 120 lines of code are cut into several chunks, not one of 5x the budget


def test_the_readmes_generate_defaults_are_the_options_defaults() -> None:
    """The README's table of `generate` options states defaults; each must be the one GenerateOptions
    holds (defaults are written once, in the options model; the README is checked against it)."""
    import re

    from alpaca_gen.options import GenerateOptions
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = next(block for block in readme.split("\n\n") if "`--pairs-per-chunk N`" in block)
    stated = re.findall(r"^\| `--([a-z-]+)[^`]*`[^|]*\|[^|]*?\(default (\d+(?:\.\d+)?)", table, re.M)
    fields = GenerateOptions.model_fields
    # a default of None is decided elsewhere (the temperature is the strategy's): not a number to compare
    checked = {flag: value for flag, value in stated
               if flag.replace("-", "_") in fields and fields[flag.replace("-", "_")].default is not None}
    assert len(checked) >= 5, stated
    for flag, value in checked.items():
        assert float(value) == float(fields[flag.replace("-", "_")].default), f"README says --{flag} defaults to {value}"
