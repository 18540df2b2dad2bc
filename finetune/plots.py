"""The loss curve (train and eval) from the Trainer's log history, as a PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pairsmith.core.charts import chart


def loss_points(history: list[dict[str, Any]]) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
    train = [(int(h["step"]), float(h["loss"])) for h in history if "loss" in h and "step" in h]
    evaluation = [(int(h["step"]), float(h["eval_loss"])) for h in history if "eval_loss" in h]
    return train, evaluation


def plot_loss(history: list[dict[str, Any]], path: str | Path) -> bool:
    """Write the loss curve; False when the history has no loss yet."""
    train, evaluation = loss_points(history)
    if not train and not evaluation:
        return False
    with chart(path, "optimizer step", "loss") as ax:
        if train:
            ax.plot(*zip(*train), label="train loss", color="#4c72b0")
        if evaluation:
            ax.plot(*zip(*evaluation), label="eval loss", color="#c44e52", marker="o")
    return True
