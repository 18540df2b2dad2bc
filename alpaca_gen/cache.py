"""The resume cache: finished generation units keyed by (chunk hash, template, server, model, params).

A unit's result (its pairs, rejects and token usage) is stored once its model calls are done,
in SQLite, so a crashed or extended run repeats only what is missing, and re-running the same
command makes no model call at all. SQLite's journal keeps the file whole through SIGKILL.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pairsmith.core.models.kv_cache import KVCache


def unit_key(**parts: Any) -> str:
    """A stable key for a unit of work from everything that changes its result."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResultCache(KVCache):
    """Finished units by key, as JSON, in the core's SQLite store (or nothing, when disabled)."""

    def __init__(self, path: str | Path | None) -> None:
        super().__init__(path, table="units")

    def get(self, key: str) -> dict[str, Any] | None:
        return self.get_json(key)

    def put(self, key: str, value: dict[str, Any]) -> None:
        self.put_json(key, value)
