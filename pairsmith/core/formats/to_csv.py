"""CSV with one column per field, metadata as JSON text: for spreadsheets and labelling tools."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pairsmith.core.formats.registry import output_format
from pairsmith.core.io import atomic_write, dumps
from pairsmith.core.records import Pair


@output_format("csv", ".csv", "CSV with one column per field", order=60)
def write_csv(pairs: Iterable[Pair], path: Path) -> int:
    import pandas as pd

    rows = []
    for pair in pairs:
        row = pair.to_dict()
        for key in ("source", "generator", "moderation", "review"):
            row[key] = dumps(row[key]) if key in row else ""
        rows.append({k: v for k, v in row.items() if not isinstance(v, (dict, list))})
    columns = ["id", "instruction", "input", "output", "source", "generator", "moderation", "review"]
    frame = pd.DataFrame(rows, columns=columns)
    with atomic_write(path) as fh:
        frame.to_csv(fh, index=False)
    return len(rows)
