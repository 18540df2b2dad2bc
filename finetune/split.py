"""Train / test split by source document, so test questions do not leak from training chunks.

Pairs that carry `source.path` are grouped by it and whole documents go to one side. Pairs
without a source are split at random exactly as the course does (`datasets`'
`train_test_split(test_size, shuffle=True, seed)`: 1,260 / 140 on lamini_docs with seed 123).
The split is saved with the run (ids per side).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

from pairsmith.core.records import Pair


@dataclass
class Split:
    train: list[Pair]
    test: list[Pair]
    by: str  # "source", "random" or "none"

    def to_dict(self) -> dict:
        return {"by": self.by, "train": [p.id for p in self.train], "test": [p.id for p in self.test]}


def random_test_indices(n: int, test_fraction: float, seed: int) -> set[int]:
    """The test rows `datasets` picks for train_test_split(test_size, shuffle=True, seed)."""
    import datasets

    if n < 2:
        return set()
    parts = datasets.Dataset.from_dict({"row": list(range(n))}).train_test_split(
        test_size=test_fraction, shuffle=True, seed=seed)
    return set(parts["test"]["row"])


def split_pairs(pairs: list[Pair], test_fraction: float, seed: int = 123) -> Split:
    """Hold out about `test_fraction` of the pairs, by whole source documents when known."""
    if test_fraction <= 0 or len(pairs) < 2:
        return Split(list(pairs), [], "none")
    groups: dict[str, list[int]] = defaultdict(list)
    loose: list[int] = []
    for index, pair in enumerate(pairs):
        path = (pair.source or {}).get("path")
        (groups[path] if path else loose).append(index)
    if len(groups) < 2:
        test = random_test_indices(len(pairs), test_fraction, seed)
        return Split([p for i, p in enumerate(pairs) if i not in test],
                     [p for i, p in enumerate(pairs) if i in test], "random")
    names = sorted(groups)
    random.Random(seed).shuffle(names)
    target = test_fraction * sum(len(g) for g in groups.values())
    held: list[str] = []
    for name in names:
        if sum(len(groups[h]) for h in held) >= target:
            break
        held.append(name)
    if len(held) == len(names):
        held.pop()  # always train on at least one document
    test = {i for name in held for i in groups[name]}
    if loose:
        chosen = random_test_indices(len(loose), test_fraction, seed)
        test |= {loose[j] for j in chosen}
    return Split([p for i, p in enumerate(pairs) if i not in test], [p for i, p in enumerate(pairs) if i in test],
                 "source")
