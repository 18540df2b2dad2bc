"""The moderation run end to end: nothing lost, deliberate keeps, conflicts, grounding, report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from markdown_it import MarkdownIt

from moderation.config import ModerationConfig, load_config
from moderation.pipeline import moderate
from moderation.report import report_paths, suggest_threshold, write_report
from pairsmith.core.errors import ConfigError
from pairsmith.core.formats import load_pairs, write_pairs
from pairsmith.core.markdown import md_code, md_text
from pairsmith.core.records import Pair
from tests.conftest import lamini_canned, lamini_file
from tests.openai_server import OpenAIStub


def config_with(embedder: Path, **changes) -> ModerationConfig:
    cfg = ModerationConfig(embedder=str(embedder))
    for dotted, value in changes.items():
        section, key = dotted.split("__")
        setattr(getattr(cfg, section), key, value)
    return cfg


def read(path: Path) -> list[dict]:
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines()]


def test_nothing_is_lost_on_the_course_data(tiny_embedder: Path, tmp_path: Path) -> None:
    data, rows = lamini_file(tmp_path, 500)
    result = moderate(data, tmp_path / "curated.jsonl", config=config_with(tiny_embedder))
    curated, rejects = read(tmp_path / "curated.jsonl"), read(tmp_path / "curated.rejects.jsonl")
    assert result.total == len(rows) == result.kept + result.review + result.dropped
    assert len(curated) == result.kept + result.review and len(rejects) == result.dropped
    ids = [p.id for p in load_pairs(data)]
    assert sorted(r["id"] for r in curated + rejects) == sorted(ids)
    for record in rejects:  # every drop says why, with evidence
        moderation = record["moderation"]
        assert moderation["decision"] == "drop" and moderation["reasons"] and moderation["evidence"]
        assert {"step", "rule"} <= set(moderation["evidence"][0])
    assert result.drop_reasons["rules:boilerplate"] == lamini_canned(rows) > 0
    duplicates = [r for r in rejects if "duplicate_of" in r["moderation"]["evidence"][0]]
    kept_ids = {r["id"] for r in curated}
    assert duplicates
    for record in duplicates:  # each points at its kept twin, directly or through `kept_as`
        evidence = record["moderation"]["evidence"][0]
        assert evidence.get("kept_as", evidence["duplicate_of"]) in kept_ids


def test_the_better_member_of_a_duplicate_group_is_kept(tiny_embedder: Path, tmp_path: Path) -> None:
    short = Pair(instruction="How do I install pairsmith?", output="Use pip install pairsmith.")
    full = Pair(instruction="How do I install pairsmith?",
                output="Run pip install pairsmith, then check the install with pairsmith --help.")
    for order in ([short, full], [full, short]):
        src = tmp_path / "in.jsonl"
        write_pairs(order, src, "jsonl")
        cfg = config_with(tiny_embedder, pairs__conflict_threshold=0.0)  # same question, same meaning
        result = moderate(src, tmp_path / "out.jsonl", config=cfg)
        assert [r["id"] for r in read(tmp_path / "out.jsonl")] == [full.id]
        evidence = read(tmp_path / "out.rejects.jsonl")[0]["moderation"]["evidence"][0]
        assert evidence["duplicate_of"] == full.id and result.dropped == 1


def test_conflicting_answers_go_to_review_together(tmp_path: Path) -> None:
    pairs = [Pair(instruction="What is the default batch size?", output="The default batch size is 16 prompts."),
             Pair(instruction="What is the default batch size?", output="It is 64, set in the config file by hand.")]
    src = tmp_path / "in.jsonl"
    write_pairs(pairs, src, "jsonl")
    cfg = ModerationConfig()
    cfg.semantic.enabled = False  # token overlap decides whether answers agree
    cfg.grounding.enabled = False
    result = moderate(src, tmp_path / "out.jsonl", config=cfg)
    curated = read(tmp_path / "out.jsonl")
    assert result.review == 2 and result.dropped == 0
    for record in curated:
        assert record["moderation"]["decision"] == "review"
        assert record["moderation"]["evidence"][0]["rule"] == "conflicting_answers"
    assert {r["moderation"]["evidence"][0]["duplicate_of"] for r in curated} == {p.id for p in pairs}


def grounded_pairs(docs: Path) -> list[Pair]:
    source = {"path": str(docs / "notes.rst"), "lines": [1, 4], "headings": ["Notes"]}
    chunk_sentence = "The cache keeps finished work so that a second run makes no model calls at all."
    return [Pair(instruction="What does the cache of the Notes page do?", output=chunk_sentence, source=source),
            Pair(instruction="Who wrote the cache of the Notes page?", output="Ada Lovelace wrote it in 1843 on a steam engine.",
                 source=source)]


def test_grounding_reads_the_chunk_from_path_and_lines(tiny_embedder: Path, docs: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    write_pairs(grounded_pairs(docs), src, "jsonl")
    # the supported step would drop the invented answer before grounding sees it: this is grounding's test
    cfg = config_with(tiny_embedder, grounding__threshold=0.999, grounding__review_band=0.0, supported__enabled=False)
    result = moderate(src, tmp_path / "out.jsonl", config=cfg)
    assert result.stats["grounding_checked"] == 2
    scores = result.stats["support_scores"]
    assert scores[0] == pytest.approx(1.0, abs=1e-4) and scores[1] < scores[0]
    assert [r["instruction"] for r in read(tmp_path / "out.jsonl")] == ["What does the cache of the Notes page do?"]
    assert read(tmp_path / "out.rejects.jsonl")[0]["moderation"]["evidence"][0]["rule"] == "unsupported_by_chunk"


def test_grounding_with_a_judge_server(docs: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    write_pairs(grounded_pairs(docs), src, "jsonl")

    def judge(body: dict) -> str:
        prompt = body["messages"][-1]["content"]
        supported = "Ada Lovelace" not in prompt
        return json.dumps({"supported": supported, "reason": "matches the docs" if supported else "not in the docs"})

    cfg = ModerationConfig()
    cfg.semantic.enabled = False
    cfg.judged.enabled = False  # the answerability and round-trip judges have their own test
    cfg.supported.enabled = False  # it would drop the invented answer before the judge is asked
    with OpenAIStub(responder=judge) as server:
        result = moderate(src, tmp_path / "out.jsonl", config=cfg, judge_url=server.base_url,
                          report=tmp_path / "report.md")
        assert len(server.requests) == 2
        assert server.requests[0]["response_format"]["type"] == "json_schema"
    rejected = read(tmp_path / "out.rejects.jsonl")
    assert result.dropped == 1 and rejected[0]["moderation"]["evidence"][0]["reason"] == "not in the docs"
    # The kept pair carries the judge's verdict too, and the report says a judge decided.
    kept = read(tmp_path / "out.jsonl")[0]["moderation"]
    assert kept["decision"] == "keep"
    assert kept["checks"]["grounding"] == {"judge": cfg.grounding.judge_model, "supported": True,
                                           "reason": "matches the docs"}
    assert f"checked by judge {cfg.grounding.judge_model} at {server.base_url}" in (tmp_path / "report.md").read_text()


def test_answerability_and_round_trip_judges(tiny_embedder: Path, tmp_path: Path) -> None:
    """With --judge-url: a pair the judge says is not answered is dropped; one whose round-trip
    question means something else goes to review; the evidence carries the judge's words."""
    rows = [Pair(instruction="How do I clear the cache?", output="Delete the folder named by PAIRSMITH_CACHE."),
            Pair(instruction="What is the capital of France?", output="The cache keeps finished units."),
            Pair(instruction="Which formats are read?", output="JSONL, Alpaca JSON and CSV are read.")]
    src = tmp_path / "in.jsonl"
    write_pairs(rows, src, "jsonl")

    def judge(body: dict) -> str:
        prompt = body["messages"][-1]["content"]
        if "Write the one question" in prompt:
            if "JSONL, Alpaca" in prompt:
                return json.dumps({"question": "Which licence does the project use?"})
            return json.dumps({"question": "How do I clear the cache?" if "Delete" in prompt else "What does the cache keep?"})
        answered = "capital of France" not in prompt
        return json.dumps({"answers": answered, "real_question": answered, "reason": "ok" if answered else "off topic"})

    cfg = ModerationConfig.model_validate({"embedder": str(tiny_embedder), "semantic": {"enabled": False},
                                           "near": {"enabled": False}, "relevance": {"enabled": False},
                                           "grounding": {"enabled": False}, "question_form": {"enabled": False},
                                           "judged": {"round_trip_similarity": 0.999}})
    with OpenAIStub(responder=judge) as server:
        result = moderate(src, tmp_path / "out.jsonl", config=cfg, judge_url=server.base_url)
    dropped = read(tmp_path / "out.rejects.jsonl")
    assert [r["instruction"] for r in dropped] == ["What is the capital of France?"]
    assert dropped[0]["moderation"]["evidence"][0] == {"step": "judged", "rule": "judge_not_answered", "decision": "drop",
                                                       "score": 0.0, "reason": "off topic"}
    kept = {r["instruction"]: r["moderation"] for r in read(tmp_path / "out.jsonl")}
    assert kept["Which formats are read?"]["decision"] == "review"
    assert kept["Which formats are read?"]["evidence"][0]["rule"] == "round_trip_mismatch"
    assert kept["How do I clear the cache?"]["decision"] == "keep"
    assert kept["How do I clear the cache?"]["checks"]["judged"]["round_trip"]["score"] > 0.999
    assert result.dropped == 1 and result.review == 1


