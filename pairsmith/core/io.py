"""Safe file writing: append-only JSONL whose lines are never torn, and atomic replacement.

Every line is written with a single unbuffered write, so a process killed with SIGKILL leaves
either the whole line or nothing; a run that finds a torn tail (power loss) trims it on open.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import jsonlines

from pairsmith.core.errors import InputError


def dumps(obj: Any) -> str:
    """Compact, UTF-8 friendly JSON for one line."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def trim_torn_tail(path: Path) -> int:
    """Drop an incomplete last line (no trailing newline); returns the bytes removed."""
    if not path.exists() or path.stat().st_size == 0:
        return 0
    with open(path, "rb+") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return 0
        # Walk back to the last newline; everything after it is a torn write.
        pos = size - 1
        chunk = 4096
        while pos > 0:
            start = max(0, pos - chunk)
            fh.seek(start)
            block = fh.read(pos - start)
            idx = block.rfind(b"\n")
            if idx >= 0:
                keep = start + idx + 1
                fh.truncate(keep)
                return size - keep
            pos = start
        fh.truncate(0)
        return size


class JsonlAppender:
    """Appends records to a JSONL file, one atomic write per line, flushed immediately."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        trim_torn_tail(self.path)
        self._raw = open(self.path, "ab", buffering=0)  # noqa: SIM115 - closed in close()
        self._writer = jsonlines.Writer(self._raw, compact=True, flush=True, dumps=dumps)

    def write(self, record: dict[str, Any]) -> None:
        self._writer.write(record)

    def fileno(self) -> int:
        """The file descriptor, for os.fsync when a line must survive a power loss too."""
        return self._raw.fileno()

    def close(self) -> None:
        self._writer.close()
        self._raw.close()

    def __enter__(self) -> JsonlAppender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    """Yield the objects of a JSONL file; a bad line is an InputError naming file and line."""
    path = Path(path)
    try:
        with jsonlines.open(path) as reader:
            for obj in reader.iter(skip_empty=True):
                if not isinstance(obj, dict):
                    raise InputError(f"{path}: line holds {type(obj).__name__}, expected an object")
                yield obj
    except jsonlines.InvalidLineError as exc:
        raise InputError(f"{path}:{exc.lineno}: not valid JSON ({exc.__cause__ or exc})") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason})") from None


def _umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux: /proc), since
    setting and restoring it races with other threads creating files."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_write(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Write to a temp file beside `path`, then rename over it: readers never see half a file.

    The file gets the mode a plain open() would give (0o666 less the umask), not mkstemp's 0600.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else encoding) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_jsonl_atomic(path: str | Path, records: Iterable[dict[str, Any]]) -> int:
    """Write all records atomically; returns how many were written."""
    count = 0
    with atomic_write(path) as fh:
        for record in records:
            fh.write(dumps(record) + "\n")
            count += 1
    return count
