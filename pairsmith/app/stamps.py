"""What each stage of a run was last done with: a hash of its inputs and settings per stage, in
OUT/.stages.json, so a re-run redoes the first stage whose inputs or settings changed and every
stage after it, and nothing before."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pairsmith.core.io import atomic_write

STAMPS = ".stages.json"


def file_hash(path: str | Path) -> str | None:
    """SHA-256 of a file's bytes (None when it does not exist)."""
    path = Path(path)
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Stamps:
    """Per stage: the key of its last finished run, and of the one last started."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.data: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.data = {}

    @staticmethod
    def key(stage: str, *parts: Any) -> str:
        blob = json.dumps([stage, *parts], sort_keys=True, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]

    def done(self, stage: str, key: str) -> bool:
        return self.data.get(stage, {}).get("done") == key

    def started(self, stage: str) -> str | None:
        return self.data.get(stage, {}).get("started")

    def start(self, stage: str, key: str) -> None:
        self.data.setdefault(stage, {})["started"] = key
        self._save()

    def mark(self, stage: str, key: str) -> None:
        self.data.setdefault(stage, {}).update(done=key, started=key)
        self._save()

    def forget(self, *stages: str) -> None:
        """Stages whose inputs are about to change: done no longer (a started key stays, for resuming)."""
        for stage in list(self.data):
            if any(stage == s or stage.startswith(s + "-") for s in stages):
                self.data[stage].pop("done", None)
        self._save()

    def _save(self) -> None:
        with atomic_write(self.path) as fh:
            json.dump(self.data, fh, indent=1)
