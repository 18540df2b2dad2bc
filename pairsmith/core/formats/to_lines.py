"""One JSON object per line: pairsmith's own records, and the chat and completion shapes trainers read."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pairsmith.core.formats.readers import COURSE_A_SUFFIX, COURSE_Q_PREFIX, _prompt_text
from pairsmith.core.formats.registry import Format, register_format
from pairsmith.core.io import atomic_write, dumps
from pairsmith.core.records import Pair


def _to_messages(pair: Pair) -> dict[str, Any]:
    messages = []
    if pair.extra.get("system"):
        messages.append({"role": "system", "content": pair.extra["system"]})
    messages += [{"role": "user", "content": _prompt_text(pair)},
                 {"role": "assistant", "content": pair.output}]
    return {"id": pair.id, "messages": messages}


def _to_sharegpt(pair: Pair) -> dict[str, Any]:
    turns = []
    if pair.extra.get("system"):
        turns.append({"from": "system", "value": pair.extra["system"]})
    turns += [{"from": "human", "value": _prompt_text(pair)}, {"from": "gpt", "value": pair.output}]
    return {"id": pair.id, "conversations": turns}


def _to_lamini(pair: Pair) -> dict[str, Any]:
    question = f"{COURSE_Q_PREFIX}\n{_prompt_text(pair)}\n\n{COURSE_A_SUFFIX}"
    return {"question": question, "answer": pair.output}


def _to_prompt_completion(pair: Pair) -> dict[str, Any]:
    return {"id": pair.id, "prompt": _prompt_text(pair), "completion": pair.output}


def write_lines(mapper: Callable[[Pair], dict[str, Any]]) -> Callable[[Iterable[Pair], Path], int]:
    """A writer of one `mapper(pair)` object per line, atomically."""

    def write(pairs: Iterable[Pair], path: Path) -> int:
        count = 0
        with atomic_write(path) as fh:
            for pair in pairs:
                fh.write(dumps(mapper(pair)) + "\n")
                count += 1
        return count

    return write


for fmt in (
    Format("jsonl", ".jsonl", write_lines(Pair.to_dict), "pairsmith records (Alpaca keys + metadata)", order=0),
    Format("lamini", ".jsonl", write_lines(_to_lamini), "the course's question/answer with ### template", order=20),
    Format("prompt-completion", ".jsonl", write_lines(_to_prompt_completion), "prompt/completion", order=30),
    Format("messages", ".jsonl", write_lines(_to_messages), "OpenAI chat messages", order=40),
    Format("sharegpt", ".jsonl", write_lines(_to_sharegpt), "ShareGPT conversations", order=50),
):
    register_format(fmt)
