"""The example notebook runs top to bottom in a real Jupyter kernel (tiny models via its
environment variables, so it takes seconds here; with the defaults it uses the offline models)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT


def test_the_example_notebook_runs(tiny_lm: Path, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(ROOT / "examples" / "quickstart_api.ipynb", as_version=4)
    docs = tmp_path / "docs"  # three short documents: training holds one out whole
    docs.mkdir()
    for name in ("generation.md", "review.md", "training.md"):
        shutil.copy(ROOT / "examples" / "docs" / "faq" / name, docs / name)
    for key, value in {"PAIRSMITH_EXAMPLE_TEACHER": "qwen2.5-coder-0.5b-instruct",
                       "PAIRSMITH_EXAMPLE_PROJECT": "pairsmith",  # the copied docs have no README to name it
                       # the real embedder: moderation with random vectors would judge real pairs at random
                       "PAIRSMITH_EXAMPLE_MODEL": str(tiny_lm),
                       "PAIRSMITH_EXAMPLE_STEPS": "1", "PAIRSMITH_EXAMPLE_TOKENS": "2",
                       "PAIRSMITH_EXAMPLE_DOCS": str(docs),
                       "PAIRSMITH_EXAMPLE_OUT": str(tmp_path / "run")}.items():
        monkeypatch.setenv(key, value)
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
                      for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", []))
    assert "pairs" in outputs and "ModerationResult(" in outputs and "steps, train loss" in outputs
    assert (tmp_path / "run" / "run" / "model" / "config.json").exists()
    assert (tmp_path / "run" / "run" / "eval" / "report.html").exists()
