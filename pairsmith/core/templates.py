"""Prompt templates: plain files in `prompts/`, shipped inside the wheel.

A template is YAML front matter (version, purpose, description, optional system message)
followed by the user message, with `{name}` placeholders; `{{` and `}}` are literal braces.
Its id, `name@version`, is recorded on every pair and is part of the resume cache key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from pairsmith.core.errors import ConfigError

_FIELD = re.compile(r"\{\{|\}\}|\{(\w+)\}")


def prompts_dir() -> Path:
    """The templates folder: inside the installed package, else the source tree's `prompts/`."""
    package = Path(__file__).resolve().parents[1]  # pairsmith/
    packaged = package / "prompts"
    if packaged.is_dir():
        return packaged
    return package.parent / "prompts"


@dataclass(frozen=True)
class Template:
    """A prompt template with its metadata."""

    name: str
    version: int
    purpose: str
    description: str
    system: str
    body: str

    @property
    def id(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def fields(self) -> set[str]:
        return {m.group(1) for m in _FIELD.finditer(self.body) if m.group(1)}

    def render(self, **values: object) -> str:
        """Fill the placeholders; a missing value is a ConfigError naming it."""
        missing = self.fields - values.keys()
        if missing:
            raise ConfigError(f"template {self.id} needs values for: {', '.join(sorted(missing))}")

        def sub(match: re.Match[str]) -> str:
            token = match.group(0)
            if token == "{{":
                return "{"
            if token == "}}":
                return "}"
            return str(values[match.group(1)])

        return _FIELD.sub(sub, self.body).strip()


def parse_template(name: str, text: str) -> Template:
    """Parse a template file's text (front matter optional)."""
    meta: dict = {}
    body = text
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end < 0:
            raise ConfigError(f"template {name}: front matter is not closed with '---'")
        meta = yaml.safe_load(text[4:end]) or {}
        body = text[end + 5 :]
    return Template(name, int(meta.get("version", 1)), str(meta.get("purpose", "generate")),
                    str(meta.get("description", "")), str(meta.get("system", "") or ""), body)


@lru_cache(maxsize=64)
def load_template(name_or_path: str) -> Template:
    """Load a template by name (a file in `prompts/`) or by path to a user's own file."""
    path = Path(name_or_path)
    if path.suffix and path.exists():
        return parse_template(path.stem, path.read_text(encoding="utf-8"))
    candidate = prompts_dir() / f"{name_or_path}.txt"
    if not candidate.exists():
        raise ConfigError(f"unknown template '{name_or_path}'; choose one of: {', '.join(list_templates())}"
                          " or give the path of a template file")
    return parse_template(name_or_path, candidate.read_text(encoding="utf-8"))


def list_templates() -> list[str]:
    """Names of the bundled templates."""
    return sorted(p.stem for p in prompts_dir().glob("*.txt"))


def seed_tasks_path() -> Path:
    """The bundled seed tasks for self-instruct (pairsmith's own, in Alpaca's seed format)."""
    return prompts_dir() / "seed_tasks.jsonl"
