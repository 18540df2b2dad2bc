"""Can the teacher judge its own pairs? Measured on blind-labelled development pairs.

The kept pairs that labellers call bad are mostly answers that do not answer their question (a
copied sentence that leaves it open). A second pass of the same teacher over each kept pair would
catch them if the teacher could tell. Two ways of asking are measured, on the pairs pairsmith kept:

  verdict  the pair beside its section, a JSON verdict by grammar (answers / supported / clear, with
           a reason first): a pair is flagged when any is false;
  p_yes    question and answer only, "does this answer give the information the question asks
           for? yes or no", one token: P(yes) / (P(yes) + P(no)) from the token's log-probabilities,
           ranked against the labels (AUC) and cut at a few thresholds.

  extract  round trip (Alberti et al. 2019): the teacher copies the section's sentences that answer
           the question, or NONE; the pair's answer should say what they say. Scored by the F1 of
           their content words (NONE scores 0) and ranked against the labels (AUC).

It prints how many bad pairs each flags and how many good ones it loses, and the seconds a pair.
Only for development sets (bench/data/dev): a test set is not tuned on.

    python bench/judge_on_labels.py bench/data/dev/requests [--methods verdict p_yes extract] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from labelled import auc, blind_dir, labelled_key, read_jsonl  # noqa: E402
from plain_vs_sections import engine  # noqa: E402

from pairsmith.core.backends.llamacpp import DEFAULT_PARALLEL  # noqa: E402
from pairsmith.core.models import DEFAULT_TEACHER  # noqa: E402
from pairsmith.core.readable import readable  # noqa: E402
from pairsmith.core.words import load_words  # noqa: E402

CHECKS = ("answers", "supported", "clear")
VERDICT_PROMPT = """Check a question-answer pair that will teach users of the software documented below:
- "answers": the answer directly answers the question that was asked (not a neighbouring question,
  and not a fragment that leaves it open);
- "supported": every claim of the answer is stated by the documentation, about the same thing the
  question asks about (no value, name or behaviour moved from something else, and nothing added);
- "clear": the question is one sentence a user might ask, naming what it is about, understood
  without the documentation.
Reply with a JSON object:
{{"reason": "one short sentence", "answers": true or false, "supported": true or false, "clear": true or false}}

Documentation section:
<documentation>
{section}
</documentation>

Question: {question}
Answer: {answer}"""
VERDICT_SCHEMA = {"type": "object", "properties": {"reason": {"type": "string"}, **{c: {"type": "boolean"} for c in CHECKS}},
                  "required": ["reason", *CHECKS]}
EXTRACT_PROMPT = """Documentation section:
<section>
{section}
</section>

Question: {question}

