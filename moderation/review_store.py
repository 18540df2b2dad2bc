"""Human decisions (approve, reject, edit), stored append-only and applied by pair id.

Ids are stable across regeneration, so decisions made once keep applying to a re-generated
dataset and only new pairs need review. The last decision for an id wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from moderation.verdict import Verdict
from pairsmith.core.errors import InputError
from pairsmith.core.io import JsonlAppender, read_jsonl

STATUSES = {"approved", "rejected", "edited"}
CLEARED = "cleared"  # an undo back to no decision: the id is undecided again
_ALIASES = {"approve": "approved", "accept": "approved", "accepted": "approved", "keep": "approved", "yes": "approved",
            "ok": "approved", "reject": "rejected", "drop": "rejected", "no": "rejected", "discard": "rejected",
            "edit": "edited", "edited": "edited", "approved": "approved", "rejected": "rejected"}


def normalise_status(value: str) -> str | None:
    """A decision word from a CSV or a labelling tool as approved / rejected / edited."""
    return _ALIASES.get(str(value).strip().lower()) if value else None


def decision_record(pair_id: str, status: str, by: str = "", instruction: str | None = None,
                    output: str | None = None, note: str = "", tool: str = "") -> dict[str, Any]:
    """One stored decision."""
    record: dict[str, Any] = {"id": pair_id, "status": status, "by": by or "unknown",
                              "at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "tool": tool}
    if instruction is not None:
        record["instruction"] = instruction
    if output is not None:
        record["output"] = output
    if note:
        record["note"] = note
    return record


def append_decisions(path: str | Path, decisions: Iterable[dict[str, Any]]) -> int:
    """Append decisions to the store (never rewritten); returns how many."""
    count = 0
    with JsonlAppender(path) as out:
        for decision in decisions:
            out.write(decision)
            count += 1
    return count


def load_decisions(path: str | Path) -> dict[str, dict[str, Any]]:
    """The latest decision per pair id."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such review decisions file")
    latest: dict[str, dict[str, Any]] = {}
    for record in read_jsonl(path):
        if record.get("status") == CLEARED and record.get("id"):
            latest.pop(str(record["id"]), None)
            continue
        if record.get("status") not in STATUSES or not record.get("id"):
            raise InputError(f"{path}: decision {record} needs an id and a status of {sorted(STATUSES)}")
        latest[str(record["id"])] = record
    return latest


def apply_decisions(items: list, decisions: dict[str, dict[str, Any]]) -> None:
    """Mark items from stored decisions: approved and edited ones are protected from automatic
    drops; rejected ones are dropped with the reviewer as evidence."""
    for item in items:
        decision = decisions.get(item.pair.id)
        if decision is None:
            continue
        review = {k: decision[k] for k in ("status", "by", "at") if k in decision}
        if decision.get("note"):
            review["note"] = decision["note"]
        item.pair.review = review
        if decision["status"] == "rejected":
            item.verdicts.append(Verdict("review", "rejected_by_human", evidence={"by": decision.get("by", "")}))
            continue
        if decision["status"] == "edited":
            item.pair.instruction = decision.get("instruction", item.pair.instruction)
            item.pair.output = decision.get("output", item.pair.output)
        item.approved = True


def apply_to_file(src: str | Path, decisions_path: str | Path, out: str | Path,
                  rejects: str | Path, approved_only: bool = False) -> dict[str, int]:
    """Apply stored decisions to a curated file: approved and edited pairs become `keep`,
    rejected ones move to `rejects`, undecided ones stay as they are (or, `approved_only`, are
    left out of both). Returns counts."""
    from pairsmith.core.formats import load_pairs
    from pairsmith.core.outputs import Output, claim_outputs

    outputs = [Output.file(out, "--out"), Output.file(rejects, "--rejects")]
    with claim_outputs({"--data": src, "--reviews": decisions_path}, outputs):
        return apply_to_pairs(load_pairs(src), decisions_path, out, rejects, approved_only)


def apply_to_pairs(pairs: Iterable, decisions_path: str | Path, out: str | Path, rejects: str | Path,
                   approved_only: bool = False) -> dict[str, int]:
    """apply_to_file on pairs already read (the caller has claimed `out` and `rejects`)."""
    from pairsmith.core.io import write_jsonl_atomic

    decisions = load_decisions(decisions_path)
    counts = {"approved": 0, "edited": 0, "rejected": 0, "undecided": 0}
    kept, dropped = [], []
    for pair in pairs:
        decision = decisions.get(pair.id)
        if decision is None:
            counts["undecided"] += 1
            if not approved_only:
                kept.append(pair.to_dict())
            continue
        status = decision["status"]
        counts[status] += 1
        pair.review = {k: decision[k] for k in ("status", "by", "at", "note") if k in decision}
        moderation = dict(pair.moderation or {})
        if status == "rejected":
            moderation.update(decision="drop", reasons=["review:rejected_by_human"])
            pair.moderation = moderation
            dropped.append(pair.to_dict())
            continue
        if status == "edited":
            pair.instruction = decision.get("instruction", pair.instruction)
            pair.output = decision.get("output", pair.output)
        moderation["decision"] = "keep"
        pair.moderation = moderation
        kept.append(pair.to_dict())
    write_jsonl_atomic(out, kept)
    write_jsonl_atomic(rejects, dropped)
    return counts
