"""Properties of what the model is shown, over many generated documents (seeded, not one golden
file): a table row reaches the prompt as one line that names the row's subject beside its values
and under its header row, a definition keeps its term, and no markup a reader would not see is left.
A question the model writes from a row can only name the row's subject if the row carries it."""

from __future__ import annotations

import random

import pytest

from alpaca_gen.chunk import ChunkConfig, chunk_document
from alpaca_gen.extract.markdown import markdown_blocks
from alpaca_gen.extract.rst import rst_blocks
from alpaca_gen.ingest import Document
from pairsmith.core.readable import markup_residue, readable

_SYLLABLES = ("max", "age", "time", "out", "retry", "pool", "size", "path", "key", "log", "level", "host", "port")


def _name(rng: random.Random) -> str:
    return "_".join(rng.sample(_SYLLABLES, rng.randint(1, 3)))


def _rows(rng: random.Random) -> list[tuple[str, str, str]]:
    names = list(dict.fromkeys(_name(rng) for _ in range(rng.randint(2, 7))))
    return [(name, str(rng.randint(0, 9999)), f"how long the {rng.choice(_SYLLABLES)} lasts") for name in names]


def _rst_table(rows: list[tuple[str, str, str]], rng: random.Random) -> str:
    role = rng.choice(["``{}``", ":attr:`{}`", ":attr:`~pkg.Settings.{}`", "*{}*", "{}"])
    lines = [".. list-table:: Settings", "   :header-rows: 1", "", "   * - Name", "     - Default", "     - Meaning"]
    for name, default, meaning in rows:
        lines += [f"   * - {role.format(name)}", f"     - ``{default}``", f"     - {meaning.capitalize()}."]
    return "\n".join(lines)


def _markdown_table(rows: list[tuple[str, str, str]], rng: random.Random) -> str:
    wrap = rng.choice(["`{}`", "{}", "[`{}`](#{})", "**{}**"])
    lines = ["| Name | Default | Meaning |", "|---|---|---|"]
    lines += [f"| {wrap.format(name, name)} | `{default}` | {meaning} |" for name, default, meaning in rows]
    return "\n".join(lines)


def _document(kind: str, body: str, rng: random.Random) -> Document:
    intro = "Widget reads these settings when it starts; each can be set in the environment."
    if kind == "rst":
        text = f"Settings\n========\n\n{intro}\n\n{body}\n"
        return Document("settings.rst", "rst", rst_blocks(text))
    text = f"# Settings\n\n{intro}\n\n{body}\n"
    return Document("settings.md", "markdown", markdown_blocks(text))


@pytest.mark.parametrize("kind", ["rst", "markdown"])
def test_every_table_row_reaches_the_prompt_with_its_subject_values_and_header(kind: str) -> None:
    for seed in range(40):
        rng = random.Random(seed)
        rows = _rows(rng)
        body = _rst_table(rows, rng) if kind == "rst" else _markdown_table(rows, rng)
        doc = _document(kind, body, rng)
        tables = [b for b in doc.blocks if b.kind == "table"]
        assert len(tables) == 1, (seed, [b.kind for b in doc.blocks])
        shown = [readable(c.text) for c in chunk_document(doc, ChunkConfig(max_tokens=rng.choice([32, 64, 384])))]
        for name, default, meaning in rows:
            holding = [text for text in shown if any(name in line and default in line for line in text.splitlines())]
            assert holding, (seed, name)
            for text in holding:
                row = next(line for line in text.splitlines() if name in line and default in line)
                assert meaning in row.lower(), (seed, row)  # subject, value and meaning on one line
                assert "Name" in text and "Default" in text, (seed, text)  # under its header
                assert markup_residue(text) is None, (seed, text)


def test_every_definition_keeps_its_term() -> None:
    for seed in range(40):
        rng = random.Random(seed)
        rows = _rows(rng)
        body = "\n\n".join(f"``{name}``\n    Defaults to ``{default}``: {meaning}." for name, default, meaning in rows)
        doc = _document("rst", body, rng)
        text = "\n".join(readable(c.text) for c in chunk_document(doc))
        for name, default, meaning in rows:
            line = next((line for line in text.splitlines() if f"`{default}`" in line and meaning in line), None)
            assert line is not None and line.startswith(f"`{name}`:"), (seed, name, text)
        assert markup_residue(text) is None, (seed, text)