Copy, word for word, the sentence or sentences of the section that answer this question, and nothing
else. If the section does not answer it, reply NONE."""
YES_NO_PROMPT = ("Question: {question}\nAnswer: {answer}\n\nDoes this answer give the information the question "
                 "asks for? Answer yes or no.")


def kept_pairs(folder: Path) -> list[dict]:
    """The labelled pairs pairsmith kept, with their sections."""
    key = {k["pid"]: k for k in labelled_key(folder)}
    out = []
    for item in read_jsonl(blind_dir(folder) / "items.jsonl"):
        for pair in item["pairs"]:
            k = key[pair["pid"]]
            if k["arm"] == "pairsmith" and k["decision"] == "kept":
                out.append({**pair, "section": readable(item["section"]), "good": k["good"], "fails": k["fails"]})
    return out


def kept_pairs_of(folders: list[Path]) -> list[dict]:
    """The kept pairs of several labelled runs; a pair labelled in two runs counts once."""
    pairs, seen = [], set()
    for pair in (p for folder in folders for p in kept_pairs(folder)):
        if (pair["instruction"], pair["output"]) not in seen:
            seen.add((pair["instruction"], pair["output"]))
            pairs.append(pair)
    return pairs


def verdict(server, pair: dict) -> list[str]:
    """The checks the teacher says the pair fails (an unreadable reply fails none)."""
    body = {"messages": [{"role": "user", "content": VERDICT_PROMPT.format(
                section=pair["section"], question=pair["instruction"], answer=pair["output"])}],
            "max_tokens": 160, "temperature": 0.0,
            "response_format": {"type": "json_schema", "json_schema": {"name": "verdict", "schema": VERDICT_SCHEMA}}}
    try:
        found = json.loads(server.handle_chat_completions(body)["choices"][0]["message"]["content"])
    except (KeyError, TypeError, ValueError):
        return []
    return [c for c in CHECKS if found.get(c) is False]


def p_yes(server, pair: dict) -> float:
    """P(yes) / (P(yes) + P(no)) for the first token of the teacher's reply."""
    body = {"messages": [{"role": "user", "content": YES_NO_PROMPT.format(question=pair["instruction"],
                                                                       answer=pair["output"])}],
            "max_tokens": 1, "temperature": 0.0, "logprobs": True, "top_logprobs": 10}
    top = server.handle_chat_completions(body)["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
    mass: dict[str, float] = {}
    for entry in top:
        word = entry["token"].strip().lower()
        mass[word] = mass.get(word, 0.0) + math.exp(entry["logprob"])
    yes, no = mass.get("yes", 0.0), mass.get("no", 0.0)
    return yes / (yes + no) if yes + no > 0 else 0.5


def extract(server, pair: dict) -> float:
    """F1 of content words between the sentences the teacher copies as the answer and the pair's answer."""
    body = {"messages": [{"role": "user", "content": EXTRACT_PROMPT.format(
                section=pair["section"], question=pair["instruction"])}],
            "max_tokens": 160, "temperature": 0.0, "seed": 0}
    reply = server.handle_chat_completions(body)
    copied = ((reply.get("choices") or [{}])[0].get("message") or {}).get("content") or ""
    stop = load_words("en")["stop"]
    words = lambda text: {w for w in re.findall(r"[a-z0-9_]+", text.lower()) if w not in stop}  # noqa: E731
    theirs, ours = words(copied), words(pair["output"])
    if copied.strip().upper().startswith("NONE") or not theirs or not ours:
        return 0.0
    both = len(theirs & ours)
    return 2 * both / (len(theirs) + len(ours))


def timed(server, method, pairs: list[dict], parallel: int) -> tuple[list, float]:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        results = list(pool.map(lambda p: method(server, p), pairs))
    return results, (time.perf_counter() - started) / max(len(pairs), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="+")
    parser.add_argument("--methods", nargs="+", default=["verdict", "p_yes"], choices=["verdict", "p_yes", "extract"])
    parser.add_argument("--model", default=DEFAULT_TEACHER)
    parser.add_argument("--parallel", type=int, default=DEFAULT_PARALLEL)
    parser.add_argument("--limit", type=int, default=None, help="only the first N kept pairs")
    args = parser.parse_args()
    pairs = kept_pairs_of([Path(f) for f in args.folders])[: args.limit]
    good, bad = [p for p in pairs if p["good"]], [p for p in pairs if not p["good"]]
    print(f"{len(pairs)} kept pairs: {len(good)} good, {len(bad)} bad (blind labels)")
    server = engine(args.model, args.parallel)
    if "verdict" in args.methods:
        flags, seconds = timed(server, verdict, pairs, args.parallel)
        caught = sum(1 for p, f in zip(pairs, flags) if f and not p["good"])
        lost = sum(1 for p, f in zip(pairs, flags) if f and p["good"])
        print(f"verdict: bad flagged {caught}/{len(bad)}, good flagged {lost}/{len(good)}, {seconds:.1f} s a pair")
    for method in (m for m in ("p_yes", "extract") if m in args.methods):
        scores, seconds = timed(server, p_yes if method == "p_yes" else extract, pairs, args.parallel)
        g = [s for p, s in zip(pairs, scores) if p["good"]]
        b = [s for p, s in zip(pairs, scores) if not p["good"]]
        low = [-s for s in scores]  # a low score is the teacher's doubt
        print(f"{method}: AUC {auc(low, [not p['good'] for p in pairs]):.2f} (0.5 is chance), {seconds:.1f} s a pair")
        either = [(s, not p["good"]) for s, p in zip(low, pairs) if p["good"] or 2 in p["fails"]]
        print(f"  against the {sum(u for _, u in either)} bad pairs that do not answer their question: "
              f"AUC {auc([s for s, _ in either], [u for _, u in either]):.2f}")
        for cut in ((0.75, 0.8, 0.85, 0.9) if method == "p_yes" else (0.2, 0.3, 0.4, 0.5)):
            print(f"  below {cut}: bad flagged {sum(s < cut for s in b)}/{len(b)}, good flagged {sum(s < cut for s in g)}/{len(g)}")


if __name__ == "__main__":
    main()
