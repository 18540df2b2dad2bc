"""`pairsmith generate` as a library call: check the outputs, build the run, generate."""

from __future__ import annotations

from pathlib import Path

from alpaca_gen.again import sections_left_empty
from alpaca_gen.ingest import expand
from alpaca_gen.options import GenerateOptions, build_run, default_cache_path
from alpaca_gen.run import RunSummary, run_generation
from pairsmith.core.outputs import Output, claim_outputs, rejects_beside


def declared_outputs(opts: GenerateOptions) -> list[Output]:
    """Every file a generate run writes: the pairs, the rejects and the resume cache."""
    out = Path(opts.out)
    outputs = [Output.file(out, "--out"), Output.file(opts.rejects or rejects_beside(out), "--rejects")]
    if not opts.no_cache:  # SQLite in WAL mode takes several runs at once: shared, not locked
        outputs.append(Output.file(opts.cache or default_cache_path(), "--cache", locked=False))
    return outputs


def generate(opts: GenerateOptions) -> RunSummary:
    """Run generation end to end (the library call behind `pairsmith generate`)."""
    inputs = {"the docs": [*opts.paths, *expand(opts.paths)], "--seed-tasks": opts.seed_tasks,
              "--again-for": opts.again_for}
    with claim_outputs(inputs, declared_outputs(opts)):
        only = sections_left_empty(Path(opts.out), Path(opts.again_for)) if opts.again_for else None
        run = build_run(opts)
        return run_generation(opts.paths, run, opts.chunking(), opts.max_file_bytes, opts.shard, only=only)
