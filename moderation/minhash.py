"""Near duplicates with MinHash and locality-sensitive hashing (datasketch).

Texts are walked best first; each is compared (by exact Jaccard of its word shingles) only
with the kept texts the LSH index proposes, so the cost grows about linearly with the size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from datasketch import MinHash, MinHashLSH

from pairsmith.core.textmetrics import normalise


def shingles(text: str, size: int = 3) -> set[str]:
    """Word n-gram shingles of the normalised text (single words for very short texts)."""
    tokens = normalise(text).split()
    if len(tokens) < size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def signatures(texts: list[str], num_perm: int = 128, shingle: int = 3) -> tuple[list[set[str]], list[MinHash]]:
    """Each text's shingle set and MinHash signature (datasketch's default seed: the same on
    every machine, so band keys computed on different workers agree)."""
    sets = [shingles(t, shingle) for t in texts]
    return sets, MinHash.bulk([[s.encode("utf-8") for s in found] for found in sets], num_perm=num_perm)


def band_layout(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows per band) that datasketch's MinHashLSH picks for this threshold."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def band_keys(signature: MinHash, bands: int, rows: int) -> list[str]:
    """The LSH bucket of each band: two texts share a bucket when a band's hash values are equal."""
    values = signature.hashvalues
    return [f"{b}:{values[b * rows:(b + 1) * rows].tobytes().hex()}" for b in range(bands)]


def lower_threshold(threshold: float, band: float) -> float:
    return max(0.05, threshold - band)


def sequential_minhash_filter(texts: list[str], threshold: float = 0.8, order: Sequence[int] | None = None,
                              num_perm: int = 128, shingle: int = 3, band: float = 0.0,
                              on_dup: Callable[[int, int, float], bool] | None = None,
                              neighbours: list[set[int]] | None = None,
                              ) -> tuple[dict[int, tuple[int, float]], dict[int, tuple[int, float]]]:
    """Walk texts in `order`; drop those whose Jaccard with a kept text reaches the threshold.

    Returns ({dropped: (kept, score)}, {review: (kept, score)}) where review holds texts whose
    best Jaccard lies in [threshold - band, threshold). `on_dup` may veto a drop. `neighbours`
    (each text's band neighbours, computed elsewhere, e.g. on a cluster) replaces the LSH
    index; among the texts kept so far it proposes exactly what the index would.
    """
    order = list(order) if order is not None else list(range(len(texts)))
    lower = lower_threshold(threshold, band)
    lsh = MinHashLSH(threshold=lower, num_perm=num_perm) if neighbours is None else None
    sets = {i: shingles(texts[i], shingle) for i in order}
    found = (MinHash.bulk([[s.encode("utf-8") for s in sets[i]] for i in order], num_perm=num_perm)
             if lsh is not None else [None] * len(order))
    inserted: set[int] = set()
    dropped: dict[int, tuple[int, float]] = {}
    review: dict[int, tuple[int, float]] = {}
    for index, signature in zip(order, found):
        if not sets[index]:
            continue
        best, best_score = -1, 0.0
        proposed = sorted(lsh.query(signature)) if lsh is not None else sorted(neighbours[index] & inserted)
        for other in proposed:
            score = jaccard(sets[index], sets[other])
            if score > best_score:
                best, best_score = other, score
        if best >= 0 and best_score >= threshold and (on_dup is None or on_dup(index, best, best_score)):
            dropped[index] = (best, best_score)
            continue
        if best >= 0 and lower <= best_score < threshold:
            review[index] = (best, best_score)
        if lsh is not None:
            lsh.insert(index, signature)
        inserted.add(index)
    return dropped, review
