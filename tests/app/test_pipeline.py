"""The whole loop in one command: docs -> pairs -> curated pairs, rejects and a report."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from moderation.config import ModerationConfig
from pairsmith.app.cli import app
from pairsmith.app.pipeline import run_pipeline
from tests.openai_server import OpenAIStub, section_of


def answer_from_docs(body: dict) -> str:
    """One pair per chunk whose answer is the chunk's first prose line (grounded)."""
    chunk = section_of(body)
    title = next(l.lstrip("# ") for l in chunk.splitlines() if l.startswith("#"))
    line = next(l for l in chunk.splitlines() if l.strip() and not l.startswith(("#", "=", "|", "`")))
    opening = " ".join(line.split()[:3])  # the question names the line's subject; the answer says the rest
    return json.dumps({"pairs": [{"instruction": f"Which statement does the {title} page make, starting '{opening}'?",
                                  "input": "", "output": line.strip()}]})


def test_run_pipeline(tiny_embedder: Path, docs: Path, tmp_path: Path) -> None:
    with OpenAIStub(responder=answer_from_docs) as server:
        result = run_pipeline([str(docs)], tmp_path / "run", {"model": "m", "base_url": server.base_url},
                              ModerationConfig(embedder=str(tiny_embedder)), train=False)
    assert result.generation.pairs_written == 3
    moderation = result.moderation
    assert moderation.total == 3 == moderation.kept + moderation.review + moderation.dropped
    assert moderation.stats["grounding_checked"] == 3  # chunks found again from path and lines
    for name in ("pairs", "curated", "moderation_rejects", "report_md", "report_json"):
        assert result.files[name].exists(), name


def first_poor_then_good(body: dict) -> str:
    """The cache page's first asking gets a pair moderation drops (its answer says the question back);
    every other request, and that page asked again, gets answer_from_docs's grounded pair."""
    if "cache" in section_of(body) and body.get("seed") == 0:
        return json.dumps({"pairs": [{"instruction": "What does the cache keep?", "input": "",
                                      "output": "The cache keeps."}]})
    return answer_from_docs(body)


def _without_meaning(tiny_embedder: Path) -> ModerationConfig:
    """Moderation with the steps that judge by meaning off: a random tiny embedder has none."""
    return ModerationConfig.model_validate({"embedder": str(tiny_embedder), "semantic": {"enabled": False},
                                            "near": {"enabled": False}})


def test_a_section_that_kept_nothing_is_asked_again(tiny_embedder: Path, docs: Path, tmp_path: Path) -> None:
    """The first asking writes a pair for the cache page that moderation drops (its answer says the
    question back); asked again, the teacher writes one it keeps. Only sections that kept nothing are
    asked again (another one, whose pair is the same under every seed, adds nothing), and a rerun
    asks nothing."""
    config = _without_meaning(tiny_embedder)
    with OpenAIStub(responder=first_poor_then_good) as server:
        result = run_pipeline([str(docs)], tmp_path / "run", {"model": "m", "base_url": server.base_url}, config,
                              train=False)
        (again,) = result.asked_again
        asked = [body for body in server.requests if body["seed"] == 1]
        assert again.chunks == len(asked) < result.generation.chunks and again.pairs_written == 1
        assert any("cache" in section_of(body) for body in asked)
        curated = [json.loads(line) for line in (tmp_path / "run" / "curated.jsonl").read_text().splitlines()]
        assert any("cache keeps finished work" in pair["output"] for pair in curated)
        calls = len(server.requests)
        rerun = run_pipeline([str(docs)], tmp_path / "run", {"model": "m", "base_url": server.base_url}, config,
                             train=False)
        assert len(server.requests) == calls and rerun.asked_again == []
        none = run_pipeline([str(docs)], tmp_path / "none", {"model": "m", "base_url": server.base_url}, config,
                            train=False, ask_again=0)
    assert none.asked_again == [] and none.moderation.kept == result.moderation.kept - 1


