"""Alpaca's own file: one JSON array of instruction / input / output, and LLaMA-Factory's folder of it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pairsmith.core.errors import ConfigError
from pairsmith.core.formats.registry import output_format
from pairsmith.core.io import atomic_write
from pairsmith.core.records import Pair


def alpaca_only(pair: Pair) -> dict[str, Any]:
    return {"instruction": pair.instruction, "input": pair.input, "output": pair.output}


@output_format("alpaca", ".json", "Alpaca JSON array of instruction/input/output", order=10)
def write_alpaca(pairs: Iterable[Pair], path: Path) -> int:
    rows = [alpaca_only(p) for p in pairs]
    with atomic_write(path) as fh:
        json.dump(rows, fh, ensure_ascii=False, indent=2)
    return len(rows)


@output_format("llamafactory", "", "LLaMA-Factory folder: data.json + dataset_info.json", folder=True, order=80)
def write_llamafactory(pairs: Iterable[Pair], path: Path) -> int:
    """A folder LLaMA-Factory reads: `data.json` (Alpaca) and its `dataset_info.json` entry."""
    if path.exists():
        raise ConfigError(f"{path} exists; choose a new folder for the dataset")
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.mkdir(parents=True)
    count = write_alpaca(pairs, tmp / "data.json")
    info = {path.name: {"file_name": "data.json", "formatting": "alpaca",
                        "columns": {"prompt": "instruction", "query": "input", "response": "output"}}}
    (tmp / "dataset_info.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    tmp.rename(path)
    return count
