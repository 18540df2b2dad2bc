"""No command loses what a user gave it: every output is checked against every input and every
other output before any work, and locked against a second process. Through the CLI, with the
files' checksums compared before and after."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pairsmith.app.cli import app
from pairsmith.core.locks import lock_path, output_lock

runner = CliRunner()


def _one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [l for l in result.output.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


def checksums(folder: Path) -> dict[str, str]:
    """Every file under `folder` with its SHA-256: what a command must leave as it was."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def pair(i: int) -> dict:
    return {"instruction": f"How do I configure option number {i} of the tool?", "input": "",
            "output": f"Set option {i} in the configuration file and run the command again."}


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """in/ holds a user's files: pairs as JSONL and Alpaca JSON, a filled review CSV."""
    folder = tmp_path / "in"
    folder.mkdir()
    rows = [pair(i) for i in range(8)]
    (folder / "good.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    (folder / "alp.json").write_text(json.dumps(rows), encoding="utf-8")
    (folder / "review.csv").write_text("id,decision\np_1,approve\n", encoding="utf-8")
    return tmp_path


# The five cases that once destroyed a user's data while exiting 0.
@pytest.mark.parametrize("args, names", [
    (["moderate", "in/alp.json", "--out", "out/c.jsonl", "--report", "in/alp.md"], ["--report", "in/alp.json"]),
    (["moderate", "in/good.jsonl", "--out", "out/c.json", "--report", "out/c.md"], ["--report", "--out", "out/c.json"]),
    (["moderate", "in/good.jsonl", "--out", "out/c.jsonl", "--rejects", "out/c.jsonl"], ["--rejects", "--out"]),
    (["review", "import", "in/review.csv", "--data", "in/good.jsonl", "--out", "in/review.csv"], ["--out", "in/review.csv"]),
    (["review", "import", "in/review.csv", "--data", "in/good.jsonl", "--out", "out/r.jsonl", "--reviews", "in/good.jsonl"],
     ["--reviews", "in/good.jsonl"]),
])
def test_an_output_that_is_an_input_or_another_output_is_refused(work: Path, monkeypatch, args, names) -> None:
    monkeypatch.chdir(work)
    (work / "out").mkdir()
    (work / "out" / "c.json").write_text("[]", encoding="utf-8")  # an earlier curated output, also kept
    before = checksums(work)
    line = _one_line_error(runner.invoke(app, args))
    assert all(name in line for name in names), line
    assert checksums(work) == before


def test_places_that_cannot_take_the_output(work: Path, monkeypatch) -> None:
    monkeypatch.chdir(work)
    (work / "folder").mkdir()
    (work / "a_file").write_text("keep me", encoding="utf-8")
    before = checksums(work)
    cases = [
        (["convert", "in/good.jsonl", "folder", "--to", "jsonl"], "is a folder"),
        (["convert", "in/good.jsonl", "folder"], "exists; choose a new folder"),
        (["convert", "in/good.jsonl", "/proc/pairsmith/x.jsonl"], "cannot write"),
        (["moderate", "in/good.jsonl", "--out", "/proc/x/c.jsonl"], "cannot write"),
        (["moderate", "in/good.jsonl", "--out", "a_file/c.jsonl"], "is a file"),
        (["train", "in/good.jsonl", "--out", "a_file"], "is a file"),
        (["eval", "folder", "--out", "a_file"], "is a file"),
        (["review", "export", "in/good.jsonl", "--out", "a_file"], "is a file"),
        (["generate", "in", "--out", "folder", "--dry-run"], None),  # a dry run writes nothing: allowed
        (["generate", "in", "--out", "folder"], "is a folder"),
        (["run", "in", "--out", "in"], "is the input"),
    ]
    for args, expected in cases:
        result = runner.invoke(app, args)
        if expected is None:
            assert result.exit_code == 0, result.output
            continue
        assert expected in _one_line_error(result), (args, result.output)
    assert checksums(work) == before


def test_a_second_process_on_the_same_output_is_refused(work: Path, monkeypatch) -> None:
    monkeypatch.chdir(work)
    out = work / "out" / "c.jsonl"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pairsmith.core.locks import output_lock\n"
         f"with output_lock({str(out)!r}):\n    print('held', flush=True)\n    time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
    try:
        assert holder.stdout.readline().strip() == "held"
        line = _one_line_error(runner.invoke(app, ["moderate", "in/good.jsonl", "--out", str(out)]))
        assert f"process {holder.pid}" in line and "--out" in line
        assert not out.exists()
    finally:
        holder.kill()
        holder.wait()
    # The kernel drops a killed holder's lock: the next claim goes ahead, and removes its lock file.
    with output_lock(out):
        assert lock_path(out).read_text() == str(os.getpid())
    assert not lock_path(out).exists()


def test_review_import_reads_bad_csvs_as_one_line(work: Path, monkeypatch) -> None:
    monkeypatch.chdir(work)
    (work / "empty.csv").write_bytes(b"")
    (work / "latin1.csv").write_bytes("id,decision,note\np_1,approve,caf\xe9\n".encode("latin-1"))
    before = checksums(work)
    for name, expected in (("empty.csv", "empty"), ("latin1.csv", "not UTF-8")):
        line = _one_line_error(runner.invoke(app, ["review", "import", name, "--data", "in/good.jsonl",
                                                   "--out", "out/r.jsonl"]))
        assert expected in line and name in line
    assert checksums(work) == before


def test_review_import_names_decisions_for_pairs_not_in_the_data(work: Path, monkeypatch) -> None:
    monkeypatch.chdir(work)
    from pairsmith.core.formats import load_pairs

    ids = [p.id for p in load_pairs("in/good.jsonl")]
    (work / "filled.csv").write_text(f"id,decision\n{ids[0]},approve\np_gone1,reject\np_gone2,approve\n",
                                     encoding="utf-8")
    result = runner.invoke(app, ["review", "import", "filled.csv", "--data", "in/good.jsonl", "--out", "out/r.jsonl"])
    assert result.exit_code == 0, result.output
    assert "2 of them name pairs not in in/good.jsonl (p_gone1, p_gone2)" in result.output
    assert "1 approved" in result.output
