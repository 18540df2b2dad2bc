"""Does instruction-following difficulty tell the teacher's bad kept pairs from its good ones?

The opt-in `ifd` step scores a pair by how much its question helps a small causal LM predict its
answer: loss(answer | question) / loss(answer). Kept pairs that labellers call bad mostly do not
answer their question, which is what the ratio is meant to see. This scores the pairs pairsmith
kept in blind-labelled development runs with one or more models and prints, per score, how well it
ranks bad pairs above good ones (AUC; 0.5 is chance), over all bad pairs and over those failing
criterion 2 (the answer does not answer), with the seconds a pair. Scores:

  ifd       loss(answer | question) / loss(answer)
  loss      loss(answer | question)
  reverse   loss(question | answer) / loss(question): does the answer predict its question?

Only for development sets (bench/data/dev): a test set is not tuned on.

    python bench/ifd_on_labels.py bench/data/dev/requests bench/data/dev/requests-answer-first-order \
        --models smollm2-135m-instruct qwen2.5-coder-0.5b-instruct
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from judge_on_labels import kept_pairs_of  # noqa: E402
from labelled import auc  # noqa: E402

from pairsmith.core.models.answer_loss import AnswerScorer  # noqa: E402


def scores(model: str, pairs: list[dict]) -> tuple[dict[str, list[float]], float]:
    """Each score for every pair, and the seconds a pair all of them took (uncached)."""
    scorer = AnswerScorer(model, batch_size=8, cache=False)
    asked = [p["instruction"] + (f"\n\n{p['input']}" if p.get("input") else "") for p in pairs]
    started = time.perf_counter()
    with_question = scorer._losses(list(zip(asked, [p["output"] for p in pairs])))
    alone = scorer._losses([(None, p["output"]) for p in pairs])
    question_after = scorer._losses([(f"Answer: {p['output']}\nWhat question does this answer?", q)
                                     for p, q in zip(pairs, asked)])
    question_alone = scorer._losses([(None, q) for q in asked])
    seconds = (time.perf_counter() - started) / max(len(pairs), 1)
    scorer.close()
    return {"ifd": [w / a if a else 1.0 for w, a in zip(with_question, alone)],
            "loss": with_question,
            "reverse": [w / a if a else 1.0 for w, a in zip(question_after, question_alone)]}, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--models", nargs="+", default=["smollm2-135m-instruct"])
    args = parser.parse_args()
    pairs = kept_pairs_of(args.folders)
    bad = [not p["good"] for p in pairs]
    unanswered = [not p["good"] and 2 in p["fails"] for p in pairs]
    print(f"{len(pairs)} kept pairs: {sum(bad)} bad, {sum(unanswered)} of them not answering their question")
    for model in args.models:
        found, seconds = scores(model, pairs)
        for name, values in found.items():
            either = [v for v, b, u in zip(values, bad, unanswered) if u or not b]
            print(f"{model:30s} {name:8s} AUC all bad {auc(values, bad):.2f}, "
                  f"unanswered {auc(either, [u for u, b in zip(unanswered, bad) if u or not b]):.2f}")
        print(f"{model:30s} {seconds:.2f} s a pair for the four losses")


if __name__ == "__main__":
    main()
