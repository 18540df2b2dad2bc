"""The `pairsmith` command, assembled: each module registers its commands on the one Typer `app`
(`cli_base`), in the order `--help` lists them: the data commands (`cli_data`), human review
(`cli_review`), then train and eval (`cli_finetune`). User errors (PairsmithError, invalid
options) print one red line and exit 1, never a traceback (`cli_base.guarded`)."""

from __future__ import annotations

import sys

from pairsmith.app import cli_data, cli_finetune, cli_review  # noqa: F401  (they register their commands)
from pairsmith.app.cli_base import app

__all__ = ["app"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
