"""The dataset formats users bring and expect back.

Reading (`readers.py`) tells a record's shape by its keys; writing goes through the registry of
output formats (`registry.py`), one `to_*.py` module per family, each writer atomic. Adding an
output format is adding a `to_*.py` file with an `@output_format(...)` writer.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pairsmith.core.errors import ConfigError
from pairsmith.core.formats.readers import (COURSE_A_SUFFIX, COURSE_Q_PREFIX, load_pairs, read_pairs,
                                            record_to_pair, strip_course_template)
from pairsmith.core.formats.registry import Format, all_formats
from pairsmith.core.io import read_jsonl
from pairsmith.core.records import Pair

FORMATS: dict[str, Format] = all_formats()
FOLDER_FORMATS = tuple(name for name, fmt in FORMATS.items() if fmt.folder)


def write_pairs(pairs: Iterable[Pair], path: str | Path, fmt: str) -> int:
    """Write pairs in a named format, atomically; returns the count."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown format '{fmt}'; choose one of: {', '.join(FORMATS)}")
    return FORMATS[fmt].write(pairs, Path(path))


def convert(src: str | Path, dst: str | Path, fmt: str) -> int:
    """Read any supported input and write it in `fmt`; never overwrites the input."""
    from pairsmith.core.outputs import Output, claim_outputs

    target = Output.folder(dst, "DST") if fmt in FOLDER_FORMATS else Output.file(dst, "DST")
    with claim_outputs({"SRC": src}, [target]):
        return write_pairs(load_pairs(src), Path(dst), fmt)


__all__ = ["COURSE_A_SUFFIX", "COURSE_Q_PREFIX", "FOLDER_FORMATS", "FORMATS", "Format", "convert", "load_pairs",
           "read_jsonl", "read_pairs", "record_to_pair", "strip_course_template", "write_pairs"]
