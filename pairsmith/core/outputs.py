"""One guard for every file a command writes: declared before any work, checked all at once.

Each command names its inputs and every path it will write (a report's siblings, rejects,
decision stores, run folders and the files inside them). `claim_outputs` refuses, with one
line naming the path and the option, an output that is an input, an output named twice, a
folder where a file goes (or a file where a folder goes) and a place that cannot be written;
then it locks every output against a second pairsmith process, until the command ends.
Nothing is loaded and no byte is written before it has passed.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pairsmith.core.errors import ConfigError
from pairsmith.core.locks import output_lock

PathLike = str | os.PathLike


@dataclass(frozen=True)
class Output:
    """A path a command writes: a file (replaced atomically or appended to) or a folder.

    `inside` names files the command writes inside a folder, so that they are checked too.
    """

    path: Path
    option: str
    kind: Literal["file", "folder"] = "file"
    inside: tuple[str, ...] = field(default=())
    locked: bool = True  # False for stores built for several writers at once (the SQLite caches)

    @classmethod
    def file(cls, path: PathLike, option: str, locked: bool = True) -> Output:
        return cls(Path(path), option, locked=locked)

    @classmethod
    def folder(cls, path: PathLike, option: str, inside: Iterable[str] = ()) -> Output:
        return cls(Path(path), option, "folder", tuple(inside))

    def files(self) -> list[tuple[Path, str]]:
        """This output and the files it declares inside, each with the option that names it."""
        named = [(self.path, self.option)]
        return named + [(self.path / name, f"{self.option} (its {name})") for name in self.inside]


def rejects_beside(path: PathLike) -> Path:
    """The default rejects file of an output: OUT.rejects.jsonl beside it."""
    path = Path(path)
    return path.with_name(path.stem + ".rejects.jsonl")


def _key(path: Path) -> str:
    """One spelling per place: absolute, symbolic links and '..' resolved."""
    return os.path.normcase(str(path.expanduser().resolve()))


def _same(a: Path, b: Path) -> bool:
    if _key(a) == _key(b):
        return True
    try:  # hard links and other spellings of the same file
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _nearest_existing(path: Path) -> Path:
    here = path.expanduser().absolute()
    while not here.exists() and here != here.parent:
        here = here.parent
    return here


def _check_writable(path: Path, option: str) -> None:
    """The place can be created and written: its nearest existing folder takes a new file."""
    ancestor = _nearest_existing(path.parent if path != path.parent else path)
    if ancestor.exists() and not ancestor.is_dir():
        raise ConfigError(f"{option} {path}: {ancestor} is a file, so nothing can be written under it")
    try:  # os.access says yes to root everywhere; only a real file tells (it is removed at once)
        with tempfile.TemporaryFile(dir=ancestor):
            pass
    except OSError as exc:
        raise ConfigError(f"{option} {path}: cannot write in {ancestor} ({exc.strerror or exc}); "
                          "choose a writable place") from None


def check_outputs(inputs: Mapping[str, PathLike | Iterable[PathLike] | None], outputs: Iterable[Output]) -> None:
    """Refuse a command's outputs that would lose data or fail late; see the module's docstring."""
    given: list[tuple[Path, str]] = []
    for option, value in inputs.items():
        if value is None:
            continue
        values = [value] if isinstance(value, (str, os.PathLike)) else list(value)
        given += [(Path(v), option) for v in values]
    outputs = list(outputs)
    seen: list[tuple[Path, str]] = []
    for output in outputs:
        if output.kind == "file" and output.path.is_dir():
            raise ConfigError(f"{output.option} {output.path} is a folder; give the path of a file")
        if output.kind == "folder" and output.path.exists() and not output.path.is_dir():
            raise ConfigError(f"{output.option} {output.path} is a file; give a folder (new or a folder of its own)")
        for path, option in output.files():
            for source, source_option in given:
                if _same(path, source):
                    raise ConfigError(f"{option} {path} is the input given as {source_option}; "
                                      "write to a new path so the input is kept")
            for other, other_option in seen:
                if _same(path, other):
                    raise ConfigError(f"{option} and {other_option} both name {path}; give each output its own path")
            seen.append((path, option))
        _check_writable(output.path, output.option)


@contextmanager
def claim_outputs(inputs: Mapping[str, PathLike | Iterable[PathLike] | None],
                  outputs: Iterable[Output]) -> Iterator[None]:
    """Check the outputs (check_outputs), then hold an exclusive lock on each while the body runs."""
    outputs = list(outputs)
    check_outputs(inputs, outputs)
    with ExitStack() as stack:
        for output in outputs:
            if output.locked:
                stack.enter_context(output_lock(output.path, output.option))
        yield