def test_report_files_and_threshold_suggestion(tiny_embedder: Path, tmp_path: Path) -> None:
    cfg = config_with(tiny_embedder)
    data, rows = lamini_file(tmp_path, 300)
    result = moderate(data, tmp_path / "out.jsonl", config=cfg)
    paths = write_report(result, cfg, tmp_path / "report.md")
    assert paths["png"].read_bytes()[:4] == b"\x89PNG"
    report = json.loads(paths["json"].read_text())
    assert report["counts"]["total"] == len(rows)
    assert report["dropped_by_reason"]["rules:boilerplate"] == lamini_canned(rows)
    text = paths["md"].read_text()
    assert "rules:boilerplate" in text and "report_similarity.png" in text
    rng = np.random.default_rng(0)
    bimodal = list(rng.normal(0.7, 0.05, 2000).clip(0, 1)) + list(rng.normal(0.97, 0.01, 300).clip(0, 1))
    suggested = suggest_threshold(bimodal)
    assert suggested is not None and 0.82 < suggested < 0.95
    assert suggest_threshold(list(rng.normal(0.7, 0.05, 2000).clip(0, 1))) is None


def test_report_files_sit_beside_the_named_report(tmp_path: Path) -> None:
    dotted = report_paths(tmp_path / "run.v2_report.md")
    assert dotted["md"].name == "run.v2_report.md" and dotted["json"].name == "run.v2_report.json"
    assert dotted["png"].name == "run.v2_report_similarity.png"
    assert report_paths(tmp_path / "report")["json"].name == "report.json"
    assert report_paths(tmp_path / "report.json")["md"].name == "report.md"
    assert report_paths(tmp_path / "notes.txt")["md"].name == "notes.txt.md"  # another ending is part of the name


