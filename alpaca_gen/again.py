"""Asking again for the sections that kept nothing.

A section whose every pair moderation dropped is a gap in the dataset. Asked once more, with another
seed and a warmer temperature, the teacher writes other pairs, and every one goes through every check
again. Measured on four third-party projects' docs, labelled blind (BENCHMARKS.md, "Asking again"):
the sections with a good kept pair went from 41% to 51%; 46% of the new kept pairs were good, against
55% of the first asking's.
"""

from __future__ import annotations

from pathlib import Path

from pairsmith.core.errors import InputError
from pairsmith.core.io import read_jsonl

AGAIN_TEMPERATURE = 0.6  # the first asking's 0.2 gives much the same pairs again under another seed


def sections_left_empty(pairs: Path, curated: Path) -> set[str]:
    """The chunk ids that have pairs in `pairs` (a generate run's output) and none in `curated` (its
    moderation's kept and held-for-review pairs)."""
    for path, what in ((pairs, "--out (the pairs of the earlier run)"), (curated, "--again-for")):
        if not path.is_file():
            raise InputError(f"{path}: not found; {what} must be a file written by pairsmith")
    made = {_chunk(record) for record in read_jsonl(pairs)}
    kept = {_chunk(record) for record in read_jsonl(curated)}
    return {chunk for chunk in made - kept if chunk}


def _chunk(record: dict) -> str | None:
    source = record.get("source")
    return source.get("chunk") if isinstance(source, dict) else None
