"""Benchmark: share of chunks that yield at least one pair whose answer its chunk supports.

Runs generation on the bundled example docs with the offline default model (SmolLM2-135M),
once per strategy, and checks every answer against its chunk with all-MiniLM-L6-v2:

- baseline: one prompt asking for JSON pairs, decoding unconstrained (what a user would try first);
- multi: the same prompt with decoding constrained to the pairs' JSON schema;
- stepwise-free: one question per call, then a free answer from the passage, both constrained;
- stepwise-extract (the local default): the answer's decoding may only copy passage sentences.

An answer is supported when its best cosine similarity to a sentence (or two) of the chunk is
at least 0.7 and at least 60% of its words occur in the chunk.

    .venv/bin/python bench/local_grounding.py [--strategies baseline,multi,stepwise-free,stepwise-extract]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alpaca_gen.run import collect_chunks  # noqa: E402
from alpaca_gen.generate import generate  # noqa: E402
from alpaca_gen.options import GenerateOptions  # noqa: E402
from alpaca_gen.strategies.base import answer_candidates  # noqa: E402
from pairsmith.core import models  # noqa: E402

DOCS = ROOT / "examples" / "docs"
WORD = re.compile(r"[a-z0-9]{3,}")

STRATEGIES = {
    "baseline": {"strategy": "multi", "constrain": False, "max_tokens": 384, "max_reasks": 0},
    "multi": {"strategy": "multi", "max_tokens": 384, "max_reasks": 0},
    "stepwise-free": {"strategy": "stepwise", "answer_template": "answer_from_chunk"},
    "stepwise-extract": {"strategy": "stepwise"},
}


def supported(answer: str, chunk_text: str, embed, threshold: float = 0.7) -> bool:
    words = WORD.findall(answer.lower())
    if not words:
        return False
    chunk_words = set(WORD.findall(chunk_text.lower()))
    overlap = sum(w in chunk_words for w in words) / len(words)
    spans = answer_candidates(chunk_text, max_chars=2000)
    vectors = embed([answer, *spans])
    best = float((vectors[1:] @ vectors[0]).max())
    return best >= threshold and overlap >= 0.6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--pairs-per-chunk", type=int, default=2)
    args = parser.parse_args()
    from sentence_transformers import SentenceTransformer

    encoder = SentenceTransformer(models.resolve("all-minilm-l6-v2"), device="cpu")

    def embed(texts: list[str]):
        return encoder.encode(texts, normalize_embeddings=True, convert_to_numpy=True)

    _, chunks = collect_chunks([DOCS])
    by_id = {c.id: c for c in chunks}
    print(f"{len(chunks)} chunks from {DOCS.relative_to(ROOT)}; pairs per chunk {args.pairs_per_chunk}")
    print(f"{'strategy':18} {'pairs':>6} {'rejects':>8} {'supported':>10} {'chunks ok':>10} {'seconds':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.strategies.split(","):
            out = Path(tmp) / f"{name}.jsonl"
            opts = GenerateOptions(paths=[str(DOCS)], out=str(out), no_cache=True, progress=False,
                                   pairs_per_chunk=args.pairs_per_chunk, **STRATEGIES[name])
            summary = generate(opts)
            pairs = [json.loads(l) for l in out.read_text().splitlines()] if out.exists() else []
            good = [p for p in pairs if supported(p["output"], by_id[p["source"]["chunk"]].text, embed)]
            ok_chunks = {p["source"]["chunk"] for p in good}
            print(f"{name:18} {len(pairs):6d} {summary.rejects_written:8d} {len(good):10d} "
                  f"{len(ok_chunks) / len(chunks):10.0%} {summary.seconds:8.1f}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