def test_config_file_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "moderation.yaml"
    path.write_text("semantic:\n  threshold: 0.9\nnear:\n  method: rouge\n", encoding="utf-8")
    cfg = load_config(path)
    assert cfg.semantic.threshold == 0.9 and cfg.near.method == "rouge" and cfg.rules.enabled
    path.write_text("semantic:\n  treshold: 0.9\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="semantic.treshold"):
        load_config(path)
    path.write_text("near:\n  method: minhas\n", encoding="utf-8")  # once silently minhash
    with pytest.raises(ConfigError, match="near.method: Input should be 'minhash' or 'rouge'"):
        load_config(path)


def test_output_may_not_be_the_input(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    write_pairs([Pair(instruction="What is it?", output="A tool.")], src, "jsonl")
    before = src.read_bytes()
    with pytest.raises(ConfigError, match="is the input"):
        moderate(src, src)
    assert src.read_bytes() == before


SCRIPT, IMG = "<script>alert(1)</script>", "<img src=x onerror=alert(1)>"


def test_report_escapes_pair_text(tmp_path: Path) -> None:
    pairs = [Pair(instruction=SCRIPT, output=f"Fine.\n\n{IMG}"),  # too short: an example in the report
             Pair(instruction=f"What does {IMG} do | *here*?",
                  output=f"As an AI language model, I cannot say. {SCRIPT} `tick` [link](javascript:x)"),
             Pair(instruction="Which line breaks?", output="The options are,", id="p_`odd` <b>id</b>")]
    src = tmp_path / "in.jsonl"
    write_pairs(pairs, src, "jsonl")
    cfg = ModerationConfig()
    cfg.semantic.enabled = cfg.grounding.enabled = False
    result = moderate(src, tmp_path / "out.jsonl", config=cfg)
    text = write_report(result, cfg, tmp_path / "report.md")["md"].read_text(encoding="utf-8")
    assert result.dropped == 3
    for raw in (SCRIPT, IMG, "[link](javascript:x)", "| *here*"):
        assert raw not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    rendered = MarkdownIt("commonmark", {"html": True}).render(text)  # a viewer that passes HTML through
    for tag in ("<script", "<img", "<b>", "<a ", "<em>here"):
        assert tag not in rendered
    assert "<code>p_`odd` &lt;b&gt;id&lt;/b&gt;</code>" in rendered  # the id, whole, in a code span
    example_lines = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(example_lines) == 3  # each example stays on its line: newlines in pair text are spaces


@pytest.mark.parametrize("raw", [SCRIPT, IMG, "a | b", "*bold* _em_ `code` [x](y) ![i](z)", "# not a heading",
                                 "1. not a list", "line one\n\n- line two", "&amp; stays literal", "snake_case"])
def test_md_text_renders_as_the_literal_text(raw: str) -> None:
    render = MarkdownIt("commonmark").enable("table").render
    flat = " ".join(raw.split())
    literal = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    assert render(md_text(raw)).strip() == f"<p>{literal}</p>"
    assert render(f"x {md_code(raw)}").strip() == f"<p>x <code>{literal}</code></p>"
    assert render(f"| h |\n|---|\n| {md_text(raw)} |").count("<td>") == 1  # a pipe never splits a cell


def test_engine_options_are_checked_before_any_work(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pairsmith.app.cli import app

    src = tmp_path / "pairs.jsonl"
    src.write_text('{"instruction": "What is it?", "output": "A tool that curates pairs."}\n', encoding="utf-8")
    runner = CliRunner()
    wrong = runner.invoke(app, ["moderate", str(src), "--out", str(tmp_path / "c.jsonl"), "--engine", "spark"])
    assert wrong.exit_code != 0 and "--engine must be local or ray, not 'spark'" in wrong.output
    lonely = runner.invoke(app, ["moderate", str(src), "--out", str(tmp_path / "c.jsonl"), "--address", "auto"])
    assert lonely.exit_code != 0 and "add --engine ray" in lonely.output
    assert not (tmp_path / "c.jsonl").exists()
