"""The resume cache: finished generation units keyed by (chunk hash, template, server, model, params).

A unit's result (its pairs, rejects and token usage) is stored once its model calls are done,
in SQLite, so a crashed or extended run repeats only what is missing, and re-running the same
command makes no model call at all. SQLite's journal keeps the file whole through SIGKILL.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any


def unit_key(**parts: Any) -> str:
    """A stable key for a unit of work from everything that changes its result."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResultCache:
    """A small key -> JSON store backed by SQLite (or nothing, when disabled)."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path) if path else None
        self._db: sqlite3.Connection | None = None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            # Survives a killed process (the WAL is in the OS cache); skips an fsync per unit.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS units (key TEXT PRIMARY KEY, value TEXT NOT NULL)")

    def get(self, key: str) -> dict[str, Any] | None:
        if self._db is None:
            return None
        row = self._db.execute("SELECT value FROM units WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        if self._db is not None:
            self._db.execute("INSERT OR REPLACE INTO units (key, value) VALUES (?, ?)",
                             (key, json.dumps(value, ensure_ascii=False)))

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
