"""Small PNG charts for reports, drawn headless and written atomically."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pairsmith.core.io import atomic_write


@contextmanager
def chart(path: str | Path, xlabel: str, ylabel: str, size: tuple[float, float] = (7, 3.5)) -> Iterator[Any]:
    """Yield matplotlib axes; on exit add the legend and write the PNG to `path`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=size, dpi=110)
    try:
        yield ax
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.legend()
        fig.tight_layout()
        with atomic_write(path, "wb") as fh:
            fig.savefig(fh, format="png")
    finally:
        plt.close(fig)
