"""Finding a registry's parts: import every module of a package once, so each registers itself.
What makes "adding a part is adding a file" true for backends, strategies, steps and formats."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable


def import_modules(package: str, wanted: Callable[[str], bool]) -> None:
    """Import each module of `package` (a dotted name) whose short name `wanted` accepts."""
    found = importlib.import_module(package)
    for module in pkgutil.iter_modules(found.__path__):
        if wanted(module.name):
            importlib.import_module(f"{package}.{module.name}")
