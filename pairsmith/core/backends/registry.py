"""Backends by name. Each module of this package that defines a backend registers it with
`@register("name")`; adding a backend is adding one file here, or a package that declares a
`pairsmith.backends` entry point pointing at its module."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, TypeVar

from pairsmith.core.discovery import import_modules
from pairsmith.core.errors import ConfigError

B = TypeVar("B")
_REGISTRY: dict[str, type] = {}
_loaded = False


def register(name: str) -> Callable[[B], B]:
    """Class decorator: make the backend available as `name`."""

    def decorate(cls: B) -> B:
        _REGISTRY[name] = cls  # type: ignore[assignment]
        return cls

    return decorate


def _load_all() -> None:
    """Import every module of this package and every entry point once, so each registers."""
    global _loaded
    if _loaded:
        return
    import_modules("pairsmith.core.backends", lambda name: name not in ("base", "registry"))
    for entry in entry_points(group="pairsmith.backends"):
        entry.load()
    _loaded = True


def names() -> list[str]:
    """Every registered backend name."""
    _load_all()
    return sorted(_REGISTRY)


def create(name: str, **options: Any) -> Any:
    """A backend built with its own options (the model first among them)."""
    _load_all()
    if name not in _REGISTRY:
        raise ConfigError(f"unknown backend '{name}'; choose one of: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name](**options)
