"""The sentence embedder, loaded on the first call."""

from __future__ import annotations


class LazyEmbedder:
    """The sentence embedder, loaded on the first call (a fully cached run loads nothing)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._embedder = None

    def __call__(self, texts: list[str]):
        if self._embedder is None:
            from pairsmith.core.models.embedder import Embedder

            self._embedder = Embedder(self.name)
        return self._embedder.embed(texts)

    def close(self) -> None:
        if self._embedder is not None:
            self._embedder.close()
