"""ROUGE-L as rouge-score computes it, and Alpaca's "drop if ROUGE-L > 0.7 with a kept one"
filter at a fraction of its cost.

ROUGE-L F between token lists a and b is 2·LCS/(|a|+|b|). The LCS is at most the tokens the
two share (counted with multiplicity), so pairs whose shared-token bound cannot reach the
threshold are skipped without computing an LCS; the bound comes from sparse matrix products
over row blocks, so memory stays linear in the number of texts. Results equal Alpaca's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy import sparse

from moderation.text import rouge_tokens


def lcs_length(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the longest common subsequence (dynamic programming, one row of memory)."""
    if len(a) < len(b):
        a, b = b, a
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def rouge_l(a: Sequence, b: Sequence) -> float:
    """ROUGE-L F-measure of two token sequences (0 when either is empty)."""
    if not a or not b:
        return 0.0
    lcs = lcs_length(a, b)
    if lcs == 0:
        return 0.0
    # rouge-score's arithmetic exactly (not the equal 2·lcs/(|a|+|b|)): at a threshold such as
    # 0.7 the last bit decides whether "> 0.7" holds, and parity with Alpaca needs the same bit.
    precision, recall = lcs / len(b), lcs / len(a)
    return 2 * precision * recall / (precision + recall)


def rouge_l_text(a: str, b: str) -> float:
    return rouge_l(rouge_tokens(a), rouge_tokens(b))


def _encode(tokenised: list[list[str]]) -> tuple[list[list[int]], sparse.csr_matrix]:
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in tokens] for tokens in tokenised]
    rows, cols, vals = [], [], []
    for row, seq in enumerate(ids):
        uniq, counts = np.unique(np.asarray(seq, dtype=np.int64), return_counts=True) if seq else ([], [])
        rows += [row] * len(uniq)
        cols += list(uniq)
        vals += list(counts)
    tf = sparse.csr_matrix((np.asarray(vals, dtype=np.float32), (rows, cols)), shape=(len(ids), max(1, len(vocab))))
    return ids, tf


def rouge_candidates(texts: list[str], threshold: float, block: int = 1024) -> list[list[int]]:
    """For each text i, the earlier texts j < i whose shared-token bound allows ROUGE-L > threshold."""
    ids, tf = _encode([rouge_tokens(t) for t in texts])
    binary = tf.copy()
    binary.data[:] = 1.0
    lengths = np.asarray([len(s) for s in ids], dtype=np.float32)
    candidates: list[list[int]] = [[] for _ in texts]
    for start in range(0, len(texts), block):
        stop = min(start + block, len(texts))
        # bound[i, j] = min(sum of tf_i over shared tokens, sum of tf_j over shared tokens) >= LCS
        left = (tf[start:stop] @ binary.T).toarray()
        right = (binary[start:stop] @ tf.T).toarray()
        bound = np.minimum(left, right)
        need = threshold * (lengths[start:stop, None] + lengths[None, :]) / 2.0
        rows, cols = np.nonzero((bound > need - 1e-6) & (bound > 0))
        for r, c in zip(rows.tolist(), cols.tolist()):
            i = start + r
            if c < i:
                candidates[i].append(c)
    return candidates


def sequential_rouge_filter(texts: list[str], threshold: float = 0.7,
                            order: Sequence[int] | None = None,
                            on_dup: Callable[[int, int, float], bool] | None = None) -> dict[int, tuple[int, float]]:
    """Alpaca's filter: walk texts in `order`; one whose ROUGE-L with a kept text exceeds the
    threshold is a duplicate of the best such kept text. Returns {dropped: (kept, score)}.

    `on_dup(i, j, score)` may veto a drop (return False): the text is then kept as well.
    """
    order = list(order) if order is not None else list(range(len(texts)))
    ordered = [texts[i] for i in order]
    candidates = rouge_candidates(ordered, threshold)
    tokens = [rouge_tokens(t) for t in ordered]
    kept: set[int] = set()
    dropped: dict[int, tuple[int, float]] = {}
    for position in range(len(ordered)):
        best, best_score = -1, threshold
        for other in candidates[position]:
            if other in kept:
                score = rouge_l(tokens[position], tokens[other])
                if score > best_score:
                    best, best_score = other, score
        if best >= 0 and (on_dup is None or on_dup(order[position], order[best], best_score)):
            dropped[order[position]] = (order[best], best_score)
        else:
            kept.add(position)
    return dropped
