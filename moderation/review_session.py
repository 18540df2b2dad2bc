"""One review session over a pairs file: filter, sort and page the pairs, show one beside its
source chunk, and record human decisions (approve, reject, edit, undo, bulk) at once in the
append-only decision store.

The reviewed file is only read. Each decision is one line appended to the store and flushed to
the disk before the call returns, so a closed tab, a killed server or a crash loses nothing; the
store is the same one `review import` writes and `moderate --reviews` / `review apply` read, and
decisions apply by pair id, so they carry over to a regenerated dataset.
"""

from __future__ import annotations

import os
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moderation.grounding import ChunkSource
from moderation.review_store import CLEARED, STATUSES, decision_record
from pairsmith.core.errors import InputError, PairsmithError
from pairsmith.core.formats import load_pairs
from pairsmith.core.io import JsonlAppender, read_jsonl
from pairsmith.core.records import Pair

DECISIONS = ("keep", "review", "drop")
HUMAN = ("undecided", "approved", "rejected", "edited")
FILTER_KEYS = ("decision", "status", "reason", "source", "q")


@dataclass
class Row:
    """A pair of the file with what the list needs: its decision, reasons, scores and search text."""

    index: int
    pair: Pair
    decision: str
    reasons: list[str]
    scores: dict[str, float]
    search: str = ""


@dataclass
class Page:
    """One page of the filtered, sorted list, and the counts per filter value."""

    total: int
    items: list[dict[str, Any]]
    counts: dict[str, dict[str, int]]
    sort_keys: list[str] = field(default_factory=list)


def reason_keys(moderation: dict[str, Any] | None) -> list[str]:
    """A pair's reasons as `step:rule` (from the evidence; else from the reason strings)."""
    moderation = moderation or {}
    found = []
    for evidence in moderation.get("evidence") or []:
        if isinstance(evidence, dict) and evidence.get("step"):
            found.append(f"{evidence['step']}:{evidence.get('rule', '')}".rstrip(":"))
    if not found:
        found = [str(r).split(" ", 1)[0] for r in moderation.get("reasons") or [] if str(r).strip()]
    return list(dict.fromkeys(found))


def scores_of(moderation: dict[str, Any] | None) -> dict[str, float]:
    """Every number in the evidence and the checks, as `step.name` (e.g. relevance.margin)."""
    moderation = moderation or {}
    found: dict[str, float] = {}
    groups = [(e.get("step", "?"), e) for e in moderation.get("evidence") or [] if isinstance(e, dict)]
    groups += [(step, c) for step, c in (moderation.get("checks") or {}).items() if isinstance(c, dict)]
    for step, values in groups:
        for key, value in values.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                found.setdefault(f"{step}.{key}", float(value))
    return found


def answer_spans(chunk: str, answer: str) -> list[tuple[int, int]]:
    """Where the answer sits in its chunk: the whole answer, else each of its lines or sentences
    found there (whitespace-insensitive). Character offsets into `chunk`."""
    def find(piece: str) -> tuple[int, int] | None:
        words = piece.split()
        if not words:
            return None
        found = re.search(r"\s+".join(re.escape(w) for w in words), chunk)
        return (found.start(), found.end()) if found else None

    whole = find(answer)
    if whole:
        return [whole]
    spans = []
    for piece in re.split(r"\n+|(?<=[.!?])\s+", answer):
        if len(piece.split()) >= 3 and (span := find(piece)):
            spans.append(span)
    return sorted(set(spans))


