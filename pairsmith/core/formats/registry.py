"""Output formats by name. Each `to_*.py` module of this package registers its writers with
`@output_format(...)`; adding a format is adding one file here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from pairsmith.core.discovery import import_modules
from pairsmith.core.records import Pair

Writer = Callable[[Iterable[Pair], Path], int]


@dataclass(frozen=True)
class Format:
    """A named output format, the file suffix it implies, and whether it writes a folder."""

    name: str
    suffix: str
    write: Writer
    description: str
    folder: bool = False
    order: int = 100  # where `pairsmith convert --help` lists it


_REGISTRY: dict[str, Format] = {}


def output_format(name: str, suffix: str, description: str, folder: bool = False,
                  order: int = 100) -> Callable[[Writer], Writer]:
    """Decorator: register a writer `(pairs, path) -> count` as the format `name`."""

    def decorate(write: Writer) -> Writer:
        _REGISTRY[name] = Format(name, suffix, write, description, folder, order)
        return write

    return decorate


def register_format(fmt: Format) -> None:
    """Register a Format built elsewhere (a writer shared by several formats)."""
    _REGISTRY[fmt.name] = fmt


def all_formats() -> dict[str, Format]:
    """Every format, found by importing the package's `to_*` modules, in listing order."""
    import_modules("pairsmith.core.formats", lambda name: name.startswith("to_"))
    return dict(sorted(_REGISTRY.items(), key=lambda item: (item[1].order, item[0])))
