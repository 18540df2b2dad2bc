"""The Ray engine on a local Ray cluster (`ray.init(num_cpus=2)`) against the local engine: the
same steps on about 2,000 pairs (the course's lamini_docs, the labelled generated pairs with
their chunks, and planted exact, near and semantic duplicates, swapped answers and answers
given a chunk that does not hold them), with the offline embedder; each engine starts from an
empty embedding cache, so the cluster computes its own vectors. Decisions, reasons and evidence must be the same, but where an embedding
score lies within float noise of its threshold."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from moderation.config import ModerationConfig
from moderation.engines import make_engine
from moderation.pipeline import moderate
from pairsmith.core.formats import load_pairs
from pairsmith.core.io import read_jsonl, write_jsonl_atomic
from tests.conftest import ROOT

pytestmark = pytest.mark.ray


def needs_ray() -> None:
    pytest.importorskip("ray.data", reason="the Ray engine needs ray[data] (make test-ray installs it)")


def planted_pairs() -> list[dict]:
    """lamini_docs and the labelled generated pairs, plus duplicates of every kind, swapped answers
    and answers their source chunk does not hold."""
    rng = random.Random(0)
    pairs = [{"instruction": p.instruction, "output": p.output} for p in load_pairs(ROOT / "tests/data/lamini_docs.jsonl")]
    chunks = [p["output"] for p in pairs if len(p["output"]) > 400]
    for pair in rng.sample(pairs, 60):  # another pair's long answer as the source chunk: it does not hold this one
        pair["source"] = {"file": "elsewhere.md", "text": rng.choice(chunks)}
    for row in read_jsonl(ROOT / "tests/data/pair_quality/labelled.jsonl"):
        source = {**(row.get("source") or {}), "text": row["chunk"]}
        pairs.append({"instruction": row["instruction"], "output": row["output"], "source": source,
                      "generator": row.get("generator")})
    base = list(pairs)
    for pair in rng.sample(base, 60):  # exact duplicates, differing in case and spacing only
        pairs.append({**pair, "instruction": "  " + pair["instruction"].upper() + " "})
    for pair in rng.sample(base, 120):  # near duplicates: one word dropped
        words = pair["instruction"].split()
        if len(words) > 6:
            del words[rng.randrange(len(words))]
            pairs.append({**pair, "instruction": " ".join(words)})
    for pair in rng.sample(base, 120):  # semantic duplicates: the question re-asked
        pairs.append({**pair, "instruction": "Could you tell me: " + pair["instruction"].rstrip("?") + "?"})
    swapped = rng.sample(range(len(base)), 80)  # answers rotated among pairs
    for a, b in zip(swapped, swapped[1:] + swapped[:1]):
        pairs.append({"instruction": base[a]["instruction"] + " Please answer briefly.", "output": base[b]["output"]})
    return pairs


def decisions(curated: Path) -> dict[str, dict]:
    rows = [*read_jsonl(curated), *read_jsonl(curated.with_name(curated.stem + ".rejects.jsonl"))]
    return {r["id"]: r["moderation"] for r in rows}


def at_threshold(mine: dict, theirs: dict, noise: float = 2e-3) -> bool:
    """Whether two decisions on one pair differ by an embedding score alone: a step's score or
    margin that one engine put on the evidence of its verdict and the other recorded for the same
    step, the two no further apart than float noise (a threshold lies between them)."""
    for a, b in ((mine, theirs), (theirs, mine)):
        for reason, evidence in zip(a["reasons"], a["evidence"]):
            step = reason.split(":")[0]
            other = dict((b.get("checks") or {}).get(step) or {})
            for found in b["evidence"]:
                if found.get("step") == step:
                    other.update(found)
            for key in ("score", "margin"):
                x, y = evidence.get(key), other.get(key)
                if isinstance(x, float) and isinstance(y, float) and abs(x - y) <= noise:
                    return True
    return False


def test_ray_engine_makes_the_local_engines_decisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    needs_ray()
    src = tmp_path / "pairs.jsonl"
    write_jsonl_atomic(src, planted_pairs())
    monkeypatch.setenv("PAIRSMITH_CACHE", str(tmp_path / "cache-local"))
    local = moderate(src, tmp_path / "local.jsonl", config=ModerationConfig())
    monkeypatch.setenv("PAIRSMITH_CACHE", str(tmp_path / "cache-ray"))
    engine = make_engine("ray", num_cpus=2)
    try:
        remote = moderate(src, tmp_path / "ray.jsonl", config=ModerationConfig(), engine=engine)
    finally:
        engine.close()

    mine, theirs = decisions(tmp_path / "local.jsonl"), decisions(tmp_path / "ray.jsonl")
    assert mine.keys() == theirs.keys() and len(mine) > 1900
    differ = [k for k in mine if (mine[k]["decision"], mine[k]["reasons"]) != (theirs[k]["decision"], theirs[k]["reasons"])]
    # The actors embed in other batches than the driver, so vectors differ in their last bits: a
    # score that lies within that noise of its threshold may fall on either side. Nothing else may.
    unexplained = [k for k in differ if not at_threshold(mine[k], theirs[k])]
    assert unexplained == [] and len(differ) <= 3, [(mine[k], theirs[k]) for k in (unexplained or differ)[:3]]
    for count in ("kept", "review", "dropped"):
        assert abs(getattr(local, count) - getattr(remote, count)) <= len(differ), count
    twins = [k for k in mine if k not in differ and [e.get("duplicate_of") for e in mine[k]["evidence"]]
             != [e.get("duplicate_of") for e in theirs[k]["evidence"]]]
    assert twins == []  # the same member of every duplicate group is kept

    # not a vacuous comparison: every kind of drop happened, and the cluster did the work
    steps = {reason.split(":")[0] for reason in local.drop_reasons}
    assert {"exact_duplicate", "near_duplicate", "semantic_duplicate", "relevance", "grounding"} <= steps, steps
    stats = remote.stats
    assert stats["engine"] == "ray" and stats["ray_cpus"] == 2
    assert stats["ray_embedded"] > 0.8 * stats["embeddings_computed"], stats  # the actors embedded (empty cache)
    assert stats["ray_pair_checks"] >= len(mine) and stats["ray_band_rows"] > 0 and stats["ray_blocks"] > 0
    assert stats["ray_exact_groups"] == 1


def test_cli_moderates_on_a_local_ray_cluster(tmp_path: Path) -> None:
    needs_ray()
    from typer.testing import CliRunner

    from pairsmith.app.cli import app

    src = tmp_path / "pairs.jsonl"
    rows = load_pairs(ROOT / "tests/data/lamini_docs.jsonl")[:200]
    write_jsonl_atomic(src, [{"instruction": r.instruction, "output": r.output} for r in rows] * 2)
    result = CliRunner().invoke(app, ["moderate", str(src), "--out", str(tmp_path / "c.jsonl"), "--engine", "ray",
                                      "--report", str(tmp_path / "report.md")])
    assert result.exit_code == 0, result.output
    assert "400 pairs:" in result.output and "exact_duplicate" in result.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["counts"]["total"] == 400
