"""Reading pairs from the dataset formats users bring: Alpaca JSON/JSONL, Lamini question/answer,
prompt/completion, messages, ShareGPT, CSV, LLaMA-Factory folders and Hugging Face datasets. A
record's shape is told by its keys; a record we cannot map is an InputError naming file and line."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pairsmith.core.errors import InputError, MissingDependencyError
from pairsmith.core.records import Pair, as_text

COURSE_Q_PREFIX = "### Question:"
COURSE_A_SUFFIX = "### Answer:"


def strip_course_template(question: str) -> str:
    """Remove the course's `### Question:` / `### Answer:` wrapper from a question."""
    text = question.strip()
    if text.startswith(COURSE_Q_PREFIX):
        text = text[len(COURSE_Q_PREFIX) :]
    if text.endswith(COURSE_A_SUFFIX):
        text = text[: -len(COURSE_A_SUFFIX)]
    return text.strip()


def _prompt_text(pair: Pair) -> str:
    return f"{pair.instruction}\n\n{pair.input}" if pair.input else pair.instruction


def _meta(obj: dict[str, Any], used: set[str]) -> dict[str, Any]:
    keep = {"id", "source", "generator", "moderation", "review"}
    return {k: v for k, v in obj.items() if k in keep or k not in used}


# --- record shapes: one function per shape, chosen by the keys a record has -------------


def _from_alpaca(obj: dict[str, Any]) -> Pair:
    return Pair.from_dict(obj)


def _from_lamini(obj: dict[str, Any]) -> Pair:
    rest = _meta(obj, {"question", "answer"})
    return Pair.from_dict(
        {**rest, "instruction": strip_course_template(as_text(obj["question"], "question")),
         "output": as_text(obj["answer"], "answer")}
    )


def _from_prompt_completion(obj: dict[str, Any]) -> Pair:
    rest = _meta(obj, {"prompt", "completion"})
    return Pair.from_dict({**rest, "instruction": as_text(obj["prompt"], "prompt"),
                           "output": as_text(obj["completion"], "completion")})


def _from_turns(turns: Any, list_key: str, role_key: str, text_key: str) -> tuple[str, str, str]:
    if not isinstance(turns, list):
        raise ValueError(f"'{list_key}' holds {type(turns).__name__}, expected a list of turns")
    system = user = assistant = ""
    for index, turn in enumerate(turns):
        if not isinstance(turn, dict):
            raise ValueError(f"'{list_key}[{index}]' holds {type(turn).__name__}, expected an object")
        role = as_text(turn.get(role_key), f"{list_key}[{index}].{role_key}")
        text = as_text(turn.get(text_key), f"{list_key}[{index}].{text_key}")
        if role == "system":
            system = text
        elif role in ("user", "human") and not user:
            user = text
        elif role in ("assistant", "gpt") and user and not assistant:
            assistant = text
    if not user:
        raise ValueError("conversation has no user turn")
    return system, user, assistant


def _from_messages(obj: dict[str, Any]) -> Pair:
    system, user, assistant = _from_turns(obj["messages"], "messages", "role", "content")
    rest = _meta(obj, {"messages"})
    return Pair.from_dict({**rest, "instruction": user, "input": "", "output": assistant,
                           **({"system": system} if system else {})})


def _from_sharegpt(obj: dict[str, Any]) -> Pair:
    system, user, assistant = _from_turns(obj["conversations"], "conversations", "from", "value")
    rest = _meta(obj, {"conversations"})
    return Pair.from_dict({**rest, "instruction": user, "output": assistant,
                           **({"system": system} if system else {})})


SHAPES: list[tuple[str, tuple[str, ...], Callable[[dict[str, Any]], Pair]]] = [
    ("alpaca", ("instruction", "output"), _from_alpaca),
    ("lamini", ("question", "answer"), _from_lamini),
    ("prompt-completion", ("prompt", "completion"), _from_prompt_completion),
    ("messages", ("messages",), _from_messages),
    ("sharegpt", ("conversations",), _from_sharegpt),
]


