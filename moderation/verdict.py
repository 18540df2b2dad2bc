"""A step's verdict on one pair: drop or review, with the rule and the evidence for it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def excerpt(text: str, size: int = 80) -> str:
    """The text on one line, cut to `size` characters: what evidence shows of a pair or a passage."""
    flat = " ".join(text.split())
    return flat if len(flat) <= size else flat[: size - 1] + "…"


@dataclass(frozen=True)
class Verdict:
    """Why a step dropped a pair or sent it to review."""

    step: str  # e.g. "rules", "near_duplicate"
    rule: str  # e.g. "refusal", "minhash"
    decision: str = "drop"  # "drop" or "review"
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        """One readable line: `step:rule` plus the key evidence, as in the report."""
        detail = ""
        if "duplicate_of" in self.evidence:
            detail = f" {self.evidence['duplicate_of']}"
            if "score" in self.evidence:
                detail += f" ({self.evidence['score']:.2f})"
        elif "match" in self.evidence:
            detail = f" '{self.evidence['match']}'"
        elif "score" in self.evidence:
            detail = f" ({self.evidence['score']:.2f})"
        return f"{self.step}:{self.rule}{detail}"

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "rule": self.rule, "decision": self.decision, **self.evidence}
