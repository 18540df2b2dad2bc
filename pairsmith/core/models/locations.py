"""Where models are found on this machine: the cache folder, and files inside installed packages."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path


def cache_dir() -> Path:
    """Where converted models and response caches live: $PAIRSMITH_CACHE or ~/.cache/pairsmith."""
    env = os.environ.get("PAIRSMITH_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "pairsmith"


def package_file(package: str, relative_path: str) -> Path | None:
    """A file or folder inside an installed package, or None when either is absent."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / relative_path
    return path if path.exists() else None
