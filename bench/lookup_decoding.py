"""Lookup decoding against plain decoding: the teacher writing pairs from the same sections, same slots.

Measured on 2 CPU cores it is slower (BENCHMARKS.md), so `generate` leaves it off unless `--lookup`.

pairsmith's default strategy asks the teacher for JSON whose evidence is copied word for word from
the section, whose answers keep the section's names and values, and whose keys repeat for every
pair: text that llama.cpp's draftless n-gram speculation (`ngram-simple`) can propose from the
prompt and the reply so far, and the model can check in one batch. This runs the same requests
(the `sections` prompt and schema, `--parallel` slots, the requests kept in flight) through the
llama.cpp backend with lookup decoding off and on, one engine after the other in one run, and
prints wall time, completion tokens/s and the ratio. It also counts the replies that came out the
same: a drafted token is kept only where the sampler, seeded as without lookup, picks it anyway,
but a batch of another size rounds the logits differently, so replies can drift apart (most did).

    python bench/lookup_decoding.py --docs bench/thirdparty/dev/requests --project Requests --sections 12
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alpaca_gen.options import GenerateOptions  # noqa: E402
from alpaca_gen.run import collect_chunks  # noqa: E402
from alpaca_gen.strategies.sections import SectionPairsStrategy  # noqa: E402
from pairsmith.core.backends.base import Request  # noqa: E402
from pairsmith.core.backends.llamacpp import DEFAULT_PARALLEL, LOOKUP_DRAFT, LOOKUP_NGRAM, LlamaCppBackend  # noqa: E402
from pairsmith.core.models import DEFAULT_TEACHER  # noqa: E402
from pairsmith.core.templates import load_template  # noqa: E402


def requests_for(docs: str, project: str, sections: int, temperature: float) -> list[Request]:
    """The sections strategy's first request for each of the first `sections` sections it would ask about."""
    opts = GenerateOptions(paths=[docs], out="unused.jsonl")
    strategy = SectionPairsStrategy(load_template("pairs_from_section"), 3, temperature=temperature, project=project)
    _, chunks = collect_chunks([docs], opts.chunking())
    units = [u for c in chunks for u in strategy.units(c)][:sections]
    return [strategy.first_request(u) for u in units]


def run(requests: list[Request], model: str, parallel: int, **lookup: object) -> dict:
    """Every request through one engine, `2 * parallel` in flight; wall time from the first request."""
    backend = LlamaCppBackend(model, parallel=parallel, **lookup)
    backend.generate(Request([{"role": "user", "content": "Say OK."}], max_tokens=2, temperature=0.0))  # load, warm
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2 * parallel) as pool:
        replies = list(pool.map(backend.generate, requests))
    seconds = time.perf_counter() - started
    tokens = sum(r.completion_tokens for r in replies)
    parsed = sum(_pairs(r.text) is not None for r in replies)
    return {"lookup": backend.lookup, "drafted": backend.drafts.drafted, "accepted": backend.drafts.accepted,
            "seconds": round(seconds, 1), "completion_tokens": tokens,
            "tokens_per_s": round(tokens / seconds, 2), "replies_parsed": parsed, "texts": [r.text for r in replies]}


def _pairs(text: str) -> list | None:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    return value.get("pairs") if isinstance(value, dict) else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", default="bench/thirdparty/dev/requests")
    parser.add_argument("--project", default="Requests")
    parser.add_argument("--sections", type=int, default=12)
    parser.add_argument("--model", default=DEFAULT_TEACHER)
    parser.add_argument("--parallel", type=int, default=DEFAULT_PARALLEL)
    parser.add_argument("--temperature", type=float, default=0.2, help="the sections strategy's default")
    parser.add_argument("--ngram", type=int, default=LOOKUP_NGRAM)
    parser.add_argument("--draft", type=int, default=LOOKUP_DRAFT)
    args = parser.parse_args()
    requests = requests_for(args.docs, args.project, args.sections, args.temperature)
    off = run(requests, args.model, args.parallel, lookup=False)
    on = run(requests, args.model, args.parallel, lookup=True, lookup_ngram=args.ngram, lookup_draft=args.draft)
    same = sum(a == b for a, b in zip(off["texts"], on["texts"]))
    for name, row in (("plain decoding", off), (f"lookup decoding (n={args.ngram}, draft={args.draft})", on)):
        print(f"{name:40s} {row['seconds']:7.1f} s  {row['completion_tokens']:6d} completion tokens  "
              f"{row['tokens_per_s']:6.2f} tokens/s  {row['replies_parsed']}/{len(requests)} replies parse  "
              f"{row['accepted']}/{row['drafted']} drafted tokens kept")
    print(f"{len(requests)} sections of {args.docs}, {args.parallel} slots, temperature {args.temperature}: "
          f"lookup decoding {off['seconds'] / on['seconds']:.2f}x the speed (wall time), "
          f"{on['tokens_per_s'] / off['tokens_per_s']:.2f}x the completion tokens/s; "
          f"{same}/{len(requests)} replies identical" + ("" if on["lookup"] else " (this xllamacpp has no lookup decoding)"))


if __name__ == "__main__":
    main()
