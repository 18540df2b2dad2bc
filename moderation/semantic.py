"""Semantic duplicates: cosine similarity of sentence embeddings, blockwise or with an ANN index.

Exact search multiplies one block of rows by all vectors at a time, so memory is
O(block x n), never n x n. From `ann_min_pairs` on, a faiss HNSW index proposes the nearest
neighbours instead. Both return, per item, its neighbours above a cutoff and its nearest
neighbour's similarity (for the report's histogram).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from pairsmith.core.errors import MissingDependencyError


def neighbour_block(start: int, stop: int, vectors: np.ndarray, cutoff: float) -> tuple[list[list[tuple[int, float]]], np.ndarray]:
    """Rows start..stop of an exact search: their neighbours with cosine >= cutoff, and their best cosine."""
    n = len(vectors)
    sims = vectors[start:stop] @ vectors.T  # (block, n)
    sims[np.arange(stop - start), np.arange(start, stop)] = -1.0  # not oneself
    nearest = sims.max(axis=1) if n > 1 else np.full(stop - start, -1.0, dtype=np.float32)
    found: list[list[tuple[int, float]]] = [[] for _ in range(stop - start)]
    rows, cols = np.nonzero(sims >= cutoff)
    for r, c in zip(rows.tolist(), cols.tolist()):
        found[r].append((c, float(sims[r, c])))
    return found, nearest.astype(np.float32)


def neighbours_exact(vectors: np.ndarray, cutoff: float, block: int = 2048,
                     blockwise: Callable[..., list[Any]] | None = None) -> tuple[list[list[tuple[int, float]]], np.ndarray]:
    """Neighbours with cosine >= cutoff for each row, and each row's best cosine to another row.
    `blockwise` (an engine's) runs the row blocks, possibly elsewhere; here by default."""
    n = len(vectors)
    if blockwise is None:
        parts = [neighbour_block(start, min(n, start + block), vectors, cutoff) for start in range(0, n, block)]
    else:
        parts = blockwise(neighbour_block, n, block, vectors, cutoff)
    found = [row for rows, _ in parts for row in rows]
    nearest = np.concatenate([near for _, near in parts]) if parts else np.zeros(0, dtype=np.float32)
    return found, nearest


def neighbours_ann(vectors: np.ndarray, cutoff: float, k: int = 16) -> tuple[list[list[tuple[int, float]]], np.ndarray]:
    """Like neighbours_exact, from the k nearest neighbours of a faiss HNSW index."""
    try:
        import faiss
    except ImportError:
        raise MissingDependencyError("faiss-cpu", "semantic dedupe of this many pairs (ANN index)") from None
    index = faiss.IndexHNSWFlat(vectors.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efSearch = max(64, 2 * k)
    index.add(vectors)
    sims, ids = index.search(vectors, k + 1)
    found: list[list[tuple[int, float]]] = [[] for _ in range(len(vectors))]
    nearest = np.full(len(vectors), -1.0, dtype=np.float32)
    for row in range(len(vectors)):
        for sim, other in zip(sims[row].tolist(), ids[row].tolist()):
            if other < 0 or other == row:
                continue
            nearest[row] = max(nearest[row], sim)
            if sim >= cutoff:
                found[row].append((other, float(sim)))
    return found, nearest


def sequential_semantic_filter(neighbours: list[list[tuple[int, float]]], threshold: float, band: float,
                               order: Sequence[int],
                               on_dup: Callable[[int, int, float], bool] | None = None,
                               ) -> tuple[dict[int, tuple[int, float]], dict[int, tuple[int, float]]]:
    """Walk items best first: a duplicate (cosine >= threshold) of a kept item is dropped, one
    within `band` below the threshold goes to review. Returns (dropped, review)."""
    kept: set[int] = set()
    dropped: dict[int, tuple[int, float]] = {}
    review: dict[int, tuple[int, float]] = {}
    for index in order:
        best, best_score = -1, -1.0
        for other, score in neighbours[index]:
            if other in kept and score > best_score:
                best, best_score = other, score
        if best >= 0 and best_score >= threshold and (on_dup is None or on_dup(index, best, best_score)):
            dropped[index] = (best, best_score)
            continue
        if best >= 0 and threshold - band <= best_score < threshold:
            review[index] = (best, best_score)
        kept.add(index)
    return dropped, review
