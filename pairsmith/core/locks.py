"""Exclusive locks on output paths, so two pairsmith processes never write the same file.

A lock is `flock` on a small file beside the output (`.NAME.lock`, holding the owner's pid),
taken without waiting: a second process is refused at once with the pid that holds it. The
kernel releases it when the process ends, however it ends, so a killed run leaves no stale
lock; a finished run removes the file. Locks are re-entrant within a process, since the
whole-loop command calls the stage commands, which claim the same paths again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pairsmith.core.errors import ConfigError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, the guard still runs
    fcntl = None  # type: ignore[assignment]

_held: dict[str, int] = {}  # lock file -> how many claims of this process hold it


def lock_path(path: Path) -> Path:
    """The lock file of an output: hidden, beside it."""
    path = path.expanduser().absolute()
    return path.with_name(f".{path.name}.lock")


def _owner(lock: Path) -> str:
    try:
        pid = lock.read_text().strip()
    except OSError:
        pid = ""
    return f"process {pid}" if pid else "another process"


def _acquire(lock: Path, option: str, target: Path) -> int:
    """Open and lock `lock`; retried when the file was replaced between the open and the lock."""
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ConfigError(f"{option} {target} is being written by {_owner(lock)} (pairsmith); "
                              "wait for it to finish or choose another path") from None
        try:
            if os.stat(lock).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass  # its holder removed it as we opened it: take a fresh one
        os.close(fd)
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    return fd


@contextmanager
def output_lock(path: str | os.PathLike, option: str = "output") -> Iterator[None]:
    """Hold an exclusive lock on `path` for the body; refuse at once if another process holds it."""
    if fcntl is None or os.environ.get("RANK", "0") != "0":  # under torchrun, rank 0 holds it for all
        yield
        return
    lock = lock_path(Path(path))
    lock.parent.mkdir(parents=True, exist_ok=True)
    key = str(lock.resolve())
    if key in _held:
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    fd = _acquire(lock, option, Path(path))
    _held[key] = 1
    try:
        yield
    finally:
        del _held[key]
        lock.unlink(missing_ok=True)  # unlink while still holding it: a waiter re-checks the inode
        os.close(fd)
