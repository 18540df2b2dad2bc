"""Bootstrap confidence intervals for paired differences, and Elo ratings from match results."""

from __future__ import annotations

import numpy as np


def bootstrap_delta(base: list[float], tuned: list[float], resamples: int = 2000, seed: int = 0,
                    level: float = 0.95) -> tuple[float, float, float]:
    """Mean of tuned - base and its percentile bootstrap interval (examples resampled in pairs)."""
    deltas = np.asarray(tuned, dtype=np.float64) - np.asarray(base, dtype=np.float64)
    if len(deltas) == 0:
        return 0.0, 0.0, 0.0
    rng = np.random.default_rng(seed)
    means = deltas[rng.integers(0, len(deltas), size=(resamples, len(deltas)))].mean(axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(deltas.mean()), float(low), float(high)


def elo(matches: list[tuple[str, str, float]], k: float = 16.0, rounds: int = 50, seed: int = 0,
        start: float = 1000.0) -> dict[str, float]:
    """Elo ratings from (a, b, score of a: 1 win, 0.5 tie, 0 loss), averaged over shuffled orders
    so the result does not depend on the order the matches were played in."""
    players = sorted({m[0] for m in matches} | {m[1] for m in matches})
    totals = {p: 0.0 for p in players}
    rng = np.random.default_rng(seed)
    for _ in range(rounds):
        ratings = {p: start for p in players}
        for index in rng.permutation(len(matches)):
            a, b, score = matches[index]
            expected = 1 / (1 + 10 ** ((ratings[b] - ratings[a]) / 400))
            ratings[a] += k * (score - expected)
            ratings[b] -= k * (score - expected)
        for p in players:
            totals[p] += ratings[p]
    return {p: round(totals[p] / rounds, 1) for p in players}
