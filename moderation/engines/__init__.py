"""Where moderation's heavy work runs. The steps decide; an engine computes what they decide on:
embeddings, the per-pair rules, exact-duplicate groups, MinHash band neighbours and blockwise
similarity. `local` runs in this process; `ray` runs the same computations on a Ray cluster.
Keeper choice stays with the steps (best first, in one deterministic order), so both engines
make the same decisions on the same data."""

from __future__ import annotations

from moderation.engines.local import LocalEngine


def make_engine(name: str = "local", address: str | None = None, **options: object) -> LocalEngine:
    """The engine called `name`: `local` (default) or `ray` (`address`: a running cluster)."""
    if name == "local":
        return LocalEngine()
    if name == "ray":
        from moderation.engines.ray import RayEngine

        return RayEngine(address=address, **options)  # type: ignore[arg-type]
    from pairsmith.core.errors import ConfigError

    raise ConfigError(f"unknown moderation engine '{name}'; use 'local' or 'ray'")


__all__ = ["LocalEngine", "make_engine"]
