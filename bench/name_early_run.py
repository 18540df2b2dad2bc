"""Does asking the grammar for the project's name early in a question stop the name being glued in
late? The reply grammar makes every question name the project within its first `_BEFORE_NAME`
characters (120); a model that has finished its question without the name must then fit it in
("... even if they are already up Pip-tools?"). This run generates the same sections with the
bound at BEFORE characters instead, moderates them, and lays out for one blind labeller the kept
pairs of both arms (the default arm's are a post-work check's pairs, written again as today's
generation writes them, and moderated with today's code), shuffled per section; the key says which
arm each pair is. Score with --score once OUT/labels.jsonl exists.

    python bench/name_early_run.py OUT --before 40 bench/data/check20/pip-tools:bench/thirdparty/check20/pip-tools ...
    python bench/name_early_run.py OUT --score CHECK:DOCS ...

`--before 0` leaves the name out of the grammar altogether (the prompt still asks for it, and
moderation drops a question that does not name the project); `--before 0 --rename` then rewrites
each question that does not name it in a second short call whose grammar makes it name it.

Run it from the repository root (chunk ids hold the docs' path as given to the first run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import alpaca_gen.schema as schema  # noqa: E402
import alpaca_gen.strategies.sections as sections_strategy  # noqa: E402
from blind_layout import BlindLayout, check_runs  # noqa: E402
from kept_for_labels import section_texts  # noqa: E402
from labelled import read_jsonl  # noqa: E402

from alpaca_gen.chunk import ChunkConfig  # noqa: E402
from alpaca_gen.generate import generate  # noqa: E402
from alpaca_gen.options import GenerateOptions, build_strategy  # noqa: E402
from alpaca_gen.run import collect_chunks  # noqa: E402
from pairsmith import moderate  # noqa: E402


def as_written_today(first: Path, docs: str, out: Path) -> Path:
    """The default arm's pairs as today's generation writes them (the project's name spelled as the
    docs do), so that the arms differ by the grammar alone."""
    opts = GenerateOptions(paths=[docs], out=str(out))
    strategy = build_strategy(opts)
    _, chunks = collect_chunks(opts.paths, opts.chunking())
    strategy.prepare(chunks)
    out.write_text("".join(json.dumps(strategy.finish(r), ensure_ascii=False) + "\n" for r in read_jsonl(first)),
                   encoding="utf-8")
    return out


RENAME_PROMPT = ("Rewrite the question so that it names the project {project}. Change as few words as possible "
                 "and keep it a question; do not answer it. For example, for the project Lumen:\n"
                 "How do I run `lumen-sync` on two Python versions? -> How do I run Lumen's `lumen-sync` on two "
                 "Python versions?\n"
                 "What does the `--strict` flag do? -> What does the `--strict` flag of Lumen do?\n\n"
                 "Question: {question}\n\n"
                 'Reply with JSON: {{"instruction": "..."}}')
# a question (opening on a question word, ending on its one question mark) that names the project
QUESTION_OPENING = "(What|How|Which|Why|When|Where|Who|Is|Are|Can|Could|Does|Do|Should|Will|Would) "


def name_in_a_second_call() -> None:
    """The trial of `--rename`: questions are written with no name in the grammar, then each one that
    does not name the project is rewritten in a second short call whose grammar makes it name it."""
    from pairsmith.core.backends.base import Request
    from pairsmith.core.textmetrics import names_project

    first_run = sections_strategy.SectionPairsStrategy.run

    async def run(self, unit, backend):
        result = await first_run(self, unit, backend)
        if not self.project:
            return result
        answer_schema = {"type": "object", "additionalProperties": False, "required": ["instruction"],
                         "properties": {"instruction": {"type": "string", "pattern": "^" + QUESTION_OPENING
                                                        + schema.naming_pattern(self.project)[1:-4] + r"\?$"}}}

        async def renamed(pair: dict) -> None:
            if names_project(pair["instruction"], self.project):
                return
            prompt = RENAME_PROMPT.format(project=self.project, question=pair["instruction"])
            completion = await backend.complete(Request([{"role": "user", "content": prompt}], max_tokens=96,
                                                        temperature=0.0, seed=self.seed, json_schema=answer_schema))
            result.count(completion)
            try:
                pair["instruction"] = json.loads(completion.text)["instruction"].strip() or pair["instruction"]
            except (ValueError, KeyError, TypeError):
                pass  # left unnamed: moderation drops it

        await asyncio.gather(*(renamed(pair) for pair in result.pairs))
        return result

    sections_strategy.SectionPairsStrategy.run = run


def build(out: Path, runs: list[str], before: int, rename: bool = False) -> None:
    layout, timing = BlindLayout(), {}
    for project, check, docs, work in check_runs(out, runs):
        variant = work / "generated.jsonl"
        seconds = None
        if not variant.exists():
            schema._BEFORE_NAME = before
            if before == 0:  # no name in the grammar at all: the prompt alone asks for it
                sections_strategy.evidenced_pairs_schema = lambda n, must_name=None: schema.evidenced_pairs_schema(n)
            if rename:
                name_in_a_second_call()
            started = time.perf_counter()
            generate(GenerateOptions(paths=[docs], out=str(variant), no_cache=True, progress=False))
            seconds = time.perf_counter() - started
        default = as_written_today(check / "generated.jsonl", docs, work / "default_generated.jsonl")
        sections = section_texts(Path(docs), ChunkConfig())
        for arm, pairs_file in (("early", variant), ("default", default)):
            for p in moderate(pairs_file, out=work / f"{arm}_curated.jsonl").kept:
                layout.add(p, project, arm, sections)
        timing[project] = {"sections": len(sections), "early_seconds": seconds}
        print(project, timing[project], flush=True)
    layout.write(out, timing)


def score(out: Path) -> None:
    key = read_jsonl(out / "key.jsonl")
    labels = {r["pid"]: r for r in read_jsonl(out / "labels.jsonl")}
    timing = json.loads((out / "timing.json").read_text())
    for arm in ("default", "early"):
        rows = [k for k in key if k["arm"] == arm]
        good = [k for k in rows if labels[k["pid"]]["good"]]
        sections = {k["chunk"] for k in good}
        n = sum(t["sections"] for t in timing.values())
        glued = [k for k in rows if 4 in (labels[k["pid"]].get("fails") or [])]
        print(f"{arm}: kept pairs good {len(good)}/{len(rows)} = {len(good) / max(len(rows), 1):.0%}; sections with a "
              f"good kept pair {len(sections)}/{n} = {len(sections) / n:.0%}; unclean (criterion 4) {len(glued)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("runs", nargs="*", help="CHECK_DIR:DOCS_DIR, as the post-work check ran")
    parser.add_argument("--before", type=int, default=40)
    parser.add_argument("--rename", action="store_true", help="with --before 0: name the project in a second call")
    parser.add_argument("--score", action="store_true")
    args = parser.parse_intermixed_args()
    if args.score:
        score(args.out)
    else:
        build(args.out, args.runs, args.before, args.rename)
