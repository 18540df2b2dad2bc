"""Ingest and chunking on real Markdown, rst, HTML, notebooks and Python docstrings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alpaca_gen.chunk import ChunkConfig, chunk_document, chunk_warnings, count_tokens
from alpaca_gen.ingest import ingest, read_document
from alpaca_gen.page_titles import labelled_section_title
from pairsmith.core.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "docs"

NESTED_MD = """# Top

Intro paragraph that says what the whole page is about in a few plain words.

## Setup

Some setup prose comes first and explains the steps that follow in order.

```python
def long_function():
    # a fenced block that must never be split, even under a tiny budget

    return [i for i in range(100)]
```

### Deeper

| option | default |
|---|---|
| alpha | 1 |
| beta | 2 |

Text after the table, closing the deeper section of the setup chapter.
"""


def _tree(root: Path, files: dict[str, str]) -> None:
    """Write each file (a path under root, its text), with its folders."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def _doc(tmp_path: Path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    doc = read_document(path)
    assert not isinstance(doc, str), doc
    return doc, text.splitlines()


def test_markdown_chunks_keep_heading_paths_and_line_spans(tmp_path: Path) -> None:
    doc, lines = _doc(tmp_path, "page.md", NESTED_MD)
    chunks = chunk_document(doc)
    paths = [c.headings for c in chunks]
    assert ["Top", "Setup"] in paths and ["Top", "Setup", "Deeper"] in paths
    # The short intro under "Top" is carried into its first child section, not lost.
    assert "Intro paragraph" in next(c.text for c in chunks if c.headings == ["Top", "Setup"])
    for chunk in chunks:
        span = "\n".join(lines[chunk.start - 1 : chunk.end])
        # Every body line of the chunk comes from inside its line span.
        for line in chunk.text.splitlines():
            if line.strip() and not line.startswith("#"):
                assert line in span, (line, chunk.start, chunk.end)


def test_a_headings_attribute_list_is_no_part_of_its_title(tmp_path: Path) -> None:
    text = "# Events { #events }\n\nIntro with enough words to stand alone.\n\n## Startup {#startup .x}\n\nRuns first.\n"
    doc, _ = _doc(tmp_path, "events.md", text)
    assert [c.headings for c in chunk_document(doc)][-1] == ["Events", "Startup"]


def test_a_reference_link_reads_as_its_name_where_the_page_defines_it(tmp_path: Path) -> None:
    text = ("# Deploy\n\nUse the [ghp-import] tool, [Site Dir][], [docs][site dir], `a[ghp-import]` or [other].\n\n"
            "!!! note\n    See [ghp-import].\n\n- Install:\n\n  ```\n  pip install x[ghp-import]\n  ```\n\n"
            "[ghp-import]: https://x.org\n[site dir]: /y\n")
    doc, _ = _doc(tmp_path, "deploy.md", text)
    body = chunk_document(doc)[0].text
    assert "Use the ghp-import tool, Site Dir, [docs][site dir], `a[ghp-import]` or [other]." in body
    assert "Note: See ghp-import." in body
    assert "pip install x[ghp-import]" in body  # code in a list item is code


def test_front_matter_is_metadata_not_a_section(tmp_path: Path) -> None:
    page = ('---\ntitle: "Deploying"\ndraft: false\nmenu:\n  docs:\n    weight: 20\n---\n\n'
            "Deploying puts the built site on a server of your choice.\n\n## Steps\n\nRun the build, then copy the folder.\n")
    doc, _ = _doc(tmp_path, "deploying.md", page)
    chunks = chunk_document(doc)
    assert [c.headings for c in chunks] == [["Deploying", "Steps"]]  # the short intro goes with its first child
    assert "puts the built site" in chunks[0].text and "Run the build" in chunks[0].text
    assert not any(word in chunks[0].text for word in ("weight", "menu", "draft"))
    assert chunks[0].end == 13  # line numbers still count the front matter's lines
    # a page that opens with a rule and text has no front matter: its text stays
    doc, _ = _doc(tmp_path, "rule.md", "---\n\nA page that opens with a rule keeps this sentence.\n\n---\n\nMore text.\n")
    assert "keeps this sentence" in " ".join(c.text for c in chunk_document(doc))
    # a heading of the page's own wins over the front matter's title
    doc, _ = _doc(tmp_path, "own.md", "---\ntitle: Other\n---\n# Own\n\nThe page's own words are here.\n")
    assert [c.headings for c in chunk_document(doc)] == [["Own"]]


