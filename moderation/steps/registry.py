"""Moderation steps, found by scanning this package: each module that defines a step decorates its
class with `@register`, and the step's `order` says where it runs. Adding a step is adding one
file here (and its settings section in `ModerationConfig`)."""

from __future__ import annotations

from typing import TypeVar

from pairsmith.core.discovery import import_modules

S = TypeVar("S", bound=type)
_REGISTRY: dict[str, type] = {}
_HELPERS = ("__init__", "base", "registry")


def register(cls: S) -> S:
    """Class decorator: run this step, at its `order`, in every moderation."""
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:  # type: ignore[attr-defined]
        raise ValueError(f"two moderation steps are named '{cls.name}'")  # type: ignore[attr-defined]
    _REGISTRY[cls.name] = cls  # type: ignore[attr-defined]
    return cls


def all_steps() -> list:
    """One instance of every step, in the order they run."""
    import_modules("moderation.steps", lambda name: name not in _HELPERS)
    ordered = sorted(_REGISTRY.values(), key=lambda cls: (cls.order, cls.name))
    orders = [cls.order for cls in ordered]
    if len(set(orders)) != len(orders):
        raise ValueError(f"two moderation steps share an order: {[(c.name, c.order) for c in ordered]}")
    return [cls() for cls in ordered]