def record_to_pair(obj: Any, where: str) -> Pair:
    """Map one record of any known shape to a Pair; `where` names file and line for errors."""
    if not isinstance(obj, dict):
        raise InputError(f"{where}: expected a JSON object, found {type(obj).__name__}")
    for _name, keys, build in SHAPES:
        if all(k in obj for k in keys):
            try:
                return build(obj)
            except (TypeError, ValueError, AttributeError) as exc:
                raise InputError(f"{where}: malformed record ({exc})") from None
    known = "; ".join("/".join(keys) for _, keys, _ in SHAPES)
    raise InputError(f"{where}: no known keys in {sorted(obj)[:6]} (expected one of: {known})")


# --- readers -----------------------------------------------------------------------------


def _read_json_lines(path: Path) -> Iterator[Pair]:
    for lineno, obj in _numbered_jsonl(path):
        yield record_to_pair(obj, f"{path}:{lineno}")


def _numbered_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    # Count lines ourselves (blank ones too) so errors name the line an editor shows.
    # utf-8-sig: a byte-order mark (Windows editors, Excel) is skipped, not a JSON error.
    with open(path, encoding="utf-8-sig", errors="strict") as fh:
        for lineno, line in enumerate(fh, start=1):
            if line.strip():
                yield lineno, _parse_line(line, path, lineno)


def _parse_line(line: str, path: Path, lineno: int) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None


def _read_json(path: Path) -> Iterator[Pair]:
    text = path.read_text(encoding="utf-8-sig")
    stripped = text.lstrip()
    if not stripped.startswith("["):
        # One object per line saved as .json is common; treat it as JSONL.
        yield from _read_json_lines(path)
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    for index, obj in enumerate(data):
        yield record_to_pair(obj, f"{path}: item {index}")


def _read_csv(path: Path) -> Iterator[Pair]:
    import pandas as pd

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read CSV ({exc})") from None
    for row_number, row in enumerate(frame.to_dict("records"), start=2):
        for key in ("source", "generator", "moderation", "review"):
            if row.get(key):
                row[key] = _parse_line(row[key], path, row_number)
            else:
                row.pop(key, None)
        yield record_to_pair(row, f"{path}:{row_number}")


def _read_hf(spec: str) -> Iterator[Pair]:
    try:
        import datasets
    except ImportError:  # pragma: no cover - datasets is a core dependency
        raise MissingDependencyError("datasets", "reading Hugging Face datasets") from None
    path = Path(spec)
    try:
        if path.is_dir():
            data = datasets.load_from_disk(str(path))
        else:
            data = datasets.load_dataset(spec)
    except FileNotFoundError as exc:
        raise InputError(f"{spec}: not a saved dataset folder or reachable hub dataset ({exc})") from None
    except Exception as exc:  # hub failures come in many types; say what happened
        raise InputError(f"{spec}: cannot load dataset ({type(exc).__name__}: {exc})") from None
    if isinstance(data, datasets.DatasetDict):
        split = "train" if "train" in data else next(iter(data))
        data = data[split]
    for index, row in enumerate(data):
        yield record_to_pair(dict(row), f"{spec}: row {index}")


def read_pairs(spec: str | Path) -> Iterator[Pair]:
    """Read pairs from a file, a saved Hugging Face dataset folder or a hub dataset name."""
    path = Path(spec)
    if path.is_dir() and (path / "dataset_info.json").is_file() and (path / "data.json").is_file():
        return _read_json(path / "data.json")  # a LLaMA-Factory folder
    if path.is_dir():
        return _read_hf(str(path))
    if not path.exists():
        if "/" in str(spec) and not str(spec).startswith((".", "/")) and path.suffix == "":
            return _read_hf(str(spec))
        raise InputError(f"{spec}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return _read_csv(path)
        if suffix == ".json":
            return _read_json(path)
        return _read_json_lines(path)
    except UnicodeDecodeError:
        raise InputError(f"{spec}: not UTF-8 text") from None


def load_pairs(spec: str | Path) -> list[Pair]:
    """Read every pair into a list (convenience for small datasets and tests)."""
    try:
        return list(read_pairs(spec))
    except UnicodeDecodeError:
        raise InputError(f"{spec}: not UTF-8 text") from None