def test_myst_directives_and_mkdocs_admonitions_read_as_their_reader_sees_them(tmp_path: Path) -> None:
    page = ("# Widget\n\n"
            "```{note}\nA note's *prose* is text, not code.\n```\n\n"
            "```{code-block} python\n:caption: hello.py\n\nprint('hello')\n```\n\n"
            "```{versionadded} 4.0\nThe flag option.\n```\n\n"
            "```{contents}\n:depth: 2\n```\n\n"
            "```{eval-rst}\n.. autoclass:: widget.Option\n\nThe option class reads ``--flag`` values.\n```\n\n"
            "!!! tip \"Cache it\"\n\n    The cache keeps replies.\n\n"
            "!!! note inline end\n    Install the `widget-dev` package first.\n\n"
            "```{r}\nx <- 1\n```\n")
    doc, lines = _doc(tmp_path, "widget.md", page)
    text = "\n".join(c.text for c in chunk_document(doc))
    assert "Note: A note's *prose* is text, not code." in text and "```{note}" not in text
    assert "```python\nprint('hello')\n```" in text and ":caption:" not in text
    assert "New in version 4.0: The flag option." in text
    assert ":depth:" not in text and "autoclass" not in text and "{eval-rst}" not in text
    assert "The option class reads `--flag` values." in text
    assert "Cache it: The cache keeps replies." in text and "!!!" not in text
    assert "Note: Install the `widget-dev` package first." in text and "inline end" not in text
    assert "```{r}\nx <- 1\n```" in text  # R Markdown's code chunk is code
    note = next(b for b in doc.blocks if b.text.startswith("Note:"))
    assert lines[note.start - 1] == "A note's *prose* is text, not code."


