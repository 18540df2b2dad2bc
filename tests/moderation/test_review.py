"""Human review outside pairsmith: export, decisions back from CSV / Label Studio / Argilla,
applied by id, remembered across regeneration."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from moderation.config import ModerationConfig
from moderation.pipeline import moderate
from moderation.review_io import export_review, read_decisions
from moderation.review_store import append_decisions, apply_to_file, load_decisions
from pairsmith.app.cli import app
from pairsmith.core.errors import InputError
from pairsmith.core.formats import load_pairs, write_pairs
from pairsmith.core.records import Pair

runner = CliRunner()


def review_pairs() -> list[Pair]:
    flagged = {"decision": "review", "reasons": ["rules:no_final_punctuation 'x'"]}
    return [Pair(instruction=f"Question {i}?", output=f"Answer number {i}", moderation=dict(flagged)) for i in range(3)] + [
        Pair(instruction="Fine question?", output="Fine answer.", moderation={"decision": "keep", "reasons": []})]


@pytest.fixture
def curated(tmp_path: Path) -> Path:
    path = tmp_path / "curated.jsonl"
    write_pairs(review_pairs(), path, "jsonl")
    return path


def test_export_writes_only_pairs_needing_review(curated: Path, tmp_path: Path) -> None:
    written = export_review(load_pairs(curated), tmp_path / "review")
    frame = pd.read_csv(written["csv"], dtype=str, keep_default_na=False)
    assert list(frame["id"]) == [p.id for p in review_pairs()[:3]]
    assert "decision" in frame.columns and "edited_output" in frame.columns
    records = json.loads(written["argilla"].read_text())
    assert records[0]["fields"]["instruction"] == "Question 0?"
    assert (tmp_path / "review" / "argilla_settings.json").exists()
    tasks = json.loads(written["labelstudio"].read_text())
    assert tasks[0]["data"]["pair_id"] == review_pairs()[0].id
    assert "<Choices name=\"decision\"" in (tmp_path / "review" / "labelstudio_config.xml").read_text()


def test_csv_round_trip_applies_by_id(curated: Path, tmp_path: Path) -> None:
    pairs = review_pairs()
    written = export_review(load_pairs(curated), tmp_path / "review", ["csv"])
    frame = pd.read_csv(written["csv"], dtype=str, keep_default_na=False)
    frame.loc[0, "decision"] = "approve"
    frame.loc[1, "decision"] = "Reject"
    frame.loc[2, "decision"] = "edit"
    frame.loc[2, "edited_output"] = "Answer number 2, corrected."
    frame.loc[2, "reviewer"] = "ana"
    frame.to_csv(written["csv"], index=False)
    result = runner.invoke(app, ["review", "import", str(written["csv"]), "--data", str(curated),
                                 "--out", str(tmp_path / "reviewed.jsonl")])
    assert result.exit_code == 0, result.output
    assert "3 decisions recorded" in result.output and "1 approved, 1 edited, 1 rejected, 1 undecided" in result.output
    reviewed = {r["id"]: r for r in map(json.loads, (tmp_path / "reviewed.jsonl").read_text().splitlines())}
    rejected = [json.loads(l) for l in (tmp_path / "reviewed.rejects.jsonl").read_text().splitlines()]
    assert set(reviewed) == {pairs[0].id, pairs[2].id, pairs[3].id} and [r["id"] for r in rejected] == [pairs[1].id]
    assert reviewed[pairs[0].id]["review"]["status"] == "approved"
    assert reviewed[pairs[2].id]["output"] == "Answer number 2, corrected."
    assert reviewed[pairs[2].id]["review"]["by"] == "ana"
    assert reviewed[pairs[0].id]["moderation"]["decision"] == "keep"
    store = tmp_path / "reviews.jsonl"
    assert len(store.read_text().splitlines()) == 3


def test_label_studio_and_argilla_exports(tmp_path: Path) -> None:
    pairs = review_pairs()
    tasks = [{"id": 1, "data": {"pair_id": pairs[0].id}, "annotations": [{"completed_by": {"email": "lee@x.org"},
              "result": [{"from_name": "decision", "type": "choices", "value": {"choices": ["reject"]}}]}]},
             {"id": 2, "data": {"pair_id": pairs[1].id}, "annotations": [{"result": [
                 {"from_name": "decision", "type": "choices", "value": {"choices": ["edit"]}},
                 {"from_name": "edited_output", "type": "textarea", "value": {"text": ["Better answer."]}}]}]},
             {"id": 3, "data": {"pair_id": pairs[2].id}, "annotations": []}]
    ls = tmp_path / "ls.json"
    ls.write_text(json.dumps(tasks))
    found = read_decisions(ls)
    assert [(d["id"], d["status"]) for d in found] == [(pairs[0].id, "rejected"), (pairs[1].id, "edited")]
    assert found[0]["by"] == "lee@x.org" and found[1]["output"] == "Better answer." and found[0]["tool"] == "labelstudio"
    records = [{"id": pairs[0].id, "responses": {"decision": [{"value": "approve", "user_id": "u1"}]}},
               {"id": pairs[1].id, "decision.responses": ["edit"], "edited_instruction.responses": ["Q1 fixed?"]},
               {"id": pairs[2].id, "responses": {}}]
    argilla = tmp_path / "argilla.json"
    argilla.write_text(json.dumps(records))
    found = read_decisions(argilla)
    assert [(d["id"], d["status"]) for d in found] == [(pairs[0].id, "approved"), (pairs[1].id, "edited")]
    assert found[1]["instruction"] == "Q1 fixed?"


def test_unknown_decision_word_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "review.csv"
    path.write_text("id,decision\np_1,approve\np_2,maybe\n")
    with pytest.raises(InputError, match=r"review\.csv:3: decision 'maybe'"):
        read_decisions(path)


def test_decisions_survive_regeneration(tmp_path: Path) -> None:
    """Ids are stable, so a re-generated dataset keeps earlier decisions; only new pairs need review."""
    dup = [Pair(instruction="What is the default batch size?", output="It is 16 prompts per call."),
           Pair(instruction="What is the default batch size?", output="Sixty-four, set by hand in the config.")]
    src = tmp_path / "pairs.jsonl"
    write_pairs(dup, src, "jsonl")
    cfg = ModerationConfig()
    cfg.semantic.enabled = False
    first = moderate(src, tmp_path / "curated.jsonl", config=cfg)
    assert first.review == 2
    store = tmp_path / "reviews.jsonl"
    append_decisions(store, [{"id": dup[0].id, "status": "approved", "by": "ana"},
                             {"id": dup[1].id, "status": "rejected", "by": "ana"}])
    regenerated = [Pair(instruction=p.instruction, output=p.output) for p in dup] + [
        Pair(instruction="How do I resume a run?", output="Run the same command again.")]
    write_pairs(regenerated, tmp_path / "pairs2.jsonl", "jsonl")
    second = moderate(tmp_path / "pairs2.jsonl", tmp_path / "curated2.jsonl", config=cfg, reviews=store)
    curated = {r["id"]: r for r in map(json.loads, (tmp_path / "curated2.jsonl").read_text().splitlines())}
    assert second.review == 0 and second.dropped == 1 and second.kept == 2
    assert curated[dup[0].id]["review"]["status"] == "approved"
    rejected = json.loads((tmp_path / "curated2.rejects.jsonl").read_text())
    assert rejected["id"] == dup[1].id and rejected["moderation"]["reasons"] == ["review:rejected_by_human"]


def test_apply_refuses_to_overwrite(curated: Path, tmp_path: Path) -> None:
    store = tmp_path / "reviews.jsonl"
    append_decisions(store, [{"id": review_pairs()[0].id, "status": "approved"}])
    from pairsmith.core.errors import ConfigError

    with pytest.raises(ConfigError, match="is the input"):
        apply_to_file(curated, store, curated, tmp_path / "r.jsonl")


# --- the review session behind `review serve`, and `review apply` ------------------------------

def test_session_filters_counts_sorts_and_undoes(curated: Path, tmp_path: Path) -> None:
    from moderation.review_session import ReviewSession

    store = tmp_path / "reviews.jsonl"
    session = ReviewSession(curated, store, reviewer="ana")
    page = session.page({"decision": "review"})
    assert page.total == 3 and page.counts["decision"] == {"review": 3, "keep": 1}
    assert page.counts["reason"] == {"rules:no_final_punctuation": 3}
    assert session.page({"q": "number 2"}).total == 1
    first, second = (item["id"] for item in page.items[:2])
    session.decide([first], "approved")
    session.decide([first], "rejected")
    session.decide([second], "edited", output="A better answer.")
    assert session.page({"status": "rejected"}).total == 1
    assert session.undo([first]) == [session.status(first)] and session.status(first)["status"] == "approved"
    session.undo([first])
    assert session.status(first) is None
    # the store read by apply and moderate agrees with the session, and survives a restart
    assert load_decisions(store) == {second: load_decisions(store)[second]}
    assert ReviewSession(curated, store).status(second)["output"] == "A better answer."
    with pytest.raises(InputError, match="unknown decision"):
        session.decide([second], "maybe")


def test_session_marks_the_answer_in_its_chunk() -> None:
    from moderation.review_session import answer_spans

    chunk = "# Title\n\nThe cache lives in\n~/.cache/pairsmith. Delete it to start over.\n\nOther text."
    (start, end), = answer_spans(chunk, "The cache lives in ~/.cache/pairsmith.")
    assert chunk[start:end] == "The cache lives in\n~/.cache/pairsmith."
    assert answer_spans(chunk, "Not in the chunk at all.") == []


def test_review_apply_writes_approved_pairs_with_who_and_when(curated: Path, tmp_path: Path) -> None:
    pairs = load_pairs(curated)
    append_decisions(tmp_path / "reviews.jsonl", [
        {"id": pairs[0].id, "status": "approved", "by": "ana", "at": "2026-11-29T10:00:00+00:00"},
        {"id": pairs[1].id, "status": "rejected", "by": "ana", "at": "2026-11-29T10:00:01+00:00"}])
    result = runner.invoke(app, ["review", "apply", str(curated), "--out", str(tmp_path / "approved.jsonl"),
                                 "--approved-only"])
    assert result.exit_code == 0, result.output
    written = load_pairs(tmp_path / "approved.jsonl")
    assert [p.id for p in written] == [pairs[0].id]
    assert written[0].review == {"status": "approved", "by": "ana", "at": "2026-11-29T10:00:00+00:00"}
    assert [p.id for p in load_pairs(tmp_path / "approved.rejects.jsonl")] == [pairs[1].id]
    everything = runner.invoke(app, ["review", "apply", str(curated), "--out", str(tmp_path / "all.jsonl")])
    assert everything.exit_code == 0 and len(load_pairs(tmp_path / "all.jsonl")) == 3
    from finetune.train import trainable

    kept, pending, dropped = trainable(load_pairs(tmp_path / "all.jsonl"), approved_only=True)
    assert [p.id for p in kept] == [pairs[0].id] and (pending, dropped) == (2, 0)
