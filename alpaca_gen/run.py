"""The generation run: ingest, chunk, run units on a backend, append pairs, summarise.

Output is appended as units finish. Each finished unit is cached before its pairs are
written, and pairs whose ids are already in the output are not written again, so a re-run
of the same command makes no model call and writes no duplicate, and a killed run loses at
most the units in flight.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from pairsmith.core.backends.base import Backend, redact_url
from alpaca_gen.cache import ResultCache, unit_key
from alpaca_gen.chunk import Chunk, ChunkConfig, chunk_document, chunk_warnings, count_tokens
from alpaca_gen.ingest import DEFAULT_MAX_BYTES, IngestResult, ingest
from alpaca_gen.strategies.base import Strategy, Unit, UnitResult
from pairsmith.core.asyncio_compat import run_sync
from pairsmith.core.errors import BackendUnavailable, ConfigError
from pairsmith.core.outputs import rejects_beside
from pairsmith.core.io import JsonlAppender, read_jsonl
from pairsmith.core.records import Pair, content_hash


@dataclass
class RunSummary:
    """What a run did, for the summary line and for tests."""

    files_read: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # `path:line: problem`, e.g. an unterminated fence
    chunks: int = 0
    units: int = 0
    units_cached: int = 0
    units_failed: int = 0
    pairs_written: int = 0
    pairs_already_present: int = 0
    pairs_repeated: int = 0
    rejects_written: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model_calls: int = 0
    seconds: float = 0.0
    retries: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def pairs_per_second(self) -> float:
        return self.pairs_written / self.seconds if self.seconds > 0 else 0.0


@dataclass
class DryRunUnit:
    """One planned unit: its chunk, first prompt and token estimate."""

    chunk: Chunk
    prompt: str
    prompt_tokens: int
    max_completion_tokens: int


def parse_shard(spec: str | None) -> tuple[int, int]:
    """'i/n' -> (i, n), 0-based; None means the whole input."""
    if not spec:
        return 0, 1
    try:
        index, total = (int(x) for x in spec.split("/"))
    except ValueError:
        raise ConfigError(f"--shard takes i/n, such as 0/4; got '{spec}'") from None
    if not 0 <= index < total:
        raise ConfigError(f"--shard {spec}: i must be between 0 and n-1")
    return index, total


def collect_chunks(paths: Iterable[str | Path], chunking: ChunkConfig = ChunkConfig(),
                   max_bytes: int = DEFAULT_MAX_BYTES, shard: str | None = None) -> tuple[IngestResult, list[Chunk]]:
    """Ingest and chunk; with a shard, keep only the chunks whose hash falls in it.

    Chunking's warnings are added to the ingest result's, so the run summary reports them.
    """
    index, total = parse_shard(shard)
    found = ingest(paths, max_bytes)
    chunks = [c for doc in found.documents for c in chunk_document(doc, chunking)]
    found.warnings.extend(w for doc in found.documents for w in chunk_warnings(doc, chunking))
    if total > 1:
        chunks = [c for c in chunks if int(c.id[2:], 16) % total == index]
    return found, chunks


def dry_run(chunks: list[Chunk], strategy: Strategy) -> list[DryRunUnit]:
    """The units a run would do, with prompts and token estimates; no model is loaded."""
    planned = []
    strategy.prepare(chunks)
    for chunk in chunks:
        for unit in strategy.units(chunk):
            request = strategy.first_request(unit)
            prompt = "\n\n".join(f"[{m['role']}]\n{m['content']}" for m in request.messages)
            planned.append(DryRunUnit(chunk, prompt, count_tokens(prompt), strategy.expected_completion_tokens(unit)))
    return planned


def _existing_ids(path: Path) -> set[str]:
    if not path.exists():
        return set()
    return {str(r["id"]) for r in read_jsonl(path) if "id" in r}


class GenerationRun:
    """One generate command: owns the cache, the output files and the backend."""

    def __init__(self, strategy: Strategy, backend_factory: Callable[[], Backend], backend_name: str,
                 model: str, out: str | Path, rejects: str | Path | None = None,
                 cache: ResultCache | None = None, concurrency: int = 16, progress: bool | None = None,
                 server: str | None = None, notes: list[str] | None = None) -> None:
        self.strategy = strategy
        self.backend_factory = backend_factory
        self.backend_name = backend_name
        self.model = model
        self.out = Path(out)
        self.rejects = Path(rejects) if rejects else rejects_beside(self.out)
        self.cache = cache if cache is not None else ResultCache(None)
        self.concurrency = max(1, concurrency)
        self.progress = progress
        self.server = redact_url(server) if server else None  # part of the cache key: another server, other replies
        self._backend: Backend | None = None
        self.notes = list(notes or [])  # what the user must know about how the run was set up

    def key(self, unit: Unit) -> str:
        """The unit's cache key: chunk, templates, backend, server (when there is one), model, params."""
        where = {"server": self.server} if self.server else {}  # local runs keep their old keys
        return unit_key(chunk=unit.chunk.id, text=content_hash(unit.chunk.text), unit=unit.index,
                        templates=self.strategy.template_ids, backend=self.backend_name, model=self.model,
                        params={**self.strategy.params(), **self.strategy.unit_params(unit)}, **where)

    def _generator(self, unit: Unit, result: UnitResult) -> dict[str, Any]:
        described = self._backend.describe() if self._backend else {"backend": self.backend_name, "model": self.model}
        mode = {"response_format": result.response_format} if result.response_format else {}
        params = {**self.strategy.params(), **self.strategy.unit_params(unit)}
        return {**described, "template": "+".join(self.strategy.template_ids), "params": params,
                **mode, "usage": {"prompt_tokens": result.prompt_tokens, "completion_tokens": result.completion_tokens}}

    def _records(self, unit: Unit, key: str, result: UnitResult) -> dict[str, Any]:
        """The unit's output records, as cached and as written."""
        generator = self._generator(unit, result)
        source = unit.chunk.source()
        pairs = [Pair(instruction=p["instruction"], input=p["input"], output=p["output"], source=source,
                      generator={**generator, **{k: p[k] for k in ("method", "check", "evidence") if k in p}}).to_dict()
                 for p in result.pairs]
        rejects = [{"id": "r_" + content_hash(key, str(i), reject["reason"]), **reject, "source": source,
                    "generator": generator} for i, reject in enumerate(result.rejects)]
        return {"pairs": pairs, "rejects": rejects,
                "usage": {"prompt_tokens": result.prompt_tokens, "completion_tokens": result.completion_tokens,
                          "calls": result.calls}}

    def _backend_now(self) -> Backend:
        if self._backend is None:
            self._backend = self.backend_factory()  # loaded only when some unit is not cached
        return self._backend

    async def run(self, chunks: list[Chunk], summary: RunSummary, only: set[str] | None = None) -> RunSummary:
        """Do every unit of every chunk (of the chunk ids in `only`, when given) not done before;
        append the new records. The strategy prepares on all chunks: a project's name is spelled
        from the whole docs, whichever sections are asked."""
        started = time.perf_counter()
        summary.notes.extend(n for n in self.notes if n not in summary.notes)
        self.strategy.prepare(chunks)
        summary.notes.extend(n for n in self.strategy.notes() if n not in summary.notes)
        asked = chunks if only is None else [c for c in chunks if c.id in only]
        units = [u for c in asked for u in self.strategy.units(c)]
        summary.chunks, summary.units = len(asked), len(units)
        written = _existing_ids(self.out)
        before = set(written)
        rejected = _existing_ids(self.rejects)
        bar = tqdm(total=len(units), unit="unit", desc="generate", file=sys.stderr,
                   disable=(not sys.stderr.isatty()) if self.progress is None else not self.progress)
        queue: asyncio.Queue[Unit] = asyncio.Queue()
        for unit in units:
            queue.put_nowait(unit)
        with JsonlAppender(self.out) as out, JsonlAppender(self.rejects) as rejects_out:

            def emit(records: dict[str, Any]) -> None:
                for raw in records["pairs"]:
                    record = self.strategy.finish(raw)
                    if record["id"] in before or raw["id"] in before:  # an --out an older version wrote as made
                        summary.pairs_already_present += 1
                        continue
                    if record["id"] in written:  # the same pair twice in this run: a model repeating itself
                        summary.pairs_repeated += 1
                        continue
                    out.write(record)
                    written.add(record["id"])
                    summary.pairs_written += 1
                for record in records["rejects"]:
                    if record["id"] not in rejected:
                        rejects_out.write(record)
                        rejected.add(record["id"])
                        summary.rejects_written += 1

            async def worker() -> None:
                while not queue.empty():
                    unit = queue.get_nowait()
                    key = self.key(unit)
                    cached = self.cache.get(key)
                    if cached is not None:
                        summary.units_cached += 1
                        emit(cached)
                        bar.update(1)
                        continue
                    try:
                        result = await self.strategy.run(unit, self._backend_now())
                    except BackendUnavailable as exc:
                        summary.units_failed += 1
                        if str(exc) not in summary.notes:
                            summary.notes.append(str(exc))
                        bar.update(1)
                        continue
                    records = self._records(unit, key, result)
                    self.cache.put(key, records)  # cached first: a kill after this loses nothing
                    emit(records)
                    summary.prompt_tokens += result.prompt_tokens
                    summary.completion_tokens += result.completion_tokens
                    summary.model_calls += result.calls
                    bar.update(1)

            try:
                await asyncio.gather(*(worker() for _ in range(min(self.concurrency, max(1, len(units))))))
            finally:
                bar.close()
                if self._backend is not None:
                    summary.retries = dict(self._backend.stats.retries)
                    summary.notes.extend(n for n in self._backend.stats.notes if n not in summary.notes)
                    await self._backend.aclose()
        summary.seconds = time.perf_counter() - started
        return summary


