"""The project a run's questions name, found beside the docs when `--project` is not given."""

from __future__ import annotations

from pathlib import Path

from alpaca_gen.project import infer_project, spelled_as_in_docs


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


def test_a_package_name_is_written_as_the_docs_prose_writes_it(tmp_path: Path) -> None:
    """pyproject.toml names the package "gizmo"; the docs say "Gizmo" in their sentences, so the run's
    prompt and questions do too. Code, headings and sentence starts do not count."""
    prose = ["# gizmo\n\nInstall it with `pip install gizmo`, then import gizmo.\n",
             "Gizmo reads the file. Pass it to Gizmo and Gizmo writes it; with Gizmo, nothing else runs.\n"]
    assert spelled_as_in_docs("gizmo", prose) == "Gizmo"
    assert spelled_as_in_docs("gizmo", prose[:1] + ["Gizmo reads it.\n\n- Gizmo\n\n```\nGizmo Gizmo Gizmo\n```\n"]) == "gizmo"
    assert spelled_as_in_docs("build", ["Use build to make a wheel; build runs the backend.\n"]) == "build"
    assert spelled_as_in_docs("Flask", prose) == "Flask"  # a name with capitals is kept as written

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "gizmo"\n', encoding="utf-8")
    (tmp_path / "guide.md").write_text("# Guide\n\n" + prose[1], encoding="utf-8")
    from alpaca_gen.options import GenerateOptions
    from alpaca_gen.run import collect_chunks, dry_run
    from alpaca_gen.strategies.sections import SectionPairsStrategy

    _, chunks = collect_chunks([str(tmp_path)])
    found = SectionPairsStrategy.from_options(GenerateOptions(paths=[str(tmp_path)], out=str(tmp_path / "o.jsonl")))
    assert "user of Gizmo" in dry_run(chunks, found)[0].prompt  # found beside the docs: spelled as they do
    given = SectionPairsStrategy.from_options(GenerateOptions(paths=[str(tmp_path)], out=str(tmp_path / "o.jsonl"), project="gizmo"))
    assert "user of gizmo" in dry_run(chunks, given)[0].prompt  # --project is used as written


def test_a_given_common_word_name_the_docs_capitalise_is_kept_with_a_note(tmp_path: Path) -> None:
    """`--project beacon` is used as written; since "beacon" is an English word and the docs say
    "Beacon", the run says once how to name it as the docs do."""
    from alpaca_gen.options import GenerateOptions
    from alpaca_gen.run import collect_chunks
    from alpaca_gen.strategies.sections import SectionPairsStrategy

    (tmp_path / "guide.md").write_text("# Guide\n\nBeacon reads it. Pass it to Beacon and Beacon writes it; "
                                       "with Beacon, nothing else runs.\n", encoding="utf-8")
    _, chunks = collect_chunks([str(tmp_path)])
    out = str(tmp_path / "o.jsonl")
    given = SectionPairsStrategy.from_options(GenerateOptions(paths=[str(tmp_path)], out=out, project="beacon"))
    given.prepare(chunks)
    assert given.project == "beacon" and "pass --project Beacon" in given.notes()[0]
    for name in ("Beacon", "lumen"):  # written as the docs do, or no English word: nothing to say
        quiet = SectionPairsStrategy.from_options(GenerateOptions(paths=[str(tmp_path)], out=out, project=name))
        quiet.prepare(chunks)
        assert quiet.notes() == [], name


