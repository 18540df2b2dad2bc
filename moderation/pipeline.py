"""The moderation run: read pairs, apply earlier human decisions, run the steps, write
curated and rejected pairs (every input pair lands in exactly one of them), and report."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from moderation.config import ModerationConfig
from moderation.engines import make_engine
from moderation.report import report_paths, write_report
from moderation.review_store import apply_decisions, load_decisions
from moderation.steps import STEPS, Context, Item, PairStep, Step
from moderation.summary import ModerationSummary
from pairsmith.core.formats import load_pairs
from pairsmith.core.io import write_jsonl_atomic
from pairsmith.core.outputs import Output, claim_outputs, rejects_beside


def _decision(item: Item) -> dict[str, Any]:
    drops = [v for v in item.verdicts if v.decision == "drop"]
    chosen = drops[:1] if drops else [v for v in item.verdicts if v.decision == "review"]
    decision = "drop" if drops else "review" if chosen else "keep"
    record = {"decision": decision, "reasons": [v.reason for v in chosen], "evidence": [v.to_dict() for v in chosen]}
    if item.checks:
        record["checks"] = item.checks
    return record


def step_groups(steps: list[Step]) -> list[Step | list[PairStep]]:
    """The steps in order, with each run of consecutive per-pair steps as one list: an engine
    runs such a run in one pass over the pairs (one map on a cluster)."""
    groups: list[Step | list[PairStep]] = []
    for step in steps:
        if isinstance(step, PairStep):
            if groups and isinstance(groups[-1], list):
                groups[-1].append(step)
            else:
                groups.append([step])
        else:
            groups.append(step)
    return groups


def _resolve_duplicate_chains(items: list[Item]) -> None:
    """A duplicate's kept twin may itself be dropped by a later step (a near duplicate of a pair
    that is then a semantic duplicate of a third). Record the pair that finally stands for it."""
    by_id = {item.pair.id: item for item in items}

    def duplicate_target(item: Item) -> str | None:
        drops = [v for v in item.verdicts if v.decision == "drop"]
        return drops[0].evidence.get("duplicate_of") if drops else None

    for item in items:
        target = duplicate_target(item)
        if target is None:
            continue
        first = target
        seen: set[str] = set()
        while target in by_id and by_id[target].dropped and target not in seen:
            seen.add(target)
            following = duplicate_target(by_id[target])
            if following is None:
                break  # the twin was dropped for another reason: nothing stands for it
            target = following
        if target != first and target in by_id and not by_id[target].dropped:
            next(v for v in item.verdicts if v.decision == "drop").evidence["kept_as"] = target


def moderate(src: str | Path, out: str | Path, rejects: str | Path | None = None,
             config: ModerationConfig | None = None, reviews: str | Path | None = None,
             judge_url: str | None = None, judge_key: str | None = None,
             report: str | Path | None = None, engine: Any = None,
             engine_address: str | None = None) -> ModerationSummary:
    """Moderate the pairs in `src` (any readable format); write curated and rejected JSONL, and
    the report (REPORT.md, .json and the similarity PNG) when `report` is given. `engine` is
    where the heavy work runs: "local" (default), "ray" (a local Ray cluster, or the one at
    `engine_address`), or an engine object (moderation.engines); the same decisions either way.
    An engine named here is started after the outputs are claimed and stopped at the end."""

    config = config or ModerationConfig()
    out_path = Path(out)
    rejects_path = Path(rejects) if rejects else rejects_beside(out_path)
    outputs = [Output.file(out_path, "--out"), Output.file(rejects_path, "--rejects")]
    if report:
        outputs += [Output.file(path, "--report") for path in report_paths(report).values()]
    with claim_outputs({"the input": src, "--reviews": reviews, "--config": config.source}, outputs):
        owned = engine is None or isinstance(engine, str)
        running = make_engine(engine or "local", engine_address) if owned else engine
        try:
            result = _moderate(src, out_path, rejects_path, config, reviews, judge_url, judge_key, running)
        finally:
            if owned:
                running.close()
        if report:
            result.report_files = write_report(result, config, report)
    return result


def _moderate(src: str | Path, out_path: Path, rejects_path: Path, config: ModerationConfig,
              reviews: str | Path | None, judge_url: str | None, judge_key: str | None,
              engine: Any = None) -> ModerationSummary:
    started = time.perf_counter()
    pairs = load_pairs(src)
    items = [Item(index, pair) for index, pair in enumerate(pairs)]
    if reviews:
        apply_decisions(items, load_decisions(reviews))
    ctx = Context(config, judge_url=judge_url, judge_key=judge_key,
                  source_file=str(src) if Path(str(src)).is_file() else None, engine=engine)
    try:
        for group in step_groups([step for step in STEPS if step.enabled(config)]):
            if isinstance(group, list):
                ctx.engine.run_pair_steps(group, items, ctx)
            else:
                group.run(items, ctx)
    finally:
        ctx.stats.update(ctx.engine.describe())
        if ctx.embedder is not None:
            ctx.stats["embeddings_computed"] = ctx.embedder.computed + ctx.stats.get("ray_embedded", 0)
            ctx.embedder.close()

    _resolve_duplicate_chains(items)
    result = ModerationSummary(total=len(items), stats=ctx.stats, curated=str(out_path), rejects=str(rejects_path))
    curated, dropped = [], []
    for item in items:
        item.pair.moderation = _decision(item)
        record = item.pair.to_dict()
        decision = item.pair.moderation["decision"]
        if decision == "drop":
            dropped.append(record)
            result.dropped += 1
            key = item.pair.moderation["evidence"][0]
            reason = f"{key['step']}:{key['rule']}"
            result.drop_reasons[reason] += 1
        else:
            curated.append(record)
            if decision == "review":
                result.review += 1
                reason = "; ".join(sorted({f"{e['step']}:{e['rule']}" for e in item.pair.moderation["evidence"]}))
                result.review_reasons[reason] += 1
            else:
                result.kept += 1
                continue
        examples = result.examples.setdefault(reason, [])
        if len(examples) < 3:
            examples.append({"id": record["id"], "instruction": record["instruction"][:200],
                             "output": record["output"][:200], "reasons": item.pair.moderation["reasons"]})
    write_jsonl_atomic(out_path, curated)
    write_jsonl_atomic(rejects_path, dropped)
    result.seconds = time.perf_counter() - started
    return result


def summary_from_report(report_json: str | Path, curated: str | Path) -> ModerationSummary:
    """The summary of a moderation run that is not redone, read back from its JSON report."""
    import json

    from pairsmith.core.outputs import rejects_beside

    data = json.loads(Path(report_json).read_text(encoding="utf-8"))
    counts = data.get("counts", {})
    summary = ModerationSummary(total=counts.get("total", 0), kept=counts.get("kept", 0), review=counts.get("review", 0),
                                dropped=counts.get("dropped", 0), drop_reasons=Counter(data.get("dropped_by_reason", {})),
                                review_reasons=Counter(data.get("review_by_reason", {})),
                                examples=data.get("examples", {}), seconds=0.0, curated=str(curated),
                                rejects=str(rejects_beside(Path(curated))))
    summary.stats["grounding_checked"] = data.get("grounding_checked", 0)
    summary.report_files = {k: v for k, v in report_paths(Path(report_json)).items() if v.exists()}
    return summary
