"""pairsmith: from a folder of docs to a curated instruction dataset and a model trained on it.

    from pairsmith import generate, moderate, train, evaluate, run, Runner

The stage functions and the Runner load on first use, so `import pairsmith` stays light.
"""

from __future__ import annotations

from typing import Any

from pairsmith.core.errors import PairsmithError
from pairsmith.core.records import Pair

__all__ = ["Pair", "PairsmithError", "Runner", "__version__", "evaluate", "generate", "moderate", "run", "train"]
__version__ = "0.1.0"

_API = {"generate", "moderate", "train", "evaluate", "run"}


def __getattr__(name: str) -> Any:
    if name in _API:
        from pairsmith.app import api

        return getattr(api, name)
    if name == "Runner":
        from pairsmith.app.runner import Runner

        return Runner
    raise AttributeError(f"module 'pairsmith' has no attribute {name!r}")
