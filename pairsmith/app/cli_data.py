"""The data commands of `pairsmith`: generate, run, init, moderate, convert, models and templates.
Each parses its options, builds an options object and calls one library function."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from pairsmith.app.cli_base import GENERATE, app, echo_headline, fail, guarded
from pairsmith.app.run_spec import RUN_GENERATE, RUN_TRAIN

@app.command()
@guarded
def generate(
    paths: Annotated[list[str], typer.Argument(help="Files, folders or glob patterns of docs.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="JSONL file the pairs are appended to.")],
    model: Annotated[Optional[str], typer.Option(help="Alias, hub id or path (local); model name (server). "
                                                 "Default: the teacher, qwen2.5-coder-1.5b-instruct on llama.cpp.")] = None,
    base_url: Annotated[Optional[str], typer.Option(help="OpenAI-compatible server; default $OPENAI_BASE_URL.")] = None,
    backend: Annotated[str, typer.Option(help="auto (a server with --base-url; else llama.cpp for the teacher or a "
                                         ".gguf model, transformers for other models), hf, llamacpp or openai.")] = GENERATE.backend,
    api_key: Annotated[Optional[str], typer.Option(help="API key; default $OPENAI_API_KEY.")] = None,
    pairs_per_chunk: Annotated[int, typer.Option(help="Pairs to ask for per chunk.")] = GENERATE.pairs_per_chunk,
    words_per_pair: Annotated[int, typer.Option(help="sections: ask at most one pair per this many words of a section "
                                                "(never fewer than two, or --pairs-per-chunk if smaller); 0 asks every "
                                                "section for --pairs-per-chunk.")] = GENERATE.words_per_pair,
    project: Annotated[Optional[str], typer.Option(help="The project's name, which questions name; default: from "
                                                   "pyproject.toml, package.json or a README beside the docs.")] = None,
    concurrency: Annotated[int, typer.Option(help="Requests in flight at once.")] = GENERATE.concurrency,
    template: Annotated[Optional[str], typer.Option(help="Prompt template name or file.")] = None,
    answer_template: Annotated[Optional[str], typer.Option(help="Answer template (stepwise strategy).")] = None,
    mode: Annotated[str, typer.Option(help="qa: pairs from chunks; self-instruct: Alpaca-style tasks from seeds.")] = GENERATE.mode,
    strategy: Annotated[str, typer.Option(help="auto (sections for qa, multi for self-instruct), sections (the model "
                                          "writes pairs with their evidence), answer-first, multi or stepwise.")] = GENERATE.strategy,
    candidates: Annotated[int, typer.Option(help="answer-first: candidate questions per answer.")] = GENERATE.candidates,
    seed_tasks: Annotated[Optional[str], typer.Option(help="Seed tasks (Alpaca format) for self-instruct.")] = None,
    temperature: Annotated[Optional[float], typer.Option(help="Sampling temperature; 0 is greedy.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed for sampling.")] = GENERATE.seed,
    max_tokens: Annotated[int, typer.Option(help="Completion token limit for multi-pair requests.")] = GENERATE.max_tokens,
    max_reasks: Annotated[int, typer.Option(help="Re-asks after a reply with no usable pair.")] = GENERATE.max_reasks,
    rejects: Annotated[Optional[str], typer.Option(help="Rejects file; default OUT.rejects.jsonl.")] = None,
    batch_size: Annotated[int, typer.Option(help="Local backend: prompts per generate call.")] = GENERATE.batch_size,
    parallel: Annotated[int, typer.Option(help="llamacpp: requests decoded together (slots).")] = GENERATE.parallel,
    device: Annotated[Optional[str], typer.Option(help="Local backend: cuda, mps or cpu.")] = None,
    no_constrain: Annotated[bool, typer.Option("--no-constrain", help="Local backend: do not constrain decoding to JSON.")] = False,
    lookup: Annotated[bool, typer.Option("--lookup", help="llamacpp: lookup decoding (drafts of text the prompt "
                                         "or reply already holds, checked in one batch); slower on CPU cores.")] = False,
    timeout: Annotated[float, typer.Option(help="Server request timeout in seconds.")] = GENERATE.timeout,
    retry_window: Annotated[float, typer.Option(help="Seconds to keep retrying a server that is down "
                                                "(connection refused or reset) before its units fail.")] = GENERATE.retry_window,
    chunk_tokens: Annotated[int, typer.Option(help="Chunk budget in estimated tokens.")] = GENERATE.chunk_tokens,
    max_file_bytes: Annotated[int, typer.Option(help="Skip files larger than this.")] = GENERATE.max_file_bytes,
    shard: Annotated[Optional[str], typer.Option(help="Process only shard i/n of the chunks.")] = None,
    again_for: Annotated[Optional[str], typer.Option(help="A curated file of an earlier run into this --out: ask "
                                                     "again (next seed, warmer temperature) for the sections "
                                                     "it kept no pair from; the same docs and chunking.")] = None,
    cache: Annotated[Optional[str], typer.Option(help="Resume cache file (SQLite).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write the resume cache.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print chunks, prompts and a token estimate only.")] = False,
) -> None:
    """Generate instruction pairs from docs with a local model or an OpenAI-compatible server."""
    from alpaca_gen.run import collect_chunks, dry_run as plan, summary_lines
    from alpaca_gen.generate import generate as run_generate
    from alpaca_gen.options import GenerateOptions, build_strategy

    opts = GenerateOptions(
        paths=paths, out=str(out), model=model, backend=backend, base_url=base_url, api_key=api_key,
        pairs_per_chunk=pairs_per_chunk, words_per_pair=words_per_pair, project=project, concurrency=concurrency, template=template,
        answer_template=answer_template, mode=mode, strategy=strategy, candidates=candidates,
        seed_tasks=seed_tasks,
        temperature=temperature, seed=seed, max_tokens=max_tokens, max_reasks=max_reasks, rejects=rejects,
        batch_size=batch_size, parallel=parallel, device=device, constrain=not no_constrain, lookup=lookup, timeout=timeout, retry_window=retry_window, chunk_tokens=chunk_tokens, max_file_bytes=max_file_bytes, shard=shard,
        again_for=again_for, cache=cache, no_cache=no_cache,
    )
    if dry_run:
        found, chunks = collect_chunks(opts.paths, opts.chunking(), opts.max_file_bytes, opts.shard)
        planned = plan(chunks, build_strategy(opts))
        for item in planned:
            c = item.chunk
            typer.echo(f"=== {c.id} {c.path}:{c.start}-{c.end} [{' > '.join(c.headings)}] ~{c.tokens} tokens")
            typer.echo(item.prompt)
            typer.echo("")
        prompt = sum(p.prompt_tokens for p in planned)
        completion = sum(p.max_completion_tokens for p in planned)
        typer.echo(f"files: {len(found.documents)} read, {len(found.skipped)} skipped")
        for path, reason in found.skipped:
            typer.echo(f"  skipped {path}: {reason}")
        for warning in found.warnings:
            typer.echo(f"warning: {warning}")
        typer.echo(f"dry run: {len(chunks)} chunks, {len(planned)} units; estimate ~{prompt} prompt tokens "
                   f"for first requests + up to {completion} completion tokens (no model was called)")
        return
    summary = run_generate(opts)
    for line in summary_lines(summary):
        typer.echo(line)
    if summary.units_failed:
        raise typer.Exit(1)


@app.command("run")
@guarded
def run_all(
    paths: Annotated[list[str], typer.Argument(help="Files, folders or glob patterns of docs, or one pairsmith.yaml "
                                               "(see `pairsmith init`).")],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Run folder for every stage's files.")] = None,
    model: Annotated[Optional[str], typer.Option(help="Generation model (see `generate --help`).")] = None,
    base_url: Annotated[Optional[str], typer.Option(help="OpenAI-compatible server; default $OPENAI_BASE_URL.")] = None,
    pairs_per_chunk: Annotated[Optional[int], typer.Option(help=f"Pairs to ask for per chunk (default {RUN_GENERATE['pairs_per_chunk']}).")] = None,
    config: Annotated[Optional[Path], typer.Option(help="Moderation config (YAML or JSON).")] = None,
    train: Annotated[Optional[bool], typer.Option("--train/--no-train", help="Fine-tune and evaluate on the curated pairs.")] = None,
    epochs: Annotated[Optional[float], typer.Option(help=f"Training epochs over the curated pairs (default {RUN_TRAIN['epochs']:g}).")] = None,
    review: Annotated[bool, typer.Option("--review", help="Stop after moderation for a person to review; the next "
                                         "run continues from their decisions (OUT/reviews.jsonl).")] = False,
    fractions: Annotated[Optional[str], typer.Option(help="Data-size curve: train on these nested shares of the "
                                                     "training pairs too, e.g. 0.25,0.5,1.")] = None,
    ask_again: Annotated[Optional[int], typer.Option(help="Rounds asking the teacher again for sections that kept "
                                                     "no pair, each moderated anew (default 1; 0: none).")] = None,
) -> None:
    """The whole loop: generate pairs from docs, moderate them, fine-tune and evaluate, with one report
    (OUT/index.html). A re-run redoes the first stage whose inputs or settings changed, and what follows."""
    from moderation.config import ModerationConfig, load_config
    from pairsmith.app.pipeline import run_pipeline
    from pairsmith.app.run_spec import RunSpec, is_spec, load_spec

    if len(paths) == 1 and is_spec(paths[0]):
        spec = load_spec(paths[0])
        if config:
            fail("--config and a run file: put the moderation settings in the run file's `moderation:`")
        moderation = ModerationConfig.model_validate(spec.moderation) if spec.moderation else ModerationConfig()
    else:
        if out is None:
            fail("--out is needed (or give a run file: pairsmith init, then pairsmith run pairsmith.yaml)")
        spec = RunSpec(docs=list(paths), out=str(out))
        moderation = load_config(config)
    if out is not None:
        spec.out = str(out)
    for key, value in (("model", model), ("base_url", base_url), ("pairs_per_chunk", pairs_per_chunk)):
        if value is not None:
            spec.generate[key] = value
    if epochs is not None:
        spec.train["epochs"] = epochs
    if train is not None:
        spec.train_and_evaluate = train
    if ask_again is not None:
        if not 0 <= ask_again <= 5:
            fail(f"--ask-again {ask_again}: give 0 to 5 rounds")
        spec.ask_again = ask_again
    if fractions:
        try:
            spec.fractions = [float(f) for f in fractions.split(",") if f.strip()]
        except ValueError:
            fail(f"--fractions {fractions}: give shares such as 0.25,0.5,1")
    result = run_pipeline(spec.docs, spec.out, spec.generate, moderation, train_options=spec.train,
                          eval_options=spec.evaluate, train=spec.train_and_evaluate, review=review or spec.review,
                          fractions=spec.fractions, ask_again=spec.ask_again)
    echo_run(result, Path(spec.out))


def echo_run(result: Any, out: Path) -> None:
    """What a run did, stage by stage, ending with the path of its report."""
    from alpaca_gen.run import summary_lines

    typer.echo("== generate")
    for line in summary_lines(result.generation):
        typer.echo(line)
    for round_, again in enumerate(result.asked_again, 1):
        if not again.chunks:
            typer.echo("== ask again: every section kept a pair")
            continue
        typer.echo(f"== ask again (round {round_}): {again.chunks} sections that kept no pair")
        for line in summary_lines(again):
            if not line.startswith(("files:", "  skipped", "warning:")):  # the first run said these
                typer.echo(line)
    typer.echo("== moderate")
    typer.echo(result.moderation.summary())
    if result.stopped_for_review:
        again = " ".join(a for a in sys.argv[1:] if a != "--review") if sys.argv[1:2] == ["run"] else f"run ... --out {out}"
        typer.echo("== review")
        typer.echo(f"stopped for review: pairsmith review serve {out / 'curated.jsonl'}")
        typer.echo(f"then continue from the decisions: pairsmith {again}")
    if result.training:
        typer.echo("== train")
        t = result.training
        typer.echo(f"{t['steps']} steps on {t['split']['train']} pairs ({t['split']['test']} held out by document), "
                   f"train loss {t['train_loss']:.3f}" + (f", best eval loss {t['eval_loss']:.3f}" if t["eval_loss"] else ""))
        typer.echo("== evaluate (held-out pairs, base vs tuned)")
        echo_headline(result.evaluation["headline"])
    if result.scale:
        typer.echo("== data-size curve (tuned - base, rouge_l)")
        for point in result.scale:
            row = next(r for r in point["headline"] if r["metric"] == "rouge_l")
            typer.echo(f"{point['pairs']:6d} pairs  {row['delta']:+.4f}  95% CI [{row['ci_low']:+.4f}, {row['ci_high']:+.4f}]")
    typer.echo("== files")
    for name, path in result.files.items():
        typer.echo(f"{name:20} {path}")
    if "report" in result.files:
        typer.echo(f"report: {result.files['report']}")


@app.command("init")
@guarded
def init_command(
    path: Annotated[Path, typer.Argument(help="The run file to write.")] = Path("pairsmith.yaml"),
    docs: Annotated[str, typer.Option(help="The docs the run reads.")] = "docs/",
) -> None:
    """Write a commented pairsmith.yaml (docs, generator, every moderation setting, training and
    evaluation) for `pairsmith run pairsmith.yaml`."""
    from moderation.config import ModerationConfig
    from pairsmith.core.errors import InputError
    from pairsmith.core.io import atomic_write
    from pairsmith.app.run_spec import template

    if path.exists():
        raise InputError(f"{path} exists: pairsmith init never overwrites a file; name another path")
    with atomic_write(path) as fh:
        fh.write(template(ModerationConfig().model_dump(mode="json", exclude={"source"}), docs))
    typer.echo(f"wrote {path}; edit it, then: pairsmith run {path}")


@app.command()
@guarded
def moderate(
    src: Annotated[str, typer.Argument(help="Pairs in any readable format (JSONL, Alpaca, Lamini, CSV, HF...).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Curated pairs (kept and to-review), JSONL.")],
    rejects: Annotated[Optional[Path], typer.Option(help="Dropped pairs; default OUT.rejects.jsonl.")] = None,
    report: Annotated[Optional[Path], typer.Option(help="Report path: writes .md, .json and a PNG beside it.")] = None,
    embedder: Annotated[Optional[str], typer.Option(help="Embedding model alias, hub id or path.")] = None,
    config: Annotated[Optional[Path], typer.Option(help="YAML or JSON file of steps and thresholds.")] = None,
    reviews: Annotated[Optional[Path], typer.Option(help="Earlier human decisions to apply (review import).")] = None,
    near_method: Annotated[Optional[str], typer.Option(help="minhash (default) or rouge (Alpaca's rule).")] = None,
    judge_url: Annotated[Optional[str], typer.Option(help="OpenAI-compatible server that judges grounding.")] = None,
    judge_model: Annotated[Optional[str], typer.Option(help="The judge's model name.")] = None,
    judge_key: Annotated[Optional[str], typer.Option(help="The judge's API key; default $OPENAI_API_KEY.")] = None,
    print_config: Annotated[bool, typer.Option("--print-config", help="Print the settings in effect and exit.")] = False,
    engine: Annotated[str, typer.Option(help="local (this process) or ray (a Ray cluster; pip install 'pairsmith[ray]').")] = "local",
    address: Annotated[Optional[str], typer.Option(help="With --engine ray: a running cluster (auto, ray://HOST:10001); "
                                                        "default: a local one on this machine's cores.")] = None,
) -> None:
    """Dedupe and filter pairs; every drop carries its reason and evidence."""
    import os

    import yaml

    from moderation.config import load_config
    from moderation.pipeline import moderate as run_moderate

    settings = load_config(config)
    if embedder:
        settings.embedder = embedder
    if near_method:
        if near_method not in ("minhash", "rouge"):
            fail(f"--near-method must be minhash or rouge, not '{near_method}'")
        settings.near.method = near_method
    if judge_model:
        settings.grounding.judge_model = judge_model
        settings.judged.judge_model = judge_model
    if print_config:
        typer.echo(yaml.safe_dump(settings.model_dump(), sort_keys=False))
        return
    if engine not in ("local", "ray"):
        fail(f"--engine must be local or ray, not '{engine}'")
    if address and engine != "ray":
        fail("--address names a Ray cluster; add --engine ray")
    result = run_moderate(src, out, rejects, settings, reviews, judge_url=judge_url,
                          judge_key=judge_key or os.environ.get("OPENAI_API_KEY"), report=report,
                          engine=engine, engine_address=address)
    for reason, count in result.drop_reasons.most_common():
        typer.echo(f"  dropped {count:5d}  {reason}")
    for reason, count in result.review_reasons.most_common():
        typer.echo(f"  review  {count:5d}  {reason}")
    if result.report_files:
        typer.echo(f"report: {', '.join(str(p) for p in result.report_files.values())}")
    typer.echo(result.summary())


@app.command()
@guarded
def convert(
    src: Annotated[str, typer.Argument(help="Input file, dataset folder or hub dataset name.")],
    dst: Annotated[Path, typer.Argument(help="Output path (must not be the input).")],
    to: Annotated[Optional[str], typer.Option("--to", help="Output format; default from DST's suffix.")] = None,
) -> None:
    """Convert a dataset between Alpaca, Lamini, prompt/completion, messages, ShareGPT, CSV and HF."""
    from pairsmith.core.formats import FORMATS, convert as run_convert

    fmt = to or {".csv": "csv", ".json": "alpaca"}.get(dst.suffix.lower(), "jsonl" if dst.suffix else "hf")
    if fmt not in FORMATS:
        fail(f"unknown format '{fmt}'; choose one of: {', '.join(FORMATS)}")
    count = run_convert(src, dst, fmt)
    typer.echo(f"wrote {count} pairs to {dst} ({fmt})")


@app.command("models")
@guarded
def list_models(
    check: Annotated[bool, typer.Option("--check", help="Assemble and check models carried in parts (once; ~10 s "
                                        "for the teacher) instead of only looking for their packages.")] = False,
) -> None:
    """List model aliases: the teacher, the student and the embedder, where each resolves and whether it works offline."""
    from pairsmith.core.models import ALIASES, is_installed, local_source
    from pairsmith.core.models.gguf_parts import is_assembled

    for alias in ALIASES.values():
        ready = check or not alias.parts or is_assembled(alias)  # listing never spends 10 s assembling
        source = local_source(alias) if ready and is_installed(alias) else None
        if source is not None:
            where = f"offline: {source}"
        elif is_installed(alias):
            where = "offline: packages installed (assembled on first use; pairsmith models --check does it now)"
        else:
            where = f"hub: {alias.hub_id} ({alias.install_hint} for offline use)"
        typer.echo(f"{alias.name:28} {alias.role or alias.kind:14} {where}")


@app.command()
@guarded
def templates() -> None:
    """List the bundled prompt templates."""
    from pairsmith.core.templates import list_templates, load_template

    for name in list_templates():
        template = load_template(name)
        typer.echo(f"{template.id:28} {template.purpose:14} {template.description}")