def test_lines_that_include_a_missing_file_are_left_out(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # the repository's root: nothing above it is looked at
    page = ("# Widget\n\n"
            "Declare a path:\n\n"
            "{* docs_src/widget/tutorial001_py310.py hl[1,10] *}\n\n"
            "Run it:\n"
            '--8<-- "snippets/run.md"\n'
            "and read the output.\n\n"
            '```python\n--8<-- "docs/src/app.py"\n```\n\n'
            "--8<--\nintro.md\nusage.md\n--8<--\n\n"
            "{!../../docs_src/widget/main.py!}\n\n"
            "```python\nprint('widget')\n```\n")
    doc, _ = _doc(tmp_path, "widget.md", page)
    chunks = chunk_document(doc)
    text = "\n".join(c.text for c in chunks)
    for include in ("docs_src", "8<", "snippets/run.md", "app.py", "intro.md", "{!", "{*"):
        assert include not in text, include
    assert "Declare a path:" in text and "Run it:" in text and "and read the output." in text
    assert "```python\nprint('widget')\n```" in text  # code that is on the page stays
    assert all("text" not in c.source() for c in chunks)  # nothing included: the page's own lines


def test_lines_that_include_a_file_beside_the_page_read_that_file(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    page = ("# Widget paths\n\n"
            "Declare a path with a type annotation, as in this example program:\n\n"
            "{* docs_src/widget/tutorial001.py hl[4] *}\n\n"
            'Remember:\n--8<-- "snippets/note.md"\n\n'
            '```toml\n--8<-- "config.toml:2:2"\n```\n\n'
            "Its signature alone:\n\n{* ./docs_src/widget/tutorial001.py ln[4:4] hl[4] *}\n")
    _tree(tmp_path, {"docs_src/widget/tutorial001.py": "import widget\n\n\ndef main(path: widget.Path) -> None:\n"
                                                     "    print(path)\n",
                     "docs/snippets/note.md": "The *cache* keeps replies for a day.\n",
                     "docs/config.toml": "[widget]\nretries = 3\nname = 'w'\n", "docs/paths.md": page})
    doc = read_document(tmp_path / "docs" / "paths.md")
    chunks = chunk_document(doc)
    text = "\n".join(c.text for c in chunks)
    assert "```python\nimport widget" in text and "def main(path: widget.Path)" in text  # found two folders up
    assert "Remember:" in text and "The *cache* keeps replies for a day." in text
    assert "```toml\nretries = 3\n```" in text  # a snippet's line range
    assert "```python\ndef main(path: widget.Path) -> None:\n```" in text  # ln[4:4]: that line only
    assert "{*" not in text and "8<" not in text
    code = next(b for b in doc.blocks if b.kind == "code" and "widget.Path" in b.text)
    assert code.included and code.start == code.end == 5  # the include line's own line
    # the chunk's text is not the page's lines: pairs carry it, so grounding reads the code too
    assert all(c.source()["text"] == c.text for c in chunks if "widget.Path" in c.text)


def test_a_file_a_page_includes_is_read_once_as_part_of_that_page(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    _tree(tmp_path, {"docs/run.md": "# Running\n\nStart the app:\n\n```python\n--8<-- \"examples/app.py\"\n```\n",
                     "docs/examples/app.py": '"""The example app."""\n\n\ndef main() -> None:\n    """Start it."""\n',
                     "docs/examples/other.py": '"""An example no page shows."""\n\n\ndef other() -> None:\n    """Run."""\n'})
    result = ingest([tmp_path / "docs"])
    assert sorted(Path(d.path).name for d in result.documents) == ["other.py", "run.md"]
    skipped = dict((Path(path).name, why) for path, why in result.skipped)
    assert skipped["app.py"].startswith("included by") and skipped["app.py"].endswith("run.md: read as part of that page")
    page = next(d for d in result.documents if d.path.endswith("run.md"))
    assert any(b.included and '"""The example app."""' in b.text for b in page.blocks)
    # a file asked for by name is read, and so is one the page shows only some lines of
    assert any(d.path.endswith("app.py") for d in ingest([tmp_path / "docs", tmp_path / "docs/examples/app.py"]).documents)
    (tmp_path / "docs/run.md").write_text('# Running\n\n```python\n--8<-- "examples/app.py:4:5"\n```\n', encoding="utf-8")
    assert any(d.path.endswith("app.py") for d in ingest([tmp_path / "docs"]).documents)


def test_include_lines_stay_inside_the_repository_and_read_as_mkdocs_shows_them(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("outside the repository\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    page = ("# Widget\n\n"
            "{!../../secret.txt!}\n\n"
            "{!" + "x" * 300 + ".md!}\n\n"
            '=== "Python 3.10+"\n\n    ```Python\n    {!> ../docs_src/app.py!}\n    ```\n\n'
            '!!! note\n    --8<-- "snippets/my note.md"\n\n'
            '```text\n---8<--- "steps.txt:2"\n```\n\n'
            "## Usage\n\nMore text.\n")
    _tree(repo, {"docs_src/app.py": 'def run():\n    """Use it:\n\n    ```\n    run()\n    ```\n    """\n',
                 "docs/snippets/my note.md": "---\ntitle: Snip\n---\nThe note's text.\n",
                 "docs/steps.txt": "one\ntwo\nthree\n", "docs/widget.md": page})
    doc = read_document(repo / "docs" / "widget.md")
    assert not isinstance(doc, str), doc  # a file name too long to look up is not a crash
    text = "\n".join(c.text for c in chunk_document(doc))
    assert "outside the repository" not in text and "secret" not in text  # no way out of the repository
    assert "````Python\ndef run():" in text  # the tab's fence, longer than the docstring's own ```
    assert "Note: The note's text." in text and "--8<--" not in text  # a note whose body is an include
    assert "```text\ntwo\nthree\n```" in text  # "file:2": line 2 to the end
    assert [b.text for b in doc.blocks if b.kind == "heading"] == ["Widget", "Usage"]  # no title from a snippet


def test_code_fences_and_tables_are_never_split(tmp_path: Path) -> None:
    doc, _ = _doc(tmp_path, "page.md", NESTED_MD)
    chunks = chunk_document(doc, ChunkConfig(max_tokens=12, overlap_tokens=4, min_tokens=1))
    fence = [c for c in chunks if "```python" in c.text]
    assert len(fence) == 1 and fence[0].text.count("```") == 2
    assert "return [i for i in range(100)]" in fence[0].text
    table = [c for c in chunks if "| option | default |" in c.text]
    assert len(table) == 1 and "| beta | 2 |" in table[0].text
    assert all(c.text.count("```") % 2 == 0 for c in chunks)


def test_long_sections_split_by_budget_with_overlap(tmp_path: Path) -> None:
    sentences = " ".join(f"Sentence number {i} tells one more fact about the system." for i in range(80))
    doc, _ = _doc(tmp_path, "long.md", f"# Long\n\n{sentences}\n\nA closing paragraph here.\n")
    chunks = chunk_document(doc, ChunkConfig(max_tokens=120, overlap_tokens=30))
    assert len(chunks) > 3
    assert all(c.tokens <= 120 + 10 for c in chunks)  # heading line may ride along
    assert all(c.headings == ["Long"] for c in chunks)
    joined = " ".join(c.text for c in chunks)
    assert all(f"Sentence number {i} " in joined for i in range(80))  # nothing lost


def test_rst_sections_literal_blocks_and_tables() -> None:
    doc = read_document(EXAMPLES / "guide" / "moderation.rst")
    assert not isinstance(doc, str)
    headings = [(b.text, b.level) for b in doc.blocks if b.kind == "heading"]
    assert headings == [("Moderation", 1), ("Duplicates", 2), ("Semantic duplicates", 3), ("Rules", 2)]
    code = [b for b in doc.blocks if b.kind == "code"]
    assert any("pairsmith moderate pairs.jsonl" in b.text for b in code)
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert len(tables) == 1 and "repeat_ngram" in tables[0].text
    lines = (EXAMPLES / "guide" / "moderation.rst").read_text().splitlines()
    assert lines[tables[0].start - 1].startswith("====") and "repeat_ngram" in lines[tables[0].start - 1 + 5]


def test_rst_roles_read_as_the_built_page_shows_them(tmp_path: Path) -> None:
    (tmp_path / "conf.py").write_text('project = "widget"\n', encoding="utf-8")
    (tmp_path / "tutorial").mkdir()
    (tmp_path / "tutorial" / "getting-started.rst").write_text(
        ".. _start:\n\nYour first ``widget``\n=====================\n\nSteps.\n", encoding="utf-8")
    (tmp_path / "how-to").mkdir()
    (tmp_path / "how-to" / "usage.md").write_text("---\ntags: [x]\n---\n\n# Everyday usage\n", encoding="utf-8")
    (tmp_path / "index.rst").write_text(
        "Widget\n======\n\nStart with :doc:`tutorial/getting-started`, then :doc:`/how-to/usage`; "
        ":doc:`reference/command-line` lists options and :ref:`install-guide` installs it. "
        "Follows :pep:`517` and :rfc:`2616#section-14`; tracked in :issue:`987` and :pr:`12`, by :user:`ann`.\n",
        encoding="utf-8")
    doc = read_document(tmp_path / "index.rst")
    assert not isinstance(doc, str)
    text = next(b.text for b in doc.blocks if b.kind == "text")
    assert text == ("Start with Your first `widget`, then Everyday usage; command line lists options and install "
                    "guide installs it. Follows PEP 517 and RFC 2616; tracked in #987 and #12, by @ann.")
    # MyST's form in a Markdown page reads the same way
    (tmp_path / "guide.md").write_text("# Guide\n\nRead {doc}`tutorial/getting-started` and {doc}`missing-page` "
                                       "first; write ``{doc}`intro` `` for a link.\n\n"
                                       "- a list item\n\n  ```\n  {doc}`intro`\n  ```\n", encoding="utf-8")
    doc = read_document(tmp_path / "guide.md")
    assert not isinstance(doc, str)
    assert [b.text for b in doc.blocks if b.kind == "text"] == [
        "Read Your first `widget` and missing page first; write ``{doc}`intro` `` for a link.",
        "- a list item\n\n  ```\n  {doc}`intro`\n  ```"]  # the role written as code stays code


def test_a_ref_reads_as_the_title_of_the_section_its_label_stands_above(tmp_path: Path) -> None:
    """Sphinx shows ``:ref:`manage` `` as the title of the section under ``.. _manage:``, wherever in
    the docs it is; MyST's ``(setup)=`` label and ``{ref}`setup` `` the same; an unknown label reads
    as its words."""
    (tmp_path / "conf.py").write_text('project = "widget"\n', encoding="utf-8")
    (tmp_path / "registry.rst").write_text(".. _manage:\n\n.. _Registry:\n\nThe plugin registry\n"
                                           "===================\n\nText.\n\n.. _`short one`:\n\nShort\n===\n",
                                           encoding="utf-8")
    (tmp_path / "code.md").write_text("# Code\n\n```\n(inside)=\n# a comment\n```\n", encoding="utf-8")
    (tmp_path / "_build").mkdir()  # a build's copies of the sources are not the docs
    (tmp_path / "_build" / "registry.rst").write_text(".. _manage:\n\nA stale title\n=============\n", encoding="utf-8")
    (tmp_path / "guide").mkdir()
    (tmp_path / "guide" / "setup.md").write_text("(setup)=\n\n# Setting up `widget`\n\nSteps.\n", encoding="utf-8")
    assert text_blocks(tmp_path / "guide" / "hooks.rst", "Hooks\n=====\n\nAs mentioned in :ref:`manage` and "
                       ":ref:`registry`, see :ref:`setup` and :ref:`missing-label`.\n") == [
        "As mentioned in The plugin registry and The plugin registry, see Setting up `widget` and missing label."]
    assert text_blocks(tmp_path / "guide" / "use.md", "# Use\n\nRead {ref}`manage` after {ref}`setup`.\n") == [
        "Read The plugin registry after Setting up `widget`."]
    assert text_blocks(tmp_path / "short.rst", "Short\n=====\n\nRead :ref:`short one`.\n") == ["Read Short."]
    assert labelled_section_title("inside", tmp_path / "code.md") is None  # a label in a fence is code


def text_blocks(path: Path, text: str) -> list[str]:
    """The text blocks of `text` written to `path` and read as the run reads it."""
    path.write_text(text, encoding="utf-8")
    doc = read_document(path)
    assert not isinstance(doc, str)
    return [b.text for b in doc.blocks if b.kind == "text"]


def test_intersphinx_roles_and_a_python_roles_leading_dot_read_as_sphinx_shows_them(tmp_path: Path) -> None:
    text = ("Engines\n=======\n\nSee below and :external:doc:`core/engines` for examples; "
            ":external+python:py:class:`dict` works; :attr:`.Widget.engine` is the default, not :file:`.env`.\n")
    assert text_blocks(tmp_path / "engines.rst", text) == [
        "See below and engines for examples; `dict` works; `Widget.engine` is the default, not `.env`."]


def test_a_role_nobody_registered_reads_as_its_text(tmp_path: Path) -> None:
    """A project's own role, a C-domain role or :confval: is unknown to docutils; the page shows its
    text (code roles as code), so the reader does too, where docutils alone would drop it."""
    text = ("Cache\n=====\n\nSet :confval:`cache_dir` to move it, call :c:func:`cache_new` or "
            ":py:function:`.clear`, and see :myproject:`the page <cache>` or :gh:`octo/widget`.\n")
    assert text_blocks(tmp_path / "cache.rst", text) == [
        "Set `cache_dir` to move it, call `cache_new` or `clear`, and see the page or octo/widget."]
    # docutils hands a role its text with backslash escapes marked; the reader sees the character
    assert text_blocks(tmp_path / "escaped.rst", "Cache\n=====\n\nSee :gh:`octo\\_widget`.\n") == ["See octo_widget."]


def test_rst_notes_read_as_the_built_page_shows_them(tmp_path: Path) -> None:
    """A note's lines under it are its text, not a title (docutils gives a directive that takes
    arguments the lines before the first blank one); a version note keeps its version."""
    text = ("Title\n=====\n\n.. note::\n    Passing ``cors=True`` is mutually exclusive\n    with a middleware.\n\n"
            ".. warning:: Same-line text.\n\n   A second paragraph.\n\n"
            ".. versionchanged:: 4.0\n   Now raises ``ValueError``.\n\n.. deprecated:: 3.1 Use :func:`other`.\n\n"
            ".. versionadded:: 2.0\n")
    assert text_blocks(tmp_path / "notes.rst", text) == [
        "Note: Passing `cors=True` is mutually exclusive\nwith a middleware.", "Warning: Same-line text.",
        "A second paragraph.", "Changed in version 4.0: Now raises `ValueError`.",
        "Deprecated since version 3.1: Use `other`.", "New in version 2.0."]


def test_a_linked_pages_title_is_read_as_its_reader_sees_it(tmp_path: Path) -> None:
    from alpaca_gen.page_titles import labelled_section_title, linked_page_title

    page = tmp_path / "docs" / "index.rst"
    page.parent.mkdir()
    (tmp_path / "docs" / "conf.py").write_text("", encoding="utf-8")
    (tmp_path / "docs" / "angle.rst").write_text("Streams <and> ``Pipes``\n=======================\n", encoding="utf-8")
    (tmp_path / "docs" / "fenced.md").write_text("```sh\n# install it\n```\n\n# Real title ##\n", encoding="utf-8")
    (tmp_path / "docs" / "front.md").write_text("---\ntitle: From the front matter\n---\n\nText.\n", encoding="utf-8")
    (tmp_path / "docs" / "spaces.md").write_text("# a" + " " * 5000 + "b\n", encoding="utf-8")
    (tmp_path / "secret.rst").write_text("Outside\n=======\n", encoding="utf-8")
    assert linked_page_title("angle", page) == "Streams <and> `Pipes`"  # a reST title's "<" is text
    assert linked_page_title("fenced", page) == "Real title"  # a comment in a fence is no heading
    assert linked_page_title("front", page) == "From the front matter"
    assert linked_page_title("spaces", page) == "a"  # a long line is read in parts, never backtracked over
    assert linked_page_title("../secret", page) is None  # outside the docs' source folder: not read
    assert linked_page_title("missing", page) is None


def test_html_headings_code_and_tables() -> None:
    doc = read_document(EXAMPLES / "cli.html")
    assert not isinstance(doc, str)
    kinds = [b.kind for b in doc.blocks]
    assert "code" in kinds and "table" in kinds
    assert [b.text for b in doc.blocks if b.kind == "heading"] == ["Command line", "generate", "convert", "models"]
    assert not any("font-family" in b.text for b in doc.blocks)  # <style> is skipped
    table = next(b for b in doc.blocks if b.kind == "table")
    assert "| alpaca | a JSON array of instruction, input and output |" in table.text


def test_notebook_cells_become_markdown_and_code(tmp_path: Path) -> None:
    doc = read_document(EXAMPLES / "quickstart.ipynb")
    assert not isinstance(doc, str)
    assert any(b.kind == "code" and "pd.read_json" in b.text for b in doc.blocks)
    chunks = chunk_document(doc)
    assert chunks[0].headings == ["Quickstart notebook"]


def test_python_docstrings_under_their_names() -> None:
    doc = read_document(EXAMPLES / "api.py")
    assert not isinstance(doc, str)
    headings = [b.text for b in doc.blocks if b.kind == "heading"]
    assert headings[0].startswith("def generate(paths, out")
    assert "class Pair" in headings
    assert any(b.kind == "code" and 'generate(["docs/"]' in b.text for b in doc.blocks)


def test_unreadable_files_are_skipped_with_reasons(tmp_path: Path) -> None:
    (tmp_path / "ok.md").write_text("# Fine\n\nA readable document with enough words in it.\n", encoding="utf-8")
    (tmp_path / "blob.md").write_bytes(b"\x89PNG\x00\x00binary")
    (tmp_path / "empty.md").write_text("  \n\n", encoding="utf-8")
    (tmp_path / "latin.txt").write_bytes("caf\xe9 cr\xe8me br\xfbl\xe9e".encode("latin-1"))  # decoded, not skipped
    (tmp_path / "control.txt").write_bytes(bytes(range(1, 32)) * 10)
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / "broken.ipynb").write_text("{not json", encoding="utf-8")
    (tmp_path / "big.md").write_text("# Big\n\n" + "word " * 5000, encoding="utf-8")
    result = ingest([tmp_path], max_bytes=10_000)
    reasons = {Path(p).name: r for p, r in result.skipped}
    assert sorted(Path(d.path).name for d in result.documents) == ["latin.txt", "ok.md"]
    assert reasons["blob.md"] == "binary"
    assert reasons["empty.md"] == "empty"
    assert reasons["control.txt"].startswith("not text")
    assert reasons["image.png"].startswith("unsupported type")
    assert reasons["broken.ipynb"].startswith("cannot parse as notebook")
    assert reasons["big.md"].startswith("oversized")


def test_globs_and_missing_paths(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\n\nSome words that make up a paragraph.\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.rst").write_text("B\n=\n\nMore words that make up a paragraph.\n", encoding="utf-8")
    found = ingest([str(tmp_path / "**" / "*.rst")])
    assert [Path(d.path).name for d in found.documents] == ["b.rst"]
    with pytest.raises(InputError, match="no such file"):
        ingest([tmp_path / "missing"])
    with pytest.raises(InputError, match="matches no file"):
        ingest([str(tmp_path / "*.nothing")])


def test_bundled_examples_all_read() -> None:
    result = ingest([EXAMPLES])
    assert result.skipped == []
    kinds = {d.kind for d in result.documents}
    assert kinds == {"markdown", "rst", "html", "notebook", "python"}
    chunks = [c for d in result.documents for c in chunk_document(d)]
    assert len({c.id for c in chunks}) == len(chunks)
    assert all(count_tokens(c.text) == c.tokens for c in chunks)


def test_chunk_ids_survive_edits_elsewhere(tmp_path: Path) -> None:
    doc, _ = _doc(tmp_path, "page.md", NESTED_MD)
    before = {c.id for c in chunk_document(doc)}
    edited, _ = _doc(tmp_path, "page.md", NESTED_MD + "\n## Appendix\n\nA new section at the end with some words.\n")
    after = {c.id for c in chunk_document(edited)}
    assert before <= after and len(after) == len(before) + 1


def test_notebook_json_without_cells_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "odd.ipynb"
    path.write_text(json.dumps({"nbformat": 4}), encoding="utf-8")
    assert read_document(path).startswith("cannot parse as notebook")


def _span_holds_text(chunk, lines: list[str]) -> bool:
    """The chunk's text comes from its reported lines: its first and last lines sit on the span's
    first and last non-blank lines, and every line of text is found inside the span."""
    text = [line for line in chunk.text.splitlines() if line.strip()]
    span = [line for line in lines[chunk.start - 1 : chunk.end] if line.strip()]
    return text[0] in span[0] and text[-1] in span[-1] and all(line in "\n".join(span) for line in text)


def test_every_chunk_of_a_long_section_reports_its_own_lines() -> None:
    readme = ROOT / "README.md"  # real Markdown with sections many times the default budget
    doc = read_document(readme)
    assert not isinstance(doc, str)
    lines = readme.read_text(encoding="utf-8").splitlines()
    chunks = chunk_document(doc)
    by_section: dict[tuple[str, ...], list] = {}
    for chunk in chunks:
        by_section.setdefault(tuple(chunk.headings), []).append(chunk)
        assert _span_holds_text(chunk, lines), (chunk.headings, chunk.start, chunk.end, chunk.text[:80])
    long_sections = [cs for cs in by_section.values() if len(cs) >= 3]
    assert long_sections, "README.md should have a section cut into several chunks"
    for section in long_sections:
        heading_line = section[0].start
        # Follow-on chunks start where their own text starts, not at the section's heading.
        assert all(c.start > heading_line for c in section[1:])
        assert all(c.headings == section[0].headings for c in section)


def test_an_unterminated_fence_is_cut_at_the_budget_with_a_warning(tmp_path: Path) -> None:
    code = "\n".join(f"result_{i} = compute(value_{i}, option={i})  # step {i}" for i in range(300))
    text = f"# Tool\n\nIntro that says what the tool does in a sentence or two.\n\n```python\n{code}\n"
    doc, lines = _doc(tmp_path, "broken.md", text + "\n## Later\n\nThis section is swallowed by the fence.\n")
    cfg = ChunkConfig(max_tokens=120, overlap_tokens=20)
    chunks = chunk_document(doc, cfg)
    assert len(chunks) > 10 and all(c.tokens <= cfg.max_tokens for c in chunks)
    assert all(_span_holds_text(c, lines) for c in chunks)
    joined = "\n".join(c.text for c in chunks)
    assert all(f"result_{i} = compute" in joined for i in range(300))  # cut, nothing lost
    assert chunk_warnings(doc, cfg) == [f"{doc.path}:5: unterminated code fence; cut at the chunk budget"]
    closed, _ = _doc(tmp_path, "closed.md", NESTED_MD)
    assert chunk_warnings(closed, cfg) == []


def test_a_second_run_in_the_same_process_reads_titles_and_labels_as_the_docs_are_now(tmp_path: Path) -> None:
    """Titles and labels are read once per run, not once per process: after a section is renamed, a
    notebook's next run shows the new title for its `:ref:` and `:doc:` links."""
    from alpaca_gen.ingest import ingest

    (tmp_path / "conf.py").write_text("", encoding="utf-8")
    target = tmp_path / "registry.rst"
    (tmp_path / "use.rst").write_text("Use\n===\n\nRead :ref:`manage` and :doc:`registry`.\n", encoding="utf-8")

    def linking_text() -> str:
        found = ingest([tmp_path / "use.rst"])
        return " ".join(b.text for d in found.documents for b in d.blocks if b.kind == "text")

    target.write_text(".. _manage:\n\nThe plugin registry\n===================\n", encoding="utf-8")
    assert linking_text() == "Read The plugin registry and The plugin registry."
    target.write_text(".. _manage:\n\nManaging plugins\n================\n", encoding="utf-8")
    assert linking_text() == "Read Managing plugins and Managing plugins."
