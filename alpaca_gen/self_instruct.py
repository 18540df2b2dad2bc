"""Alpaca's self-instruct pieces: seed tasks, the example block, and its filtering rules.

The rules are Stanford Alpaca's (instruction length, blacklisted keywords, "Write a program",
leading punctuation or non-ASCII); a pair they drop goes to the rejects file with the rule.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

from pairsmith.core.errors import InputError
from pairsmith.core.io import read_jsonl

ALPACA_BLACKLIST = ("image", "images", "graph", "graphs", "picture", "pictures", "file", "files",
                    "map", "maps", "draw", "plot", "go to", "video", "audio", "music",
                    "flowchart", "diagram")


def load_seed_tasks(path: str | Path) -> list[dict[str, Any]]:
    """Seed tasks in Alpaca's format: {instruction, instances: [{input, output}], ...}."""
    tasks = []
    for record in read_jsonl(path):
        instances = record.get("instances") or [{}]
        if "instruction" not in record or not isinstance(instances, list):
            raise InputError(f"{path}: seed task {record.get('id', '?')} needs 'instruction' and 'instances'")
        tasks.append({"instruction": record["instruction"],
                      "input": instances[0].get("input", ""), "output": instances[0].get("output", "")})
    if not tasks:
        raise InputError(f"{path}: no seed tasks")
    return tasks


def seed_examples(tasks: list[dict[str, Any]], k: int, rng: random.Random) -> str:
    """k sampled seed tasks as a numbered block for the prompt."""
    lines = []
    for index, task in enumerate(rng.sample(tasks, min(k, len(tasks))), start=1):
        lines.append(f"{index}. Instruction: {task['instruction']}\n"
                     f"{index}. Input: {task['input'] or '<noinput>'}\n"
                     f"{index}. Output: {task['output']}")
    return "\n###\n".join(lines)


def alpaca_rule_violation(instruction: str, blacklist: tuple[str, ...] = ALPACA_BLACKLIST) -> str | None:
    """The Alpaca rule an instruction breaks, or None."""
    words = instruction.split()
    if len(words) <= 3:
        return "alpaca_rule:too_short"
    if len(words) > 150:
        return "alpaca_rule:too_long"
    for word in blacklist:
        if re.search(rf"\b{re.escape(word)}\b", instruction, re.I):
            return f"alpaca_rule:keyword:{word}"
    if instruction.startswith("Write a program"):
        return "alpaca_rule:write_a_program"
    if instruction[0] in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~":
        return "alpaca_rule:starts_with_punctuation"
    if not instruction[0].isascii():
        return "alpaca_rule:starts_non_ascii"
    return None
