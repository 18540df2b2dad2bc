"""The whole loop in one call: docs -> pairs -> curated pairs (+ rejects and a report).

The only module besides the CLI that knows every stage. Each stage's outputs land in one
run folder, named as the stage commands would name them, so any stage can be re-run alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alpaca_gen.generate import RunSummary
from alpaca_gen.options import GenerateOptions, generate
from moderation.config import ModerationConfig
from moderation.pipeline import ModerationResult, moderate
from moderation.report import write_report


@dataclass
class PipelineResult:
    """What each stage produced."""

    generation: RunSummary
    moderation: ModerationResult
    files: dict[str, Path]


def run_pipeline(paths: list[str], out_dir: str | Path, generate_options: dict[str, Any] | None = None,
                 moderation: ModerationConfig | None = None) -> PipelineResult:
    """Generate pairs from `paths` into OUT/pairs.jsonl, then moderate them into OUT/curated.jsonl."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pairs = out / "pairs.jsonl"
    summary = generate(GenerateOptions(paths=list(paths), out=str(pairs), **(generate_options or {})))
    config = moderation or ModerationConfig()
    result = moderate(pairs, out / "curated.jsonl", out / "curated.rejects.jsonl", config=config)
    report = write_report(result, config, out / "moderation_report.md")
    files = {"pairs": pairs, "generation_rejects": out / "pairs.rejects.jsonl", "curated": out / "curated.jsonl",
             "moderation_rejects": out / "curated.rejects.jsonl", **{f"report_{k}": v for k, v in report.items()}}
    return PipelineResult(summary, result, files)
