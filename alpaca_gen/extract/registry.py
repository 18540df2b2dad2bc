"""Document readers by kind. Each module of this package registers its reader with `@reader(...)`:
the file suffixes it reads, and whether it reads text into blocks or converts a binary file to
Markdown first. Adding a document type is adding one file here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from alpaca_gen.blocks import Block
from pairsmith.core.discovery import import_modules

Extractor = Callable[[str], list[Block]]
Converter = Callable[[bytes, str], str]
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Reader:
    """One document type: its kind, its suffixes, and the function that reads it. A converter
    turns bytes into Markdown (read then as Markdown); an extractor turns text into blocks.
    `carries_text`: its line numbers are not the file's, so pairs carry their chunk's text.
    `takes_path`: the extractor is also given the file's path (`path=`), to find what it includes."""

    kind: str
    suffixes: tuple[str, ...]
    read: Callable[..., Any]
    converts: bool = False
    carries_text: bool = False
    takes_path: bool = False


_REGISTRY: dict[str, Reader] = {}


def reader(kind: str, suffixes: tuple[str, ...], converts: bool = False,
           carries_text: bool = False, takes_path: bool = False) -> Callable[[F], F]:
    """Decorator: read files with these suffixes as `kind` with the decorated function."""

    def decorate(read: F) -> F:
        if kind in _REGISTRY:
            raise ValueError(f"two readers of the kind '{kind}'")
        _REGISTRY[kind] = Reader(kind, tuple(s.lower() for s in suffixes), read, converts, carries_text or converts,
                                 takes_path)
        return read

    return decorate


def all_readers() -> dict[str, Reader]:
    """Every reader, found by importing the package's modules."""
    import_modules("alpaca_gen.extract", lambda name: name != "registry")
    return dict(sorted(_REGISTRY.items()))
