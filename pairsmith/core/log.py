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


_DEPENDENCIES = r"(transformers|torch|sentence_transformers|datasets|accelerate|peft|huggingface_hub|tokenizers|gguf)"


def quiet_dependencies() -> None:
    """Keep the terminal to pairsmith's own lines and one progress bar per stage: no weight-loading
    or shard-writing bars, no "missing keys ['lm_head.weight']" (SmolLM2 ties its head to the
    embeddings, so the key is absent by design), no FutureWarnings from dependencies."""
    import warnings

    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")  # "Map: 100%" per tokenised split
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    for category in (FutureWarning, DeprecationWarning, UserWarning):
        warnings.filterwarnings("ignore", category=category, module=_DEPENDENCIES)
    warnings.filterwarnings("ignore", category=FutureWarning)
    if "datasets" in sys.modules:
        sys.modules["datasets"].disable_progress_bars()
    for name in ("sentence_transformers", "datasets", "accelerate", "peft", "huggingface_hub"):
        logging.getLogger(name).setLevel(logging.ERROR)
    # transformers reads the variables above when it is first imported; one imported already is told here
    # (importing it just to quiet it would cost every command, `--help` included, a second and a half)
    if "transformers" in sys.modules:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
