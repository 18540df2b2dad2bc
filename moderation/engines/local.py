"""The in-process engine: what moderation always did, behind the interface the Ray engine shares."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

# The steps' Context, Item and PairStep are what the arguments are; the steps' base builds this
# engine, so naming those types here would be an import cycle.
Context = Item = PairStep = Any

BlockFn = Callable[..., Any]


class LocalEngine:
    """Runs every computation in this process."""

    name = "local"

    def embed(self, texts: list[str], ctx: Context) -> np.ndarray:
        """Normalised vectors of `texts` (cached per text by the embedder)."""
        return ctx.local_embedder().embed(texts)

    def run_pair_steps(self, steps: Sequence[PairStep], items: list[Item], ctx: Context) -> None:
        """Consecutive per-pair steps, in order, each on the pairs still in play."""
        for step in steps:
            step.run(items, ctx)

    def first_of_groups(self, keys: dict[int, str], rank: dict[int, int]) -> dict[int, int]:
        """{member: kept member} for every group of equal keys but its best-ranked member."""
        kept: dict[str, int] = {}
        found: dict[int, int] = {}
        for index in sorted(keys, key=rank.__getitem__):
            key = keys[index]
            if key in kept:
                found[index] = kept[key]
            else:
                kept[key] = index
        return found

    def band_neighbours(self, texts: list[str], threshold: float, num_perm: int,
                        shingle: int) -> list[set[int]] | None:
        """Each text's MinHash band neighbours, or None: the local near-duplicate walk queries its
        own LSH index as it goes, which finds exactly these among the texts kept so far."""
        return None

    def blockwise(self, fn: BlockFn, n: int, block: int, *arrays: Any) -> list[Any]:
        """[fn(start, stop, *arrays) for each block of rows]: the row blocks of a similarity search."""
        return [fn(start, min(n, start + block), *arrays) for start in range(0, n, block)]

    def describe(self) -> dict[str, Any]:
        return {"engine": self.name}

    def close(self) -> None:
        """Nothing to release in-process."""