class ReviewSession:
    """The pairs of FILE and the decisions in its store; thread-safe."""

    def __init__(self, path: str | Path, store: str | Path, reviewer: str = "") -> None:
        self.path = Path(path)
        self.store = Path(store)
        self.reviewer = reviewer or _user()
        pairs = load_pairs(self.path)
        if not pairs:
            raise InputError(f"{self.path}: no pairs to review")
        self.rows = [self._row(i, p) for i, p in enumerate(pairs)]
        self.by_id = {row.pair.id: row for row in self.rows}
        self.related = {row.pair.id: row for row in self._siblings()}  # for the pairs evidence names
        self.sources = ChunkSource(".", near=self.path)
        self.history: dict[str, list[dict[str, Any]]] = {}  # per id, a stack of decisions (undo pops)
        self.lock = threading.RLock()  # decisions, undo, and a bulk's select-then-decide
        if self.store.exists():
            for record in read_jsonl(self.store):
                self._replay(record)

    # --- the list ---------------------------------------------------------------------

    @staticmethod
    def _row(index: int, pair: Pair) -> Row:
        moderation = pair.moderation or {}
        decision = str(moderation.get("decision") or "keep")
        search = "\n".join([pair.id, pair.instruction, pair.input, pair.output]).lower()
        return Row(index, pair, decision, reason_keys(moderation), scores_of(moderation), search)

    def _siblings(self) -> list[Row]:
        """The kept pairs beside a rejects file, and the rejects beside a kept file: a duplicate's
        twin usually sits in the other one."""
        name = self.path.name
        other = (self.path.with_name(name.removesuffix(".rejects.jsonl") + ".jsonl") if name.endswith(".rejects.jsonl")
                 else self.path.with_name(self.path.stem + ".rejects.jsonl"))
        if other == self.path or not other.is_file():
            return []
        try:
            return [self._row(i, p) for i, p in enumerate(load_pairs(other))]
        except PairsmithError:
            return []  # an unreadable sibling only costs the side-by-side view

    def status(self, pair_id: str) -> dict[str, Any] | None:
        """The pair's current human decision, if any."""
        try:
            return self.history.get(pair_id, [])[-1]
        except IndexError:  # undecided (or undone in another thread meanwhile)
            return None

    def _matches(self, row: Row, filters: dict[str, str], skip: str = "") -> bool:
        decision = filters.get("decision")
        if decision and skip != "decision" and row.decision != decision:
            return False
        status = filters.get("status")
        if status and skip != "status":
            current = self.status(row.pair.id)
            if (current["status"] if current else "undecided") != status:
                return False
        reason = filters.get("reason")
        if reason and skip != "reason" and not any(r == reason or r.startswith(reason + ":") for r in row.reasons):
            return False
        source = filters.get("source")
        if source and skip != "source" and (row.pair.source or {}).get("path", "") != source:
            return False
        text = (filters.get("q") or "").strip().lower()
        if text and skip != "q":
            current = self.status(row.pair.id)
            edited = "\n".join([current.get("instruction", ""), current.get("output", "")]).lower() if current else ""
            if text not in row.search and text not in edited:
                return False
        return True

    def select(self, filters: dict[str, str]) -> list[Row]:
        """The rows that pass every filter, in file order."""
        clean = {k: v for k, v in filters.items() if k in FILTER_KEYS and v}
        return [row for row in self.rows if self._matches(row, clean)]

    def counts(self, filters: dict[str, str]) -> dict[str, dict[str, int]]:
        """For each filter, how many pairs each of its values would show with the other filters as they are."""
        clean = {k: v for k, v in filters.items() if k in FILTER_KEYS and v}
        found: dict[str, Counter[str]] = {k: Counter() for k in ("decision", "status", "reason", "source")}
        for row in self.rows:
            if self._matches(row, clean, skip="decision"):
                found["decision"][row.decision] += 1
            if self._matches(row, clean, skip="status"):
                current = self.status(row.pair.id)
                found["status"][current["status"] if current else "undecided"] += 1
            if self._matches(row, clean, skip="reason"):
                found["reason"].update(row.reasons or ["(none)"])
            if self._matches(row, clean, skip="source"):
                found["source"][(row.pair.source or {}).get("path", "") or "(none)"] += 1
        return {k: dict(v.most_common()) for k, v in found.items()}

    def page(self, filters: dict[str, str], sort: str = "", descending: bool = False,
             offset: int = 0, limit: int = 100) -> Page:
        """One page of the filtered list, sorted by a score (pairs without it last) or file order."""
        rows = self.select(filters)
        if sort:
            present = [r for r in rows if sort in r.scores]
            present.sort(key=lambda r: r.scores[sort], reverse=descending)
            rows = present + [r for r in rows if sort not in r.scores]
        offset, limit = max(0, offset), max(1, min(limit, 500))
        items = [self.summary(r) for r in rows[offset : offset + limit]]
        keys = sorted({k for r in self.rows for k in r.scores})
        return Page(len(rows), items, self.counts(filters), keys)

    def summary(self, row: Row) -> dict[str, Any]:
        current = self.status(row.pair.id)
        instruction = current.get("instruction", row.pair.instruction) if current else row.pair.instruction
        return {"id": row.pair.id, "index": row.index, "instruction": instruction, "decision": row.decision,
                "reasons": row.reasons, "status": current["status"] if current else "undecided",
                "source": (row.pair.source or {}).get("path", ""), "scores": row.scores}

    # --- one pair ---------------------------------------------------------------------

    def detail(self, pair_id: str) -> dict[str, Any]:
        """The pair, its source chunk with the answer marked, the pairs its evidence names, its scores."""
        row = self.by_id.get(pair_id)
        if row is None:
            raise KeyError(pair_id)
        pair = row.pair
        path = Path(str((pair.source or {}).get("path", "")))
        # a pairs file names its own chunks: never a file outside the folders it could come from
        chunk = (pair.source or {}).get("text") if (path.is_absolute() or ".." in path.parts) else self.sources.text(pair)
        if not isinstance(chunk, str):
            chunk = None
        others = []
        for evidence in (pair.moderation or {}).get("evidence") or []:
            if not isinstance(evidence, dict):
                continue
            for key in ("duplicate_of", "competitor"):
                other = self.by_id.get(str(evidence.get(key, ""))) or self.related.get(str(evidence.get(key, "")))
                if other is not None:
                    others.append({"relation": f"{evidence.get('step')}:{evidence.get('rule')}", "id": other.pair.id,
                                   "instruction": other.pair.instruction, "input": other.pair.input,
                                   "output": other.pair.output, "decision": other.decision})
        return {"id": pair.id, "instruction": pair.instruction, "input": pair.input, "output": pair.output,
                "decision": row.decision, "reasons": (pair.moderation or {}).get("reasons") or [],
                "evidence": (pair.moderation or {}).get("evidence") or [], "scores": row.scores,
                "source": pair.source or {}, "generator_method": (pair.generator or {}).get("method", ""),
                "chunk": chunk, "spans": answer_spans(chunk, pair.output) if chunk else [],
                "others": others, "human": self.status(pair.id), "history": len(self.history.get(pair.id, []))}

    # --- decisions --------------------------------------------------------------------

    def _replay(self, record: dict[str, Any]) -> None:
        pair_id = str(record.get("id", ""))
        if not pair_id:
            return
        stack = self.history.setdefault(pair_id, [])
        if record.get("undo"):
            if stack:
                stack.pop()
            return
        if record.get("status") == CLEARED:
            stack.clear()
        elif record.get("status") in STATUSES:
            stack.append(record)

    def _append(self, records: list[dict[str, Any]]) -> None:
        with JsonlAppender(self.store) as out:
            for record in records:
                out.write(record)
            os.fsync(out.fileno())
        for record in records:
            self._replay(record)

    def decide(self, ids: list[str], status: str, instruction: str | None = None, output: str | None = None,
               note: str = "", bulk: bool = False) -> list[dict[str, Any]]:
        """Record one decision per id (an edit carries the new text); returns the records."""
        ids = list(dict.fromkeys(ids))  # one decision per pair, whatever the request repeats
        if status not in STATUSES:
            raise InputError(f"unknown decision {status!r}: use one of {sorted(STATUSES)}")
        if status != "edited" and (instruction is not None or output is not None):
            raise InputError("only an edit carries new text")
        unknown = [i for i in ids if i not in self.by_id]
        if unknown:
            raise KeyError(unknown[0])
        if status == "edited" and instruction is None and output is None:
            raise InputError("an edit needs a new instruction or output")
        records = []
        for pair_id in ids:
            record = decision_record(pair_id, status, by=self.reviewer, instruction=instruction, output=output,
                                     note=note, tool="review serve")
            if bulk:
                record["bulk"] = True
            records.append(record)
        with self.lock:
            self._append(records)
        return records

    def undo(self, ids: list[str]) -> list[dict[str, Any] | None]:
        """Take back the last decision of each id; returns each id's decision now (None: undecided).
        Recorded as an `undo` line whose status is the decision restored, so the store read by
        `review apply` (last line wins) agrees."""
        ids = list(dict.fromkeys(ids))
        with self.lock:
            records = []
            for pair_id in ids:
                stack = self.history.get(pair_id) or []
                if not stack:
                    continue
                restored = stack[-2] if len(stack) > 1 else None
                record = dict(restored) if restored else {"id": pair_id, "status": CLEARED}
                record.update(undo=True, by=self.reviewer, tool="review serve")
                records.append(record)
            self._append(records)
            return [self.status(i) for i in ids]


def default_store(path: str | Path) -> Path:
    """reviews.jsonl beside the reviewed file: the store `review import` and `pairsmith run` use."""
    return Path(path).resolve().parent / "reviews.jsonl"


def _user() -> str:
    try:
        import getpass

        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return "reviewer"
