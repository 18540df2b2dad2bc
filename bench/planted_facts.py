"""Does moderation's `supported` step catch invented facts? A planted set, side by side.

Genuine: pairs the teacher (Qwen2.5-Coder-1.5B) wrote from the dev docs (bench/data/planted_genuine.jsonl,
each with its chunk). Changed: the same answers with one fact changed, deterministically: a number
changed, a code name swapped for one of another chunk, a negation added or removed, or one word of an
opposing pair flipped. Reports the share of changed answers flagged (target >= 90%) and of genuine
answers flagged (target <= 10%; genuine answers are not hand-checked, so some of these flags are
right), and the same for the embedding grounding score the default moderation had before
(`grounding`, below its review threshold), as the baseline.

    python bench/planted_facts.py
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moderation.steps.supported import flipped, unsupported_facts  # noqa: E402
from pairsmith.core.words import load_words  # noqa: E402

DATA = Path(__file__).parent / "data" / "planted_genuine.jsonl"
CODE = re.compile(r"`([^`\n]+)`")
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w])")
BE = re.compile(r"\b(is|are|can|will|does|do|should|must)\b")


def change(answer: str, other_names: list[str], rng: random.Random) -> tuple[str, str] | None:
    """The answer with one fact changed, and what kind of change; None when nothing can change."""
    numbers = NUMBER.findall(answer)
    if numbers:
        n = rng.choice(numbers)
        new = str(float(n) * 2 if "." in n else int(n) + rng.choice((1, 2, 10)))
        return answer.replace(n, new, 1), "number"
    names = [n for n in CODE.findall(answer) if n not in answer.replace(f"`{n}`", "")]
    candidates = [o for o in other_names if o not in answer]
    if names and candidates:
        return answer.replace(f"`{names[0]}`", f"`{rng.choice(candidates)}`", 1), "name"
    words = load_words("en")
    lowered = f" {answer.lower()} "
    for a, b in words["opposites"]:
        for x, y in ((a, b), (b, a)):
            if f" {x} " in lowered:
                return re.sub(rf"\b{x}\b", y, answer, count=1, flags=re.I), "opposite"
    if " not " in lowered:
        return re.sub(r"\bnot\s+", "", answer, count=1), "negation"
    if BE.search(answer):
        return BE.sub(lambda m: m.group(1) + " not", answer, count=1), "negation"
    return None


def flagged(answer: str, pair: dict) -> str | None:
    known = f"{pair['chunk']}\n{pair['instruction']}\n{pair['input']}"
    missing = unsupported_facts(answer, known)
    if missing:
        return f"unsupported: {', '.join(missing[:3])}"
    sentence = flipped(answer, pair["chunk"])
    return f"contradicts: {sentence[:60]}" if sentence else None


def grounding_scores(pairs: list[dict], answers: list[str]) -> list[float]:
    """The embedding grounding score (mean over answer sentences of the best cosine to a chunk span)."""
    from moderation.grounding import embedding_support
    from pairsmith.core.models.embedder import Embedder

    embedder = Embedder("all-minilm-l6-v2")
    return embedding_support(embedder.embed, answers, [p["chunk"] for p in pairs])


def main() -> None:
    pairs = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    rng = random.Random(0)
    names_by_chunk = [set(CODE.findall(p["chunk"])) for p in pairs]
    changed = []
    for i, pair in enumerate(pairs):
        others = sorted({n for j, names in enumerate(names_by_chunk) if j != i for n in names} - names_by_chunk[i])
        made = change(pair["output"], others, rng)
        if made:
            changed.append((pair, *made))
    genuine_flags = [flagged(p["output"], p) for p in pairs]
    changed_flags = [flagged(answer, pair) for pair, answer, _ in changed]
    kinds: dict[str, list[bool]] = {}
    for (_, _, kind), flag in zip(changed, changed_flags):
        kinds.setdefault(kind, []).append(flag is not None)
    caught = sum(f is not None for f in changed_flags) / len(changed)
    false = sum(f is not None for f in genuine_flags) / len(pairs)
    print(f"planted set: {len(pairs)} genuine teacher answers, {len(changed)} with one fact changed")
    print(f"supported step: flags {caught:.0%} of changed answers "
          + ", ".join(f"{k} {sum(v)}/{len(v)}" for k, v in sorted(kinds.items()))
          + f"; flags {false:.0%} of genuine answers")
    threshold = 0.45
    genuine_support = grounding_scores(pairs, [p["output"] for p in pairs])
    changed_support = grounding_scores([c[0] for c in changed], [c[1] for c in changed])
    base_caught = sum(s < threshold for s in changed_support) / len(changed)
    base_false = sum(s < threshold for s in genuine_support) / len(pairs)
    print(f"baseline (embedding grounding < {threshold}): flags {base_caught:.0%} of changed, {base_false:.0%} of genuine")
    print(f"ratio of changed answers caught, supported / grounding: {caught / max(base_caught, 1e-9):.1f}x")
    for pair, flag in zip(pairs, genuine_flags):
        if flag:
            print(f"  genuine flagged: {flag} | {pair['output'][:90]}")
    for (pair, answer, kind), flag in zip(changed, changed_flags):
        if not flag:
            print(f"  changed, missed ({kind}): {answer[:100]}")


if __name__ == "__main__":
    main()