def run_generation(paths: Iterable[str | Path], run: GenerationRun, chunking: ChunkConfig = ChunkConfig(),
                   max_bytes: int = DEFAULT_MAX_BYTES, shard: str | None = None,
                   only: set[str] | None = None) -> RunSummary:
    """Ingest, chunk and generate; the library entry point behind `pairsmith generate`. With `only`,
    units are made for those chunk ids alone (the strategy still reads every chunk to prepare)."""
    try:
        found, chunks = collect_chunks(paths, chunking, max_bytes, shard)
        summary = RunSummary(files_read=len(found.documents), skipped=found.skipped, warnings=found.warnings)
        return run_sync(run.run(chunks, summary, only))
    finally:
        run.cache.close()
        run.strategy.close()


def summary_lines(summary: RunSummary) -> list[str]:
    """The human summary printed at the end of a run."""
    skipped = f", {len(summary.skipped)} skipped" if summary.skipped else ""
    lines = [
        f"files: {summary.files_read} read{skipped}",
        *(f"  skipped {path}: {reason}" for path, reason in summary.skipped),
        *(f"warning: {warning}" for warning in summary.warnings),
        f"chunks: {summary.chunks}   units: {summary.units} ({summary.units_cached} from cache"
        + (f", {summary.units_failed} failed" if summary.units_failed else "") + ")",
        f"pairs: {summary.pairs_written} new" + (f", {summary.pairs_already_present} already in the output"
                                                 if summary.pairs_already_present else "")
        + (f", {summary.pairs_repeated} repeated in this run" if summary.pairs_repeated else "")
        + f"   rejects: {summary.rejects_written} new",
        f"tokens: {summary.prompt_tokens} prompt + {summary.completion_tokens} completion "
        f"in {summary.model_calls} calls   {summary.seconds:.1f}s, {summary.pairs_per_second:.2f} pairs/s",
    ]
    if summary.retries:
        lines.append("retries: " + ", ".join(f"{k} x{v}" for k, v in sorted(summary.retries.items())))
    lines += [f"note: {n}" for n in summary.notes]
    if summary.units_failed:
        lines.append(f"{summary.units_failed} units failed; run the same command again to retry only those")
    return lines
