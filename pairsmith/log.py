"""What the library has to say goes to the `pairsmith` logger, never to print: the CLI shows
it (one plain line each), a notebook or another program decides for itself."""

from __future__ import annotations

import logging
import os
import sys

logger = logging.getLogger("pairsmith")


def say(message: str) -> None:
    """A progress line for the user; under torchrun only rank 0 speaks."""
    if int(os.environ.get("RANK", "0")) == 0:
        logger.info(message)


class _CurrentStdout(logging.Handler):
    """Writes each line to whatever sys.stdout is when it is said (a test runner may swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        sys.stdout.write(self.format(record) + "\n")
        sys.stdout.flush()


def show_on_stdout() -> logging.Handler:
    """Show the library's lines, plainly, on standard output (once per process); returns the handler."""
    for handler in logger.handlers:
        if isinstance(handler, _CurrentStdout):
            return handler
    handler = _CurrentStdout()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return handler
