"""The answer-first strategy: answerable sentences of real Markdown, the questions a model writes
for them and the round-trip check that keeps a question only when it finds its own sentence."""

from __future__ import annotations

import json
from pathlib import Path

from alpaca_gen.strategies.answer_first import answerable_sentences, context_of, subjects
from alpaca_gen.generate import generate
from alpaca_gen.options import GenerateOptions
from alpaca_gen.run import collect_chunks
from tests.conftest import ROOT

DOC = """# Widget

Widget turns sketches into diagrams for your docs.

## Options

| option | meaning | default |
|---|---|---|
| `--out FILE` | where the diagram is written | `out.svg` |
| `--scale N` | how much to enlarge the drawing | 1 |

## Formats

| format | suffix |
|---|---|
| scalable | `.svg` |
| raster | `.png` |

## Engines

- **dot** (the default): lays out directed graphs from the top down, one rank per level.
- **neato**: places nodes by a spring model, for undirected graphs of any shape.

## Install widget

Install it with pip and check the version afterwards, since old versions draw no arrows.

```bash
pip install widget
```
"""


def write_doc(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "README.md").write_text(DOC, encoding="utf-8")
    return folder


def test_a_tagline_title_names_the_project_by_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "widget"
    folder.mkdir()
    (folder / "README.md").write_text("# FastAPI of CLIs\n\nwidget is great. Install widget. Run widget today.\n",
                                      encoding="utf-8")
    _, chunks = collect_chunks([str(folder)])
    assert set(subjects(chunks).values()) == {"widget"}


def test_answerable_sentences_stand_alone() -> None:
    text = ("It runs the whole loop from docs to a model.\n\nThe cache keeps finished work so that a second "
            "run makes no model calls.\n\nRun the following to test the output on your terminal:\n\n"
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n![badge](https://img.shields.io/x.svg) and more badges here.")
    assert answerable_sentences(text) == ["The cache keeps finished work so that a second run makes no model calls."]


GRID = """Sketchy
=======

+--------------------+-------------------------------------+
| Data Sketch        | Usage                               |
+====================+=====================================+
| `MinHash`_         | estimate Jaccard similarity and     |
|                    | cardinality                         |
+--------------------+-------------------------------------+
| `HyperLogLog`_     | estimate cardinality                |
+--------------------+-------------------------------------+

+---------------+------------------+----------------------+
| Index         | For Data Sketch  | Supported Query Type |
+===============+==================+======================+
| `MinHash LSH`_| MinHash          | Jaccard Threshold    |
+---------------+------------------+----------------------+
"""


def test_code_is_never_an_answerable_sentence() -> None:
    text = ("Create a file with this content and run it from your terminal.\n\n```python\nimport typer\n\n"
            "def main(name: str):\n    print(f\"Hello {name}, welcome to the example program.\")\n```\n\n"
            ".. code-block:: python\n\n    >>> from widget import Widget and draw the whole thing now.\n")
    assert answerable_sentences(text) == ["Create a file with this content and run it from your terminal."]


def test_question_prompts_carry_the_sentence_and_what_leads_to_it() -> None:
    text = "Widget reads Markdown. It draws each heading as a box with its children below it.\n\nOther text."
    assert context_of("It draws each heading as a box with its children below it.", text, 40) == \
        "Widget reads Markdown. It draws each heading as a box with its children below it."
    assert context_of("It draws each heading as a box with its children below it.", text, 12) == \
        "It draws each heading as a box with its children below it."


def test_a_folder_named_project_is_spelled_as_its_readme_spells_it(tmp_path: Path) -> None:
    folder = tmp_path / "widget"
    folder.mkdir()
    (folder / "README.md").write_text("<p>logo</p>\n\nWidget draws. Widget is fast. Use Widget, not `widget.x`.\n",
                                      encoding="utf-8")
    _, chunks = collect_chunks([str(folder)])
    assert set(subjects(chunks).values()) == {"Widget"}


def test_subject_is_the_readme_title(tmp_path: Path) -> None:
    found, chunks = collect_chunks([write_doc(tmp_path)])
    assert set(subjects(chunks).values()) == {"Widget"}


def test_answer_first_run_records_methods_and_rejects(tiny_lm: Path, tiny_embedder: Path, tmp_path: Path) -> None:
    out = tmp_path / "pairs.jsonl"
    summary = generate(GenerateOptions(paths=[str(write_doc(tmp_path))], out=str(out), model=str(tiny_lm),
                                       embedder=str(tiny_embedder), pairs_per_chunk=2, candidates=2,
                                       strategy="answer-first", no_cache=True, progress=False))
    rows = [json.loads(l) for l in out.read_text().splitlines()] if out.exists() else []
    assert all(r["generator"]["params"]["strategy"] == "answer-first" for r in rows)
    rejects = [json.loads(l) for l in (tmp_path / "pairs.rejects.jsonl").read_text().splitlines()]
    # The tiny model's questions are noise: each answer it was asked about yields a reject, never a bad pair.
    assert rejects and all(r["reason"] == "no round-trip-consistent question" and r["answer"] for r in rejects)
    assert not [r for r in rows if r["generator"]["method"] == "answer_first"]
    assert summary.pairs_written == len(rows)
