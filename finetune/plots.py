"""The loss curve (train and eval) from the Trainer's log history, as a PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pairsmith.io import atomic_write


def loss_points(history: list[dict[str, Any]]) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
    train = [(int(h["step"]), float(h["loss"])) for h in history if "loss" in h and "step" in h]
    evaluation = [(int(h["step"]), float(h["eval_loss"])) for h in history if "eval_loss" in h]
    return train, evaluation


def plot_loss(history: list[dict[str, Any]], path: str | Path) -> bool:
    """Write the loss curve; False when the history has no loss yet."""
    train, evaluation = loss_points(history)
    if not train and not evaluation:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5), dpi=110)
    if train:
        ax.plot(*zip(*train), label="train loss", color="#4c72b0")
    if evaluation:
        ax.plot(*zip(*evaluation), label="eval loss", color="#c44e52", marker="o")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss")
    ax.legend()
    fig.tight_layout()
    with atomic_write(path, "wb") as fh:
        fig.savefig(fh, format="png")
    plt.close(fig)
    return True
