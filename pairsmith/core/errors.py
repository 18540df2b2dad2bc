"""The one exception tree of pairsmith.

    PairsmithError                 any failure the user can act on; the CLI prints one line
     ├── InputError                a file or dataset we cannot read (names the file and line)
     ├── ConfigError               bad options, unknown template / format / alias
     ├── ModelError                a model that cannot be found, loaded or converted
     ├── BackendError              a server or local backend refused a request (bad key, model)
     │    └── BackendUnavailable    still failing after every retry; re-running resumes
     └── MissingDependencyError    an optional package is not installed (names the package)

Every message says what went wrong and what to do about it.
"""

from __future__ import annotations


class PairsmithError(Exception):
    """Base class: a failure with a message meant for the user."""


class InputError(PairsmithError):
    """An input file or dataset cannot be read."""


class ConfigError(PairsmithError):
    """An option, template, format or alias is wrong."""


class ModelError(PairsmithError):
    """A model cannot be found, loaded or converted."""


class BackendError(PairsmithError):
    """A generation backend failed even after its retries."""


class BackendUnavailable(BackendError):
    """A backend kept failing through all retries; the work is left for a re-run."""


class MissingDependencyError(PairsmithError):
    """An optional package is missing; the message names the pip command."""

    def __init__(self, package: str, feature: str) -> None:
        super().__init__(f"{feature} needs the package '{package}': run `pip install {package}`")
        self.package = package
