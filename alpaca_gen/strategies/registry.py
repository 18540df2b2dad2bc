"""Generation strategies by name. Each module of this package that defines a strategy decorates
its class with `@register` (the class's `name`); adding a strategy is adding one file here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from pairsmith.core.discovery import import_modules
from pairsmith.core.errors import ConfigError

if TYPE_CHECKING:
    from alpaca_gen.strategies.base import Strategy

S = TypeVar("S", bound=type)
_REGISTRY: dict[str, type] = {}
_loaded = False


def register(cls: S) -> S:
    """Class decorator: make the strategy available by its `name`."""
    _REGISTRY[cls.name] = cls  # type: ignore[attr-defined]
    return cls


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    import_modules("alpaca_gen.strategies", lambda name: name not in ("base", "registry"))
    _loaded = True


def names() -> list[str]:
    """Every registered strategy name."""
    _load_all()
    return sorted(_REGISTRY)


def strategy_class(name: str) -> type[Strategy]:
    """The class registered as `name`; a typo is an error that lists the valid names."""
    _load_all()
    if name not in _REGISTRY:
        raise ConfigError(f"unknown strategy '{name}'; choose auto or one of: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


def build(name: str, opts: Any) -> Strategy:
    """The strategy `name`, built from generation options (`GenerateOptions`)."""
    cls = strategy_class(name)
    if opts.mode == "self-instruct" and not cls.self_instruct:
        raise ConfigError(f"--mode self-instruct asks for many tasks per request; --strategy {name} cannot, "
                          f"use one of: {', '.join(n for n in names() if _REGISTRY[n].self_instruct)}")
    return cls.from_options(opts)
