"""The import contract: stages stand on the core and never on each other; the core knows no
stage, except the faces on top of everything (the CLI, the pipeline, the Python API)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

STAGES = ("alpaca_gen", "moderation", "finetune")
FACES = {"pairsmith/cli.py", "pairsmith/pipeline.py", "pairsmith/api.py", "pairsmith/runner.py", "pairsmith/__init__.py"}


def imported_packages(path: Path) -> set[str]:
    """Top-level packages a module imports, anywhere in it (inside functions too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_stages_import_the_core_only() -> None:
    broken = []
    for stage in STAGES:
        for path in modules(stage):
            others = imported_packages(path) & (set(STAGES) - {stage})
            if others:
                broken.append(f"{path.relative_to(ROOT)} imports {sorted(others)}")
    assert not broken, "a stage imports another stage (move what they share into pairsmith/):\n" + "\n".join(broken)


def test_the_core_imports_no_stage() -> None:
    broken = []
    for path in modules("pairsmith"):
        relative = str(path.relative_to(ROOT))
        if relative in FACES:
            continue
        stages = imported_packages(path) & set(STAGES)
        if stages:
            broken.append(f"{relative} imports {sorted(stages)}")
    assert not broken, "the core imports a stage:\n" + "\n".join(broken)


def test_the_contract_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from moderation.rules import apply_rules\n    import finetune.train\n")
    assert imported_packages(module) == {"moderation", "finetune"}


def test_every_backend_registers_by_name() -> None:
    from pairsmith.backends.registry import names

    files = {p.stem for p in (ROOT / "pairsmith" / "backends").glob("*.py")} - {"__init__", "base", "registry"}
    assert set(names()) == files == {"hf", "llamacpp", "openai"}
