"""`python -m pairsmith ...` is the `pairsmith` command (for torchrun, accelerate and the like)."""

from pairsmith.app.cli import app

app(prog_name="pairsmith")
