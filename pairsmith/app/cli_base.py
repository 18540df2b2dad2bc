"""What every `pairsmith` command shares: the Typer app, the one-line error guard, the options'
defaults (read from the options models, never written here)."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from types import SimpleNamespace
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel

from alpaca_gen.options import GenerateOptions
from finetune.options import EvalOptions, TrainOptions
from pairsmith.core.errors import PairsmithError
from pairsmith.core.log import show_on_stdout

show_on_stdout()  # the library's progress lines, shown plainly on stdout

app = typer.Typer(help="From a folder of docs to a curated instruction dataset and a model trained on it.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

F = TypeVar("F", bound=Callable[..., Any])


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show everything the libraries underneath "
                                               "print too (weight loading, their warnings).")] = False) -> None:
    """From a folder of docs to a curated instruction dataset and a model trained on it."""
    if not verbose and not os.environ.get("PAIRSMITH_VERBOSE"):
        from pairsmith.core.log import quiet_dependencies

        quiet_dependencies()


def defaults(options: type[BaseModel]) -> SimpleNamespace:
    """The defaults of an options model: each option's default is defined there, once."""
    return SimpleNamespace(**{name: field.default for name, field in options.model_fields.items()})


GENERATE, TRAIN, EVAL = defaults(GenerateOptions), defaults(TrainOptions), defaults(EvalOptions)


def fail(message: str, code: int = 1) -> None:
    """Print one red error line and exit."""
    typer.secho(f"error: {message}", fg="red", err=True)
    raise typer.Exit(code)


def echo_headline(rows: list[dict[str, Any]]) -> None:
    """The evaluation's headline table, one metric per line."""
    for row in rows:
        typer.echo(f"{row['model']:8} {row['metric']:22} base {row['base']:.4f}  tuned {row['tuned']:.4f}  "
                   f"delta {row['delta']:+.4f}  95% CI [{row['ci_low']:+.4f}, {row['ci_high']:+.4f}]")


def guarded(fn: F) -> F:
    """Turn library errors into one line on stderr and exit code 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from pydantic import ValidationError

        try:
            return fn(*args, **kwargs)
        except PairsmithError as exc:
            fail(str(exc))
        except ValidationError as exc:
            first = exc.errors()[0]
            fail(f"--{str(first['loc'][0]).replace('_', '-')}: {first['msg']}")
        except KeyboardInterrupt:
            fail("interrupted; run the same command again to resume", 130)
        except OSError as exc:  # a path of the user's that the guard could not foresee (disk full, ...)
            where = f"{exc.filename}: " if exc.filename else ""
            fail(f"{where}{exc.strerror or exc}")

    return wrapper  # type: ignore[return-value]
