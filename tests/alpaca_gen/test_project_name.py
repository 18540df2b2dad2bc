"""The project a run's questions name, found beside the docs when `--project` is not given."""

from __future__ import annotations

from pathlib import Path

from alpaca_gen.project import infer_project


def test_the_project_is_named_by_the_docs_config_up_to_the_repository_root(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    guide = repo / "docs" / "guide"
    guide.mkdir(parents=True)
    assert infer_project([str(guide)]) is None  # nothing names it anywhere up to the root
    (repo / "pyproject.toml").write_text('[project]\nname = "host"\n', encoding="utf-8")
    (repo / "README.md").write_text("# Host\n\nText.\n", encoding="utf-8")
    assert infer_project([str(guide)]) is None  # two levels up, a package names itself, not these docs
    (repo / "mkdocs.yml").write_text("site_name: Widget Documentation\nnav:\n  - index.md\n", encoding="utf-8")
    assert infer_project([str(guide)]) == "Widget"  # two levels up, "Documentation" dropped
    (repo / "docs" / "conf.py").write_text('project = "Gizmo"  # the Sphinx project\n', encoding="utf-8")
    assert infer_project([str(guide)]) == "Gizmo"  # the nearer folder names it first
    (guide / "pyproject.toml").write_text('[project]\nname = "gadget"\n', encoding="utf-8")
    assert infer_project([str(guide)]) == "gadget"


def test_without_a_repository_only_the_docs_folder_and_its_parent_are_read(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: Far Away\n", encoding="utf-8")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert infer_project([str(deep)]) is None
    (tmp_path / "a" / "README.md").write_text("# Near\n\nText.\n", encoding="utf-8")
    assert infer_project([str(deep)]) == "Near"