def test_a_name_the_docs_keep_in_lower_case_is_written_so_inside_a_sentence() -> None:
    from alpaca_gen.project import kept_in_lower_case, respelled

    assert respelled("What version of Python does Gizmo need, and does Gizmo-cli?", "gizmo") == \
        "What version of Python does gizmo need, and does Gizmo-cli?"  # another name is not this one
    assert respelled("How does Pytest-xdist split tests?", "pytest-xdist") == "How does pytest-xdist split tests?"
    assert respelled("It reads one, Gizmo.json.Decoder(User), for Gizmo.", "gizmo") == \
        "It reads one, gizmo.json.Decoder(User), for gizmo."
    kept = ["Gizmo reads it. Gizmo writes it.",  # sentence starts may open on a capital
            'It works." Gizmo runs. (Gizmo is fast.) **Gizmo** reads; | Gizmo |; 1) Gizmo; > Gizmo',
            "Run `Gizmo --help` in GIZMO mode.",  # code as written; all capitals may be an acronym
            "See the Gizmo Build Tools and the section 'Gizmo Isolation'.",  # a title-case phrase
            "app = Gizmo(__name__); gizmo.Gizmo(); C:\\Gizmo\\dist; www.Gizmo.com",  # code, paths, dotted names
            "from gizmo import Gizmo; return Gizmo(name); new Gizmo; pass --name Gizmo",  # code outside backticks
            "    import Gizmo as g\n>>> Gizmo",  # indented and doctest lines
            "a line without a stop\nGizmo starts the next; Distributed Systems Gizmo",  # a line start, a title
            "- Gizmo\n- Widget"]
    for text in kept:
        assert respelled(text, "gizmo") == text, text
    assert respelled("Use Flask in flask apps.", "Flask") == "Use Flask in flask apps."  # a name with capitals

    lower = ["gizmo reads the file, and gizmo writes it; run gizmo anywhere and gizmo keeps the cache."]
    assert kept_in_lower_case("gizmo", lower)
    assert not kept_in_lower_case("gizmo", lower + ["Pass it to Gizmo."])  # the docs capitalise it once: not clearly
    assert not kept_in_lower_case("gizmo", ["Run gizmo once, `gizmo` twice."])  # too few uses to tell
    assert not kept_in_lower_case("build", ["Use build to make it, then build runs and build writes it."])  # a word
    assert not kept_in_lower_case("gizmo", lower + ["```python\nfrom gizmo import Gizmo\n```"])  # a class Gizmo


def test_generated_pairs_write_the_project_as_its_docs_do(openai_server, tmp_path: Path) -> None:
    """A model that capitalises a name its docs keep in lower case ("in Gizmo") has it written as the
    docs do in every field of the pair, so a reader never sees the name miscased; a second run writes
    its cached pairs the same way (no second copy)."""
    import json

    from alpaca_gen.generate import generate
    from alpaca_gen.options import GenerateOptions
    from tests.openai_server import section_of

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "pyproject.toml").write_text('[project]\nname = "gizmo"\n', encoding="utf-8")
    (docs / "guide.md").write_text("# Guide\n\nThe tool gizmo reads the file and gizmo writes it; run gizmo in any "
                                   "folder and gizmo keeps the cache.\n", encoding="utf-8")

    def reply(body: dict) -> str:
        line = section_of(body).splitlines()[0][:40]
        return json.dumps({"pairs": [{"evidence": line, "instruction": "What does Gizmo read in a folder?",
                                      "input": "", "output": "Gizmo reads the file, and the cache is kept by Gizmo."}]})

    openai_server.responder = reply
    out = tmp_path / "pairs.jsonl"
    settings = {"paths": [str(docs)], "out": str(out), "model": "stub-model", "base_url": openai_server.base_url,
                "api_key": "sk-test"}
    generate(GenerateOptions(**settings))
    pair = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert pair["instruction"] == "What does gizmo read in a folder?"
    assert pair["output"] == "Gizmo reads the file, and the cache is kept by gizmo."  # a sentence may open on it
    again = generate(GenerateOptions(**settings))
    assert again.units_cached == again.units and again.pairs_written == 0 and again.pairs_already_present == 1

    # an --out an older version wrote, with the name as the model wrote it, gets no second copy on resume
    from pairsmith.core.records import Pair

    older = Pair.from_dict({**pair, "id": "", "instruction": "What does Gizmo read in a folder?",
                            "output": "Gizmo reads the file, and the cache is kept by Gizmo."}).to_dict()
    out.write_text(json.dumps(older) + "\n", encoding="utf-8")
    resumed = generate(GenerateOptions(**settings))
    assert resumed.pairs_written == 0 and resumed.pairs_already_present == 1
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1
