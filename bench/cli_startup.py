"""Benchmark: how long `pairsmith --help` and `pairsmith models` take to start, now against an
earlier commit (default 1aefa50, before the options moved out of the torch-importing modules),
side by side in one run: each command in a fresh interpreter, alternating, median of N runs.

    .venv/bin/python bench/cli_startup.py [--baseline REF] [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(cmd: list[str], tree: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=tree, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin",
                                              "HOME": str(Path.home())}, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed in {tree}:\n{done.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", default="1aefa50")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "baseline"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(old), args.baseline], cwd=ROOT, check=True)
        try:
            # the baseline's CLI module is pairsmith.cli; ours is reached through `python -m pairsmith`
            faces = {"baseline": (old, [sys.executable, "-m", "pairsmith.cli"]),
                     "pairsmith": (ROOT, [sys.executable, "-m", "pairsmith"])}
            for command in (["--help"], ["models"]):
                times: dict[str, list[float]] = {name: [] for name in faces}
                for _ in range(args.runs):
                    for name, (tree, cmd) in faces.items():
                        times[name].append(timed(cmd + command, tree))
                base, ours = (statistics.median(times[n]) for n in ("baseline", "pairsmith"))
                print(f"pairsmith {' '.join(command):7}  baseline {base:.2f} s   now {ours:.2f} s   "
                      f"{base / ours:.1f}x faster   (median of {args.runs})")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, check=False)


if __name__ == "__main__":
    main()