def test_asking_again_that_failed_is_asked_again_by_a_rerun(tiny_embedder: Path, docs: Path, tmp_path: Path) -> None:
    """A server that fails the asking again (500s, no retries) fails those units; the run is not stamped as
    having asked, so the next run asks them again."""
    from collections import deque

    from tests.openai_server import Reply

    config = _without_meaning(tiny_embedder)
    options = {"model": "m", "max_retries": 0}
    with OpenAIStub(responder=first_poor_then_good) as server:
        options["base_url"] = server.base_url
        run_pipeline([str(docs)], tmp_path / "run", options, config, train=False, ask_again=0)
        server.script = deque(Reply(status=500, content="down") for _ in range(10))
        failed = run_pipeline([str(docs)], tmp_path / "run", options, config, train=False)
        assert failed.asked_again[0].units_failed >= 1 and failed.asked_again[0].pairs_written == 0
        server.script = deque()
        calls = len(server.requests)
        retried = run_pipeline([str(docs)], tmp_path / "run", options, config, train=False)
    assert len(server.requests) > calls and retried.asked_again[0].pairs_written == 1


def test_run_command(tiny_embedder: Path, docs: Path, tmp_path: Path) -> None:
    config = tmp_path / "moderation.yaml"
    config.write_text(f"embedder: {tiny_embedder}\n")
    with OpenAIStub(responder=answer_from_docs) as server:
        result = CliRunner().invoke(app, ["run", str(docs), "--out", str(tmp_path / "run"), "--model", "m",
                                          "--base-url", server.base_url, "--config", str(config), "--no-train"])
        assert result.exit_code == 0, result.output
        none = CliRunner().invoke(app, ["run", str(docs), "--out", str(tmp_path / "none"), "--model", "m",
                                        "--base-url", server.base_url, "--config", str(config), "--no-train",
                                        "--ask-again", "0"])
    assert "== generate" in result.output and "== moderate" in result.output and "3 pairs:" in result.output
    # the stub writes one pair a section, the same under every seed: some section kept none and was asked again
    assert "== ask again (round 1):" in result.output and "pairs: 0 new, " in result.output
    assert none.exit_code == 0 and "== ask again" not in none.output
    wrong = CliRunner().invoke(app, ["run", str(docs), "--out", str(tmp_path / "x"), "--ask-again", "9"])
    assert wrong.exit_code == 1 and "give 0 to 5 rounds" in wrong.output


def test_whole_loop_through_training_and_evaluation(tiny_lm: Path, tiny_embedder: Path, docs: Path,
                                                    tmp_path: Path) -> None:
    """docs -> pairs -> curated -> tuned tiny model -> evaluation report, in one call."""
    for i in range(4):  # enough documents to hold some out whole
        (docs / f"extra{i}.md").write_text(f"# Extra {i}\n\nExtra page {i} says that option {i} is on by default.\n",
                                           encoding="utf-8")
    moderation = ModerationConfig(embedder=str(tiny_embedder))
    moderation.semantic.enabled = moderation.near.enabled = False  # the pages differ by one digit
    with OpenAIStub(responder=answer_from_docs) as server:
        result = run_pipeline([str(docs)], tmp_path / "run", {"model": "m", "base_url": server.base_url}, moderation,
                              train_options={"model": str(tiny_lm), "max_steps": 2, "max_length": 2048},
                              eval_options={"max_new_tokens": 4})
    assert result.training["steps"] == 2 and result.training["split"]["by"] == "source"
    assert result.training["split"]["test"] >= 1
    assert result.evaluation["examples_evaluated"] == result.training["split"]["test"]
    for name in ("run", "loss_curve", "eval_md", "eval_html"):
        assert result.files[name].exists(), name


