"""Moderation on a Ray cluster (Ray Data), the engine NeMo Curator and datatrove also run on.

What runs where:
- the per-pair rules (rules, answer form, question form, restated answers): one `map_batches`
  over the pairs still in play, the steps' own `check` on each worker;
- embeddings: an actor pool (`embed_actors` workers, each loading the embedder once; one GPU
  each where the cluster has GPUs); small requests (a conflict check's two answers) stay on the
  driver, and every vector lands in the driver's embedding cache;
- exact duplicates: a `groupby` on the normalised text, the best-ranked member of each group kept;
- near duplicates: MinHash signatures and LSH band keys in `map_batches`, shuffled by band key
  (`groupby`), so each bucket meets on one worker and yields its candidate pairs;
- semantic duplicates and relative relevance: the row blocks of the similarity search as tasks,
  the vectors shared through the object store.

The steps still choose which member of a group is kept, walking the pairs best first on the
driver over what the cluster found, so decisions equal the local engine's on the same data.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from moderation.engines.local import BlockFn, LocalEngine
from pairsmith.core.errors import MissingDependencyError

if TYPE_CHECKING:
    from moderation.steps.base import Context, Item, PairStep


def _ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise MissingDependencyError("ray[data]", "moderate --engine ray") from None
    return ray


class _PairChecks:
    """A Ray Data batch function: the per-pair steps, in order, on a batch of pairs."""

    def __init__(self, step_names: list[str], settings: str, source_file: str | None) -> None:
        from moderation.config import ModerationConfig
        from moderation.steps import STEPS
        from moderation.steps.base import Context

        config = ModerationConfig.model_validate_json(settings)

        by_name = {type(step).__name__: step for step in STEPS}
        self.steps = [by_name[name] for name in step_names]
        self.ctx = Context(config, source_file=source_file)
        for step in self.steps:
            step.prepare(self.ctx)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        from moderation.steps.base import Item
        from pairsmith.core.records import Pair

        verdicts, checks = [], []
        for record in batch["record"]:
            item = Item(0, Pair.from_dict(json.loads(record)))
            for step in self.steps:
                if item.dropped:
                    break
                verdict = step.check(item, self.ctx)
                if verdict is not None:
                    item.mark(verdict)
            verdicts.append(json.dumps([v.to_dict() for v in item.verdicts]))
            checks.append(json.dumps(item.checks))
        return {"index": batch["index"], "verdicts": np.array(verdicts, dtype=object),
                "checks": np.array(checks, dtype=object)}


class _EmbedActor:
    """An actor of the embedding pool: loads the embedder once, embeds batches of texts."""

    def __init__(self, name: str, batch_size: int) -> None:
        from pairsmith.core.log import quiet_dependencies
        from pairsmith.core.models.embedder import Embedder

        quiet_dependencies()
        self.embedder = Embedder(name, batch_size=batch_size, cache=False)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = self.embedder.embed([str(t) for t in batch["text"]])
        return {"position": batch["position"], "vector": vectors}


def _band_rows(batch: dict[str, np.ndarray], bands: int, rows: int, num_perm: int, shingle: int) -> dict[str, np.ndarray]:
    from moderation.minhash import band_keys, signatures

    sets, found = signatures([str(t) for t in batch["text"]], num_perm, shingle)
    keys, positions = [], []
    for position, texts, signature in zip(batch["position"], sets, found):
        if texts:
            for key in band_keys(signature, bands, rows):
                keys.append(key)
                positions.append(int(position))
    return {"band": np.array(keys, dtype=object), "position": np.array(positions, dtype=np.int64)}


def _bucket_pairs(group: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    members = sorted(set(int(p) for p in group["position"]))
    left, right = [], []
    for i, a in enumerate(members):
        for b in members[i + 1:]:
            left.append(a)
            right.append(b)
    return {"a": np.array(left, dtype=np.int64), "b": np.array(right, dtype=np.int64)}


def _group_firsts(group: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    order = np.argsort(group["rank"], kind="stable")
    kept = int(group["index"][order[0]])
    others = [int(group["index"][i]) for i in order[1:]]
    return {"index": np.array(others, dtype=np.int64), "kept": np.full(len(others), kept, dtype=np.int64)}


class RayEngine(LocalEngine):
    """Runs moderation's heavy work on a Ray cluster: `address` names a running one (`auto`, or
    `ray://host:10001`); without it a local cluster is started (`num_cpus` cores) and stopped
    at the end."""

    name = "ray"

    def __init__(self, address: str | None = None, num_cpus: int | None = None, embed_actors: int | None = None,
                 batch_size: int = 512, min_remote_texts: int = 256) -> None:
        ray = _ray()
        self.started = False
        if not ray.is_initialized():
            logging.getLogger("ray").setLevel(logging.ERROR)
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                       "logging_level": logging.ERROR, "configure_logging": False}
            if address:
                options["address"] = address  # its workers need pairsmith installed, as the driver has it
            else:
                options["num_cpus"] = num_cpus or os.cpu_count() or 1
                # a local cluster's workers import pairsmith from where this process does
                root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
                options["runtime_env"] = {"env_vars": {"PYTHONPATH": os.pathsep.join(
                    p for p in (root, os.environ.get("PYTHONPATH", "")) if p)}}
            ray.init(**options)
            self.started = True
        for name in ("ray", "ray.data", "ray.util"):
            logging.getLogger(name).setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", module=r"ray(\.|$)")
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.execution_options.preserve_order = True
        context.print_on_execution_start = False
        resources = ray.cluster_resources()
        self.cpus = int(resources.get("CPU", 1))
        self.gpus = int(resources.get("GPU", 0))
        self.embed_actors = embed_actors or max(1, self.gpus or min(self.cpus, 4))
        self.batch_size = batch_size
        self.min_remote_texts = min_remote_texts
        self.stats: dict[str, Any] = {"ray_embedded": 0, "ray_pair_checks": 0, "ray_band_rows": 0,
                                      "ray_blocks": 0, "ray_exact_groups": 0}

    # --- per-pair steps ----------------------------------------------------------------

    def run_pair_steps(self, steps: Sequence[PairStep], items: list[Item], ctx: Context) -> None:
        from moderation.steps.base import alive
        from moderation.verdict import Verdict

        ray = _ray()
        live = alive(items)
        if not live:
            return
        by_index = {item.index: item for item in live}
        rows = [{"index": item.index, "record": json.dumps(item.pair.to_dict())} for item in live]
        ds = ray.data.from_items(rows, override_num_blocks=self._blocks(len(rows)))
        settings = ctx.config.model_dump_json()  # small enough to travel inline with the actor
        done = ds.map_batches(_PairChecks, fn_constructor_args=([type(s).__name__ for s in steps], settings,
                                                                ctx.source_file), batch_size=self.batch_size, batch_format="numpy",
                              compute=self._pool(min(self.cpus, self._blocks(len(rows)))), num_cpus=1)
        for row in done.iter_rows():
            item = by_index[int(row["index"])]
            for found in json.loads(row["verdicts"]):
                step, rule, decision = found.pop("step"), found.pop("rule"), found.pop("decision")
                item.mark(Verdict(step, rule, decision=decision, evidence=found))
            item.checks.update(json.loads(row["checks"]))
        self.stats["ray_pair_checks"] += len(rows)

    # --- embeddings ----------------------------------------------------------------------

    def embed(self, texts: list[str], ctx: Context) -> np.ndarray:
        """Vectors from the driver's cache, the rest from the actor pool (or the driver, for a few)."""
        embedder = ctx.local_embedder()
        missing = embedder.missing(texts) if texts else []
        if len(missing) >= self.min_remote_texts:
            embedder.add(missing, self._embed_remote(missing, ctx))
            self.stats["ray_embedded"] += len(missing)
        return embedder.embed(texts)  # now all from the cache, but a small request's few

    def _embed_remote(self, texts: list[str], ctx: Context) -> np.ndarray:
        ray = _ray()
        rows = [{"position": i, "text": t} for i, t in enumerate(texts)]
        ds = ray.data.from_items(rows, override_num_blocks=self._blocks(len(rows)))
        out = ds.map_batches(_EmbedActor, fn_constructor_args=(ctx.config.embedder, ctx.config.batch_size),
                             batch_size=self.batch_size, batch_format="numpy",
                             compute=self._pool(min(self.embed_actors, self._blocks(len(rows)))),
                             num_cpus=1 if not self.gpus else 0, num_gpus=1 if self.gpus else 0)
        vectors: list[np.ndarray | None] = [None] * len(texts)
        for batch in out.iter_batches(batch_size=4096, batch_format="numpy"):
            for position, vector in zip(batch["position"], batch["vector"]):
                vectors[int(position)] = np.asarray(vector, dtype=np.float32)
        return np.stack(vectors)  # type: ignore[arg-type]

    # --- duplicates ----------------------------------------------------------------------

    def first_of_groups(self, keys: dict[int, str], rank: dict[int, int]) -> dict[int, int]:
        ray = _ray()
        if not keys:
            return {}
        rows = [{"index": i, "key": k, "rank": rank[i]} for i, k in keys.items()]
        ds = ray.data.from_items(rows, override_num_blocks=self._blocks(len(rows)))
        found = ds.groupby("key").map_groups(_group_firsts, batch_format="numpy")
        self.stats["ray_exact_groups"] += 1
        return {int(r["index"]): int(r["kept"]) for r in found.iter_rows()}

    def band_neighbours(self, texts: list[str], threshold: float, num_perm: int, shingle: int) -> list[set[int]]:
        """Each text's band neighbours: band keys per text on the workers, shuffled by key, and
        every bucket of two or more texts turned into candidate pairs."""
        from moderation.minhash import band_layout

        ray = _ray()
        bands, rows_per_band = band_layout(threshold, num_perm)
        rows = [{"position": i, "text": t} for i, t in enumerate(texts)]
        neighbours: list[set[int]] = [set() for _ in texts]
        if not rows:
            return neighbours
        ds = ray.data.from_items(rows, override_num_blocks=self._blocks(len(rows)))
        keyed = ds.map_batches(_band_rows, fn_kwargs={"bands": bands, "rows": rows_per_band, "num_perm": num_perm,
                                                      "shingle": shingle}, batch_size=self.batch_size,
                               batch_format="numpy")
        pairs = keyed.groupby("band").map_groups(_bucket_pairs, batch_format="numpy")
        for batch in pairs.iter_batches(batch_size=65536, batch_format="numpy"):
            for a, b in zip(batch["a"].tolist(), batch["b"].tolist()):
                neighbours[a].add(b)
                neighbours[b].add(a)
        self.stats["ray_band_rows"] += len(texts) * bands
        return neighbours

    # --- similarity search ---------------------------------------------------------------

    def blockwise(self, fn: BlockFn, n: int, block: int, *arrays: Any) -> list[Any]:
        ray = _ray()
        if n == 0:
            return []
        shared = [ray.put(a) if isinstance(a, np.ndarray) else a for a in arrays]
        task = ray.remote(num_cpus=1)(fn)
        futures = [task.remote(start, min(n, start + block), *shared) for start in range(0, n, block)]
        self.stats["ray_blocks"] += len(futures)
        return ray.get(futures)

    # --- bookkeeping -----------------------------------------------------------------------

    @staticmethod
    def _pool(size: int) -> Any:
        return _ray().data.ActorPoolStrategy(size=max(1, size))

    def _blocks(self, rows: int) -> int:
        return max(1, min(self.cpus * 4, rows // max(1, self.batch_size) + 1))

    def describe(self) -> dict[str, Any]:
        return {"engine": self.name, "ray_cpus": self.cpus, "ray_gpus": self.gpus,
                "ray_embed_actors": self.embed_actors, **self.stats}

    def close(self) -> None:
        if self.started:
            _ray().shutdown()
            self.started = False
