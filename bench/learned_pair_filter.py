"""Can a classifier learned from the blind labels tell the bad pairs moderation keeps from the good?

Moderates every labelled run in bench/data that kept its `pairs.jsonl` (but the held-out newest test
set) again with the current code, takes the pairs it keeps, and describes each by what moderation measured (relevance, grounding,
facts, names) and by its text (lengths, overlaps of question, answer, evidence and section, the
question's first word). A logistic regression is scored leaving one project out at a time (the
Requests dev runs are one project), so each project is judged by a model that never saw it.

    python bench/learned_pair_filter.py [--c 0.3]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from labelled import auc, dev_runs  # noqa: E402

from pairsmith import moderate  # noqa: E402
from pairsmith.core.textmetrics import rouge_tokens  # noqa: E402

STOP = set("the a an of to in is are be and or for on with by it this that as at from can you your do does "
           "what how which why when".split())
FIRST_WORDS = ("what", "how", "why", "can", "is", "which", "when", "does", "explain", "describe")


def kept_labelled(scratch: Path) -> list[dict]:
    """The pairs moderation keeps now, from every labelled run with a pairs file, with label and project."""
    rows = []
    for run in dev_runs():
        pairs_file, folder = run.pairs_file, run.folder
        curated = moderate(pairs_file, out=scratch / f"{folder.parent.name}-{folder.name}" / "curated.jsonl")
        for pair in curated.kept:
            chunk = (pair.source or {}).get("chunk")
            label = run.label(chunk, pair.instruction, pair.output)
            if label is not None:
                project = "requests" if folder.parent.name == "dev" else folder.name
                rows.append({"pair": pair, "section": run.sections.get(chunk or "", ""), "good": bool(label["good"]),
                             "fails": label.get("fails") or [], "project": project})
        print(f"{folder.parent.name}/{folder.name}: {len(curated.kept)} kept", flush=True)
    return rows


def words(text: str) -> list[str]:
    return [w for w in rouge_tokens(text) if w not in STOP]


def share(a: list[str], b: list[str]) -> float:
    """The share of a's words that b holds."""
    return sum(w in set(b) for w in a) / max(len(a), 1)


def features(row: dict) -> dict[str, float]:
    pair = row["pair"]
    checks = (pair.moderation or {}).get("checks") or {}
    relevance = checks.get("relevance") or {}
    q, a, s = words(pair.instruction + " " + pair.input), words(pair.output), words(row["section"])
    e = words((pair.generator or {}).get("evidence") or "")
    first = (pair.instruction.split() or [""])[0].lower()
    return {
        "relevance": relevance.get("score") or 0.0,
        "relevance_margin": relevance.get("margin") if relevance.get("margin") is not None else -0.3,
        "grounding": (checks.get("grounding") or {}).get("score", 0.5),
        "facts": min((checks.get("supported") or {}).get("facts", 0), 5),
        "names": len((checks.get("question_form") or {}).get("names", [])),
        "question_words": math.log1p(len(q)), "answer_words": math.log1p(len(a)),
        "section_words": math.log1p(len(s)), "evidence_words": math.log1p(len(e)),
        "answer_in_question": share(a, q), "question_in_answer": share(q, a),
        "answer_in_section": share(a, s), "question_in_section": share(q, s), "evidence_in_answer": share(e, a),
        "has_input": float(bool(pair.input)), "code_in_answer": float("`" in pair.output),
        **{f"starts_{w}": float(first == w) for w in FIRST_WORDS},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--c", type=float, default=0.3, help="inverse regularisation strength")
    args = parser.parse_args()
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    with tempfile.TemporaryDirectory() as scratch:
        rows = kept_labelled(Path(scratch))
    table = [features(r) for r in rows]
    names = list(table[0])
    X = np.array([[t[n] for n in names] for t in table])
    bad = np.array([not r["good"] for r in rows])
    projects = sorted({r["project"] for r in rows})
    print(f"\n{len(rows)} kept pairs, {bad.sum()} labelled bad, {len(projects)} projects")
    print("\nfeature | AUC (bad above good; 0.5 is chance)")
    for i, name in enumerate(names):
        print(f"{name} | {auc(list(X[:, i]), list(bad)):.2f}")
    scores = np.zeros(len(rows))
    for project in projects:
        held = np.array([r["project"] == project for r in rows])
        model = make_pipeline(StandardScaler(), LogisticRegression(C=args.c, max_iter=2000))
        model.fit(X[~held], bad[~held])
        scores[held] = model.predict_proba(X[held])[:, 1]
    unanswered = [not b or 2 in r["fails"] for b, r in zip(bad, rows)]
    print(f"\nleave-one-project-out AUC: all bad {auc(list(scores), list(bad)):.2f}, unanswered "
          f"{auc([s for s, u in zip(scores, unanswered) if u], [b for b, u in zip(bad, unanswered) if u]):.2f}")
    for cut in (0.3, 0.4, 0.5):
        drop = scores > cut
        kept_good = int((~drop & ~bad).sum())
        print(f"drop above {cut}: {int((drop & bad).sum())} bad and {int((drop & ~bad).sum())} good dropped; "
              f"kept good {kept_good}/{int((~drop).sum())} = {kept_good / max(int((~drop).sum()), 1):.0%} "
              f"(moderation alone: {int((~bad).sum())}/{len(rows)} = {(~bad).mean():.0%})")


if __name__ == "__main__":
    main()
