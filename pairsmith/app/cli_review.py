"""`pairsmith review ...`: human review outside pairsmith (export, import, apply) and the review page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from pairsmith.app.cli_base import app, guarded


review_app = typer.Typer(help="Human review outside pairsmith: export to CSV / Argilla / Label Studio, import decisions.",
                         no_args_is_help=True)
app.add_typer(review_app, name="review")


@review_app.command("export")
@guarded
def review_export(
    curated: Annotated[str, typer.Argument(help="Curated pairs from `pairsmith moderate`.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the review files.")],
    format: Annotated[str, typer.Option("--format", help="csv, argilla, labelstudio, or a comma list.")] = "csv,argilla,labelstudio",
    all_pairs: Annotated[bool, typer.Option("--all", help="Export every pair, not only those marked review.")] = False,
) -> None:
    """Write the pairs that need a human to CSV, Argilla records and Label Studio tasks."""
    from moderation.review_io import export_review

    written = export_review(Path(curated), out, [f.strip() for f in format.split(",") if f.strip()], all_pairs)
    for fmt, path in written.items():
        typer.echo(f"{fmt}: {path}")


@review_app.command("import")
@guarded
def review_import(
    decisions: Annotated[list[Path], typer.Argument(help="Filled review.csv, Label Studio or Argilla exports.")],
    data: Annotated[Path, typer.Option("--data", help="The curated file the decisions are about.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Reviewed pairs (JSONL).")],
    rejects: Annotated[Optional[Path], typer.Option(help="Pairs a reviewer rejected; default OUT.rejects.jsonl.")] = None,
    store: Annotated[Optional[Path], typer.Option("--reviews", help="Decision store (appended); default reviews.jsonl beside DATA.")] = None,
) -> None:
    """Read decisions back (approve, reject, edit), keep them, and apply them by pair id."""
    from moderation.review_io import import_review

    result = import_review(decisions, data, out, rejects, store)
    typer.echo(f"{result.decisions} decisions recorded in {result.store}")
    if result.unknown_ids:
        shown = ", ".join(result.unknown_ids[:5]) + (", ..." if len(result.unknown_ids) > 5 else "")
        typer.echo(f"{len(result.unknown_ids)} of them name pairs not in {data} ({shown}); they stay in the store "
                   "and apply if those pairs come back")
    typer.echo(", ".join(f"{v} {k}" for k, v in result.counts.items()))


@review_app.command("serve")
@guarded
def review_serve(
    file: Annotated[Path, typer.Argument(help="Pairs to review: curated, rejects or generated (any readable format).")],
    host: Annotated[str, typer.Option(help="Address to listen on; anything but 127.0.0.1 needs --expose.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (the next free one when taken; 0 for any).")] = 8765,
    expose: Annotated[bool, typer.Option("--expose", help="Allow a non-local --host; every request then needs the printed token.")] = False,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a browser.")] = False,
    store: Annotated[Optional[Path], typer.Option("--reviews", help="Decision store (appended); default reviews.jsonl beside FILE.")] = None,
    reviewer: Annotated[str, typer.Option("--by", help="Name recorded with each decision; default the login name.")] = "",
) -> None:
    """Review pairs in the browser: filter by decision, reason, source or text; approve, reject, edit, undo.
    Every decision is appended to the store at once; FILE is never modified."""
    from moderation.review_server import serve
    from moderation.review_session import default_store

    serve(file, store or default_store(file), host=host, port=port, expose=expose, open_browser=not no_browser,
          reviewer=reviewer)


@review_app.command("apply")
@guarded
def review_apply(
    file: Annotated[Path, typer.Argument(help="The pairs the decisions are about.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Reviewed pairs (JSONL).")],
    store: Annotated[Optional[Path], typer.Option("--reviews", help="Decision store; default reviews.jsonl beside FILE.")] = None,
    rejects: Annotated[Optional[Path], typer.Option(help="Pairs a reviewer rejected; default OUT.rejects.jsonl.")] = None,
    approved_only: Annotated[bool, typer.Option("--approved-only", help="Write only pairs a person approved or edited.")] = False,
) -> None:
    """Write the reviewed dataset: approved and edited pairs (with who and when), rejected ones apart."""
    from moderation.review_session import default_store
    from moderation.review_store import apply_to_file
    from pairsmith.core.outputs import rejects_beside

    counts = apply_to_file(file, store or default_store(file), out, rejects or rejects_beside(out), approved_only)
    typer.echo(", ".join(f"{v} {k}" for k, v in counts.items()) + f"; written to {out}")
