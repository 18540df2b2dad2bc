"""The project the docs belong to, so that questions can name it.

A question "How do I export curated pairs?" is understood only with its project's name. The
name is `--project` when given; else the `name` of a pyproject.toml or package.json, or the
first heading of a README, in the docs folder or the folder above it (where a repository keeps
its docs/); else unknown, and prompts name each document's title instead.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

_HEADING = re.compile(r"^\s*#\s+(.+?)\s*#*\s*$|^(\S.*)\n[=#*-]{3,}\s*$", re.M)


def _name_in(folder: Path) -> str | None:
    try:
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            name = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("name")
            if isinstance(name, str) and name.strip():
                return name.strip()
        package = folder / "package.json"
        if package.is_file():
            name = json.loads(package.read_text(encoding="utf-8")).get("name")
            if isinstance(name, str) and name.strip():
                return name.strip().split("/")[-1]
        for readme in sorted(folder.glob("README*")):
            if readme.suffix.lower() in (".md", ".rst", ".txt", ""):
                found = _HEADING.search(readme.read_text(encoding="utf-8", errors="replace")[:4000])
                if found:
                    title = (found.group(1) or found.group(2)).strip()
                    title = re.sub(r"[`*_\[\]]|\(.*?\)|<[^>]+>", "", title).strip()
                    if 0 < len(title.split()) <= 4:
                        return title
    except (OSError, ValueError):
        return None
    return None


def infer_project(paths: list[str]) -> str | None:
    """The project's name from the files beside the docs, or None."""
    for raw in paths:
        path = Path(raw).expanduser()
        folder = path if path.is_dir() else path.parent
        if not folder.exists():
            continue
        for candidate in (folder, folder.parent):
            name = _name_in(candidate)
            if name:
                return name
    return None
