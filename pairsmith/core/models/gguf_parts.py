"""A GGUF file carried by several packages, assembled once into the cache and checked.

The registry caps a package's size, so the teacher's 1.1 GB GGUF file ships as numbered parts
(`<stem>1` ... `<stem>N`, each with one `data/partNN.bin`). Concatenated in order they are the
hub's file byte for byte: the assembled file is checked against the hub file's sha256 before it
is used, written atomically, and reused on later runs (a stamp beside it records the check).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from pairsmith.core.errors import ModelError
from pairsmith.core.models.locations import cache_dir, package_file

if TYPE_CHECKING:  # the aliases build on these parts; the type is only named
    from pairsmith.core.models.aliases import Alias


def part_files(alias: Alias) -> list[Path] | None:
    """The alias's part files in order, or None when any part's package is not installed."""
    stem = alias.package[:-1]
    files = [package_file(f"{stem}{i}", alias.relative_path.format(index=i)) for i in range(1, alias.parts + 1)]
    return None if any(f is None for f in files) else files  # type: ignore[return-value]


def assembled_path(alias: Alias) -> Path:
    """Where the assembled file lives in the cache."""
    return cache_dir() / "models" / alias.gguf_name


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def is_assembled(alias: Alias) -> bool:
    """True when the cache holds the checked file (no hashing: the stamp and the size say so)."""
    target = assembled_path(alias)
    stamp = _stamp(target)
    return (target.is_file() and stamp.is_file() and stamp.read_text().strip() == alias.sha256
            and (not alias.size or target.stat().st_size == alias.size))


def assembled(alias: Alias) -> Path | None:
    """The assembled, checked GGUF file; None when the parts are not installed.

    Raises ModelError when the parts do not add up to the expected file (a damaged or
    mismatched install): the message says how to reinstall them."""
    if is_assembled(alias):
        return assembled_path(alias)
    files = part_files(alias)
    if files is None:
        return None
    target = assembled_path(alias)
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for file in files:
                with open(file, "rb") as part:
                    while block := part.read(8 << 20):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != alias.sha256:
            raise ModelError(f"{alias.name}: the installed parts do not add up to {alias.gguf_name} (sha256 "
                             f"{digest.hexdigest()[:12]}..., expected {alias.sha256[:12]}...); reinstall them: "
                             f"{alias.install_hint.replace('pip install', 'pip install --force-reinstall')}")
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the cache is the user's, like any download
        os.replace(tmp, target)
        _stamp(target).write_text(alias.sha256 + "\n")
    finally:
        tmp.unlink(missing_ok=True)
    return target
