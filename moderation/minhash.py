"""Near duplicates with MinHash and locality-sensitive hashing (datasketch).

Texts are walked best first; each is compared (by exact Jaccard of its word shingles) only
with the kept texts the LSH index proposes, so the cost grows about linearly with the size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from datasketch import MinHash, MinHashLSH

from pairsmith.textmetrics import normalise


def shingles(text: str, size: int = 3) -> set[str]:
    """Word n-gram shingles of the normalised text (single words for very short texts)."""
    tokens = normalise(text).split()
    if len(tokens) < size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def sequential_minhash_filter(texts: list[str], threshold: float = 0.8, order: Sequence[int] | None = None,
                              num_perm: int = 128, shingle: int = 3, band: float = 0.0,
                              on_dup: Callable[[int, int, float], bool] | None = None,
                              ) -> tuple[dict[int, tuple[int, float]], dict[int, tuple[int, float]]]:
    """Walk texts in `order`; drop those whose Jaccard with a kept text reaches the threshold.

    Returns ({dropped: (kept, score)}, {review: (kept, score)}) where review holds texts whose
    best Jaccard lies in [threshold - band, threshold). `on_dup` may veto a drop.
    """
    order = list(order) if order is not None else list(range(len(texts)))
    lower = max(0.05, threshold - band)
    lsh = MinHashLSH(threshold=lower, num_perm=num_perm)
    sets = {i: shingles(texts[i], shingle) for i in order}
    signatures = MinHash.bulk([[s.encode("utf-8") for s in sets[i]] for i in order], num_perm=num_perm)
    dropped: dict[int, tuple[int, float]] = {}
    review: dict[int, tuple[int, float]] = {}
    for index, signature in zip(order, signatures):
        if not sets[index]:
            continue
        best, best_score = -1, 0.0
        for other in lsh.query(signature):
            score = jaccard(sets[index], sets[other])
            if score > best_score:
                best, best_score = other, score
        if best >= 0 and best_score >= threshold and (on_dup is None or on_dup(index, best, best_score)):
            dropped[index] = (best, best_score)
            continue
        if best >= 0 and lower <= best_score < threshold:
            review[index] = (best, best_score)
        lsh.insert(index, signature)
    return dropped, review