def test_run_stops_for_review_and_continues_from_the_decisions(tiny_lm: Path, tiny_embedder: Path, docs: Path,
                                                               tmp_path: Path) -> None:
    """`run --review` stops after moderation; decisions in OUT/reviews.jsonl apply on the next run."""
    for i in range(4):
        (docs / f"extra{i}.md").write_text(f"# Extra {i}\n\nExtra page {i} says that option {i} is on by default.\n",
                                           encoding="utf-8")
    config = tmp_path / "moderation.yaml"
    config.write_text(f"embedder: {tiny_embedder}\nsemantic: {{enabled: false}}\nnear: {{enabled: false}}\n")
    out = tmp_path / "run"
    with OpenAIStub(responder=answer_from_docs) as server:
        args = ["run", str(docs), "--out", str(out), "--model", "m", "--base-url", server.base_url,
                "--config", str(config)]
        stopped = CliRunner().invoke(app, [*args, "--review"])
        assert stopped.exit_code == 0, stopped.output
        assert f"pairsmith review serve {out / 'curated.jsonl'}" in stopped.output
        assert not (out / "run").exists()  # nothing trained yet
        curated = [json.loads(line) for line in (out / "curated.jsonl").read_text().splitlines()]
        rejected = curated[0]["id"]
        (out / "reviews.jsonl").write_text(json.dumps({"id": rejected, "status": "rejected", "by": "ana"}) + "\n")
        from pairsmith.app.pipeline import run_pipeline as again

        result = again([str(docs)], out, {"model": "m", "base_url": server.base_url},
                        ModerationConfig.model_validate({"embedder": str(tiny_embedder), "semantic": {"enabled": False},
                                                         "near": {"enabled": False}}),
                        train_options={"model": str(tiny_lm), "max_steps": 1, "max_length": 2048},
                        eval_options={"max_new_tokens": 2})
    assert result.generation.pairs_written == 0  # the pairs came from the first run
    rejects = [json.loads(line) for line in (out / "curated.rejects.jsonl").read_text().splitlines()]
    assert any(r["id"] == rejected and "review:rejected_by_human" in r["moderation"]["reasons"] for r in rejects)
    assert result.training["split"]["train"] + result.training["split"]["test"] == len(curated) - 1


def test_a_runs_defaults_are_the_same_from_every_face(tiny_embedder: Path, docs: Path, tmp_path: Path) -> None:
    """`pairsmith run`, `pairsmith.run()` and a pairsmith.yaml written by `pairsmith init` ask for the same
    pairs per chunk and train for the same epochs: the defaults are written once (run_spec)."""
    import yaml

    import pairsmith
    from pairsmith.app.run_spec import RUN_ASK_AGAIN, RUN_GENERATE, RUN_TRAIN, RunSpec, template

    written = yaml.safe_load(template({}))
    assert written["ask_again"] == RUN_ASK_AGAIN == RunSpec(docs=["d"]).ask_again
    assert written["generate"]["pairs_per_chunk"] == RUN_GENERATE["pairs_per_chunk"]
    assert written["train"]["epochs"] == RUN_TRAIN["epochs"] and written["train"]["eval_split"] == RUN_TRAIN["eval_split"]
    config = tmp_path / "moderation.yaml"
    config.write_text(f"embedder: {tiny_embedder}\n")
    asked = []
    with OpenAIStub(responder=answer_from_docs) as server:
        cli = CliRunner().invoke(app, ["run", str(docs), "--out", str(tmp_path / "cli"), "--model", "m",
                                       "--base-url", server.base_url, "--config", str(config), "--no-train"])
        assert cli.exit_code == 0, cli.output
        pairsmith.run([docs], out=tmp_path / "api", train=False, generate_options={"model": "m", "base_url": server.base_url},
                      moderation=ModerationConfig(embedder=str(tiny_embedder)))
    for face in ("cli", "api"):
        params = {json.dumps(json.loads(l)["generator"]["params"], sort_keys=True)
                  for l in (tmp_path / face / "pairs.jsonl").read_text().splitlines()}
        asked.append(params)
        assert all(json.loads(p)["n"] == RUN_GENERATE["pairs_per_chunk"] for p in params)
    assert asked[0] == asked[1]
