"""Dedupe: ROUGE-L parity with rouge-score, Alpaca's filter, MinHash, semantic search, and the
choice of which member of a duplicate group is kept."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rouge_score import rouge_scorer

from moderation.minhash import sequential_minhash_filter
from moderation.rouge import sequential_rouge_filter
from pairsmith.core.textmetrics import rouge_l_text
from moderation.semantic import neighbours_ann, neighbours_exact, sequential_semantic_filter
from tests.conftest import lamini_rows

def lamini_questions() -> list[str]:
    return [row["question"] for row in lamini_rows()]


def planted(n_base: int = 150, seed: int = 1) -> list[str]:
    """Lamini questions plus near-duplicates made by small edits (word drops, swaps, additions)."""
    rng = random.Random(seed)
    base = lamini_questions()[:n_base]
    texts = list(base)
    for text in rng.sample(base, n_base // 3):
        words = text.split()
        edit = rng.choice(["drop", "swap", "add"])
        if edit == "drop" and len(words) > 4:
            del words[rng.randrange(len(words))]
        elif edit == "swap" and len(words) > 3:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
        else:
            words.insert(rng.randrange(len(words)), "really")
        texts.append(" ".join(words))
    rng.shuffle(texts)
    return texts


def alpaca_reference(texts: list[str], threshold: float = 0.7) -> dict[int, float]:
    """Alpaca's filter as Alpaca writes it: each text scored with rouge_score against all kept."""
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    kept: list[int] = []
    dropped: dict[int, float] = {}
    for i, text in enumerate(texts):
        scores = [scorer.score(texts[j], text)["rougeL"].fmeasure for j in kept]
        if scores and max(scores) > threshold:
            dropped[i] = max(scores)
        else:
            kept.append(i)
    return dropped


def test_rouge_l_matches_rouge_score() -> None:
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    questions = lamini_questions()
    for a in questions[:40]:
        for b in questions[40:60]:
            assert rouge_l_text(a, b) == pytest.approx(scorer.score(a, b)["rougeL"].fmeasure, abs=1e-12)


def test_alpaca_filter_parity_on_planted_duplicates() -> None:
    texts = planted()
    reference = alpaca_reference(texts)
    ours = sequential_rouge_filter(texts, 0.7)
    assert set(ours) == set(reference)
    assert len(ours) >= 40  # the planted edits are found
    for i, (kept, score) in ours.items():
        assert score == pytest.approx(reference[i]) and kept not in ours


def test_minhash_finds_the_planted_duplicates() -> None:
    texts = planted()
    alpaca = set(alpaca_reference(texts))
    dropped, _ = sequential_minhash_filter(texts, threshold=0.7, shingle=1)  # the defaults
    assert len(set(dropped) & alpaca) >= 0.8 * len(alpaca)
    assert len(set(dropped) - alpaca) <= 0.05 * len(alpaca)


def test_minhash_review_band() -> None:
    texts = ["how do i install the package on linux today", "how do i install the package on windows today"]
    dropped, review = sequential_minhash_filter(texts, threshold=0.9, band=0.6, shingle=2)
    assert not dropped and review == {1: (0, pytest.approx(review[1][1]))} and review[1][1] < 0.9


def brute_force(vectors: np.ndarray, threshold: float, order: list[int]) -> dict[int, tuple[int, float]]:
    kept: list[int] = []
    dropped = {}
    for i in order:
        sims = [(float(vectors[i] @ vectors[j]), j) for j in kept]
        best = max(sims) if sims else (-1.0, -1)
        if best[0] >= threshold:
            dropped[i] = (best[1], best[0])
        else:
            kept.append(i)
    return dropped


def test_blockwise_search_equals_brute_force() -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(size=(60, 16)).astype(np.float32)
    noisy = base[:20] + 0.05 * rng.normal(size=(20, 16)).astype(np.float32)
    vectors = np.concatenate([base, noisy])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    order = list(rng.permutation(len(vectors)))
    neighbours, nearest = neighbours_exact(vectors, 0.9, block=7)  # blocks smaller than n
    dropped, _ = sequential_semantic_filter(neighbours, 0.95, 0.05, order)
    reference = brute_force(vectors, 0.95, order)
    assert set(dropped) == set(reference) and len(dropped) >= 15
    full = vectors @ vectors.T
    np.fill_diagonal(full, -1)
    assert np.allclose(nearest, full.max(axis=1), atol=1e-5)


def test_ann_index_agrees_with_exact_search() -> None:
    rng = np.random.default_rng(1)
    base = rng.normal(size=(200, 32)).astype(np.float32)
    vectors = np.concatenate([base, base[:50] + 0.02 * rng.normal(size=(50, 32)).astype(np.float32)])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    exact, _ = neighbours_exact(vectors, 0.95)
    ann, _ = neighbours_ann(vectors, 0.95, k=8)
    assert [sorted(o for o, _ in row) for row in exact] == [sorted(o for o, _ in row) for row in ann]
