"""What a moderation run reports back: counts that add up, reasons, examples and timings."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class ModerationSummary:
    """Counts that add up (total = kept + review + dropped), reasons, and report data."""

    total: int = 0
    kept: int = 0
    review: int = 0
    dropped: int = 0
    drop_reasons: Counter = field(default_factory=Counter)
    review_reasons: Counter = field(default_factory=Counter)
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    curated: str = ""
    rejects: str = ""
    report_files: dict[str, Path] = field(default_factory=dict)

    def summary(self) -> str:
        rate = self.total / self.seconds if self.seconds else 0.0
        return (f"{self.total} pairs: {self.kept} kept, {self.review} to review, {self.dropped} dropped "
                f"({self.seconds:.1f}s, {rate:.0f} pairs/s)")
