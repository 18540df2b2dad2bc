"""A Hugging Face dataset folder (`save_to_disk`) with a dataset card: ready for `push_to_hub`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pairsmith.core.errors import ConfigError
from pairsmith.core.formats.registry import output_format
from pairsmith.core.formats.to_alpaca import alpaca_only
from pairsmith.core.io import dumps
from pairsmith.core.records import Pair


@output_format("hf", "", "Hugging Face dataset folder (save_to_disk) with a dataset card", folder=True, order=70)
def write_hf(pairs: Iterable[Pair], path: Path) -> int:
    import datasets

    from pairsmith.core.dataset_card import dataset_card

    pairs = list(pairs)
    rows = [{**alpaca_only(p), "id": p.id, "meta": dumps({k: v for k, v in p.to_dict().items()
                                                         if k not in ("id", "instruction", "input", "output")})}
            for p in pairs]
    if path.exists():
        raise ConfigError(f"{path} exists; choose a new folder for the dataset")
    tmp = path.with_name(f".{path.name}.tmp")
    datasets.Dataset.from_list(rows).save_to_disk(str(tmp))
    (tmp / "README.md").write_text(dataset_card(pairs, path.name), encoding="utf-8")
    tmp.rename(path)
    return len(rows)
