"""Per-answer scores against the reference, and an error analysis of each answer."""

from __future__ import annotations

from typing import Any

from pairsmith.core.textmetrics import repetition, rouge_l_text

METRICS = ("exact_match", "rouge_l", "bleu", "embedding_similarity")


def exact_match(answer: str, reference: str) -> float:
    """The course's exact match: identical after stripping whitespace and case."""
    return float(answer.strip().lower() == reference.strip().lower())


def bleu(answer: str, reference: str) -> float:
    """Sentence BLEU (sacrebleu), 0-100."""
    import sacrebleu

    return float(sacrebleu.sentence_bleu(answer, [reference]).score)


def problems(answer: str, reference: str, finish_reason: str) -> list[str]:
    """What looks wrong with an answer: empty, repetition, far too long or short, cut off."""
    found = []
    words, ref_words = len(answer.split()), len(reference.split())
    if words == 0:
        return ["empty"]
    if repeats(answer):
        found.append("repetition")
    if words > 3 * max(ref_words, 1) and words > 40:
        found.append("far_too_long")
    if ref_words >= 8 and words < 0.25 * ref_words:
        found.append("far_too_short")
    if finish_reason == "length":
        found.append("hit_token_limit")
    return found


def repeats(answer: str, share: float = 0.3, min_words: int = 16) -> bool:
    """A looping answer: repeated lines, or repeated word 4-grams (moderation's rule, from 16 words)."""
    found = repetition(answer)
    return (found.lines >= 3 and found.line_share >= share) or (found.words >= min_words and found.ngram_share >= share)


def score_answers(answers: list[str], references: list[str]) -> dict[str, list[float]]:
    """Lexical scores per answer (embedding similarity is added by the evaluator)."""
    return {
        "exact_match": [exact_match(a, r) for a, r in zip(answers, references)],
        "rouge_l": [rouge_l_text(r, a) for a, r in zip(answers, references)],
        "bleu": [bleu(a, r) for a, r in zip(answers, references)],
    }


def embedding_similarity(embed: Any, answers: list[str], references: list[str]) -> list[float]:
    """Cosine similarity of each answer to its reference (normalised embeddings)."""
    if not answers:
        return []
    vectors = embed(answers + references)
    n = len(answers)
    return [float(vectors[i] @ vectors[n + i]) if answers[i].strip() else 0.0 for i in range(n)]
