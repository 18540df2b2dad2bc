"""Semantic duplicates: cosine similarity of sentence embeddings, blockwise or with an ANN index.

Exact search multiplies one block of rows by all vectors at a time, so memory is
O(block x n), never n x n. From `ann_min_pairs` on, a faiss HNSW index proposes the nearest
neighbours instead. Both return, per item, its neighbours above a cutoff and its nearest
neighbour's similarity (for the report's histogram).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from pairsmith.errors import MissingDependencyError


def neighbours_exact(vectors: np.ndarray, cutoff: float, block: int = 2048) -> tuple[list[list[tuple[int, float]]], np.ndarray]:
    """Neighbours with cosine >= cutoff for each row, and each row's best cosine to another row."""
    n = len(vectors)
    found: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    nearest = np.full(n, -1.0, dtype=np.float32)
    for start in range(0, n, block):
        stop = min(start + block, n)
        sims = vectors[start:stop] @ vectors.T  # (block, n)
        sims[np.arange(stop - start), np.arange(start, stop)] = -1.0  # not oneself
        nearest[start:stop] = sims.max(axis=1) if n > 1 else -1.0
        rows, cols = np.nonzero(sims >= cutoff)
        for r, c in zip(rows.tolist(), cols.tolist()):
            found[start + r].append((c, float(sims[r, c])))
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
