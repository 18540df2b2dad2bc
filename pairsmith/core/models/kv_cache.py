"""One SQLite key-value store for everything pairsmith caches: finished generation units
(JSON) and embedding vectors (bytes).

WAL journal: several processes may read and write one file at once, and a killed process
leaves it whole. `synchronous=NORMAL` skips an fsync per write; the WAL survives in the OS cache.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any


class KVCache:
    """Keys to values in one table of a SQLite file; with no path, a cache that keeps nothing."""

    def __init__(self, path: str | Path | None, table: str = "kv") -> None:
        if not table.isidentifier():
            raise ValueError(f"table name {table!r} is not an identifier")
        self.path = Path(path) if path else None
        self.table = table
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()  # one connection, usable from the thread a running event loop hands work to
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, value BLOB NOT NULL)")

    def get_many(self, keys: list[str]) -> dict[str, bytes]:
        """The stored values of those keys that have one."""
        found: dict[str, bytes] = {}
        if self._db is None:
            return found
        with self._lock:
            for start in range(0, len(keys), 500):  # SQLite's limit on bound parameters
                part = keys[start : start + 500]
                rows = self._db.execute(f"SELECT key, value FROM {self.table} WHERE key IN "
                                        f"({','.join('?' * len(part))})", part).fetchall()
                found.update((key, bytes(value) if not isinstance(value, str) else value.encode()) for key, value in rows)
        return found

    def put_many(self, items: Iterable[tuple[str, bytes]]) -> None:
        if self._db is not None:
            rows = list(items)
            with self._lock:
                self._db.executemany(f"INSERT OR REPLACE INTO {self.table} (key, value) VALUES (?, ?)", rows)

    def get_json(self, key: str) -> Any | None:
        value = self.get_many([key]).get(key)
        return None if value is None else json.loads(value)

    def put_json(self, key: str, value: Any) -> None:
        self.put_many([(key, json.dumps(value, ensure_ascii=False).encode("utf-8"))])

    def close(self) -> None:
        if self._db is not None:
            with self._lock:
                self._db.close()
                self._db = None
