"""The import contract, read from every import (those inside functions too):

    pairsmith.app      the CLI, the Python API, the run   may import anything
    alpaca_gen, moderation, finetune   the stages         import pairsmith.core, never each other
    pairsmith.core     the foundation                     imports no stage and nothing of pairsmith.app
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

STAGES = ("alpaca_gen", "moderation", "finetune")


def imported_modules(path: Path) -> set[str]:
    """Dotted names of the modules a file imports, anywhere in it; `from a import b` gives a.b too,
    since b may be a module."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def layer_of(module: str) -> str | None:
    """Which layer a dotted module name belongs to; None for third-party and standard modules."""
    top = module.split(".")[0]
    if top in STAGES:
        return top
    if top != "pairsmith":
        return None
    parts = module.split(".")
    if len(parts) == 1:
        return "pairsmith"  # the package's face: its names lead into pairsmith.app
    return {"core": "pairsmith.core", "app": "pairsmith.app"}.get(parts[1], "pairsmith")


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def breaches(folder: str, allowed: set[str]) -> list[str]:
    """Each import of a module in `folder` that reaches a layer outside `allowed`."""
    found = []
    for path in modules(folder):
        for module in sorted(imported_modules(path)):
            layer = layer_of(module)
            if layer is not None and layer not in allowed:
                found.append(f"{path.relative_to(ROOT)} imports {module}")
    return found


def test_stages_stand_on_the_core_only() -> None:
    broken = [b for stage in STAGES for b in breaches(stage, {stage, "pairsmith.core"})]
    assert not broken, "a stage imports another stage or the app (move what they share into pairsmith/core/):\n" + \
        "\n".join(broken)


def test_the_core_imports_no_stage_and_not_the_app() -> None:
    broken = breaches("pairsmith/core", {"pairsmith.core"})
    assert not broken, "the foundation reaches above itself:\n" + "\n".join(broken)


def test_every_module_of_pairsmith_is_in_a_layer() -> None:
    """Beside core/ and app/ the package holds only its face (`__init__`, `__main__`)."""
    loose = {p.name for p in (ROOT / "pairsmith").glob("*.py")}
    assert loose == {"__init__.py", "__main__.py"}, loose


def test_the_contract_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from moderation.rules import apply_rules\n    import finetune.train\n"
                      "    from pairsmith.app import api\n")
    assert {layer_of(m) for m in imported_modules(module)} == {"moderation", "finetune", "pairsmith.app"}


def test_every_backend_registers_by_name() -> None:
    from pairsmith.core.backends.registry import names

    files = {p.stem for p in (ROOT / "pairsmith" / "core" / "backends").glob("*.py")} - {"__init__", "base", "registry"}
    assert files == {"hf", "llamacpp", "openai"} and set(names()) == {"hf", "llamacpp", "openai", "openai-fleet"}


def test_every_strategy_registers_by_name_and_a_typo_lists_them() -> None:
    import pytest

    from alpaca_gen.options import GenerateOptions
    from alpaca_gen.strategies import names
    from pairsmith.core.errors import ConfigError

    files = {p.stem for p in (ROOT / "alpaca_gen" / "strategies").glob("*.py")} - {"__init__", "base", "registry"}
    assert len(names()) == len(files) and set(names()) == {"sections", "answer-first", "multi", "stepwise"}
    with pytest.raises(ConfigError, match="choose auto or one of: answer-first, multi, sections, stepwise"):
        GenerateOptions(paths=["docs"], out="pairs.jsonl", strategy="secions")


def test_every_document_reader_registers_its_kind_and_suffixes() -> None:
    from alpaca_gen.extract import READERS, kind_for

    files = {p.stem for p in (ROOT / "alpaca_gen" / "extract").glob("*.py")} - {"__init__", "registry"}
    assert set(READERS) == files  # one reader per file, named by its kind
    for kind, reader in READERS.items():
        assert reader.suffixes and all(kind_for("doc", suffix.upper()) == kind for suffix in reader.suffixes)
    assert {k for k, r in READERS.items() if r.converts} == {"pdf", "docx"}


def import_graph() -> dict[str, set[str]]:
    """Each project module and the project modules it imports, anywhere in it (inside functions too;
    only an `if TYPE_CHECKING:` block, which never runs, is left out). A package importing its own
    modules is not counted, nor a module importing the package it lies in."""
    paths = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
             for top in (*STAGES, "pairsmith") for p in (ROOT / top).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING"
                   for n in ast.walk(node)}
        found: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        graph[name] = {m for m in found & set(paths) if not name.startswith(m + ".") and not m.startswith(name + ".")}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles() -> None:
    found = cycles(import_graph())
    assert not found, "modules that import each other (move what they share into a module both import):\n" + \
        "\n".join(" <-> ".join(group) for group in found)


def test_the_cycle_check_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_moderation_step_is_found_by_its_file_and_runs_at_its_order() -> None:
    import re

    from moderation.steps import STEPS

    defining = {p.stem for p in (ROOT / "moderation" / "steps").glob("*.py")
                if re.search(r"^@register\nclass \w+\((?:Pair)?Step\)", p.read_text(encoding="utf-8"), re.M)}
    assert len(STEPS) == len(defining) and len({s.order for s in STEPS}) == len(STEPS)
    assert [s.order for s in STEPS] == sorted(s.order for s in STEPS)
    assert STEPS[0].name == "rules" and STEPS[-1].name == "ifd"  # cheap rules first, the model-based step last


def test_the_tests_mirror_the_packages() -> None:
    """A test lives in the folder of the layer or stage it tests; only this contract sits at the top."""
    folders = {p.parent.name for p in (ROOT / "tests").rglob("test_*.py") if p.parent != ROOT / "tests"}
    assert folders == {"core", "app", *STAGES}
    assert {p.name for p in (ROOT / "tests").glob("test_*.py")} == {"test_layers.py"}


def test_every_output_format_is_found_by_its_file() -> None:
    from pairsmith.core.formats import FOLDER_FORMATS, FORMATS, write_pairs
    from pairsmith.core.errors import ConfigError
    import pytest

    files = [p for p in (ROOT / "pairsmith" / "core" / "formats").glob("to_*.py")]
    registering = {p.stem for p in files if "@output_format(" in p.read_text() or "register_format(" in p.read_text()}
    assert registering == {p.stem for p in files} and len(FORMATS) >= len(files)
    assert list(FORMATS)[0] == "jsonl" and set(FOLDER_FORMATS) == {"hf", "llamafactory"}
    with pytest.raises(ConfigError, match="choose one of: jsonl, alpaca"):
        write_pairs([], ROOT / "never-written.jsonl", "jsonlines")
