"""Readers and writers for the dataset formats users bring and expect back.

Every reader yields `Pair`s; every writer writes atomically. Formats register in `FORMATS`,
so adding one is adding a `Format` here. A record we cannot map is an InputError that names
the file and line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pairsmith.core.errors import ConfigError, InputError, MissingDependencyError
from pairsmith.core.io import atomic_write, dumps, read_jsonl
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


# --- writers -----------------------------------------------------------------------------


def _alpaca_only(pair: Pair) -> dict[str, Any]:
    return {"instruction": pair.instruction, "input": pair.input, "output": pair.output}


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


def _write_lines(mapper: Callable[[Pair], dict[str, Any]]) -> Callable[[Iterable[Pair], Path], int]:
    def write(pairs: Iterable[Pair], path: Path) -> int:
        count = 0
        with atomic_write(path) as fh:
            for pair in pairs:
                fh.write(dumps(mapper(pair)) + "\n")
                count += 1
        return count

    return write


def _write_alpaca(pairs: Iterable[Pair], path: Path) -> int:
    rows = [_alpaca_only(p) for p in pairs]
    with atomic_write(path) as fh:
        json.dump(rows, fh, ensure_ascii=False, indent=2)
    return len(rows)


def _write_csv(pairs: Iterable[Pair], path: Path) -> int:
    import pandas as pd

    rows = []
    for pair in pairs:
        row = pair.to_dict()
        for key in ("source", "generator", "moderation", "review"):
            row[key] = dumps(row[key]) if key in row else ""
        rows.append({k: v for k, v in row.items() if not isinstance(v, (dict, list))})
    columns = ["id", "instruction", "input", "output", "source", "generator", "moderation", "review"]
    frame = pd.DataFrame(rows, columns=columns)
    with atomic_write(path) as fh:
        frame.to_csv(fh, index=False)
    return len(rows)


def _write_hf(pairs: Iterable[Pair], path: Path) -> int:
    """A `save_to_disk` folder with a dataset card (README.md): ready for `push_to_hub`."""
    import datasets

    from pairsmith.core.dataset_card import dataset_card

    pairs = list(pairs)
    rows = [{**_alpaca_only(p), "id": p.id, "meta": dumps({k: v for k, v in p.to_dict().items()
                                                          if k not in ("id", "instruction", "input", "output")})}
            for p in pairs]
    if path.exists():
        raise ConfigError(f"{path} exists; choose a new folder for the dataset")
    tmp = path.with_name(f".{path.name}.tmp")
    datasets.Dataset.from_list(rows).save_to_disk(str(tmp))
    (tmp / "README.md").write_text(dataset_card(pairs, path.name), encoding="utf-8")
    tmp.rename(path)
    return len(rows)


def _write_llamafactory(pairs: Iterable[Pair], path: Path) -> int:
    """A folder LLaMA-Factory reads: `data.json` (Alpaca) and its `dataset_info.json` entry."""
    if path.exists():
        raise ConfigError(f"{path} exists; choose a new folder for the dataset")
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.mkdir(parents=True)
    count = _write_alpaca(pairs, tmp / "data.json")
    info = {path.name: {"file_name": "data.json", "formatting": "alpaca",
                        "columns": {"prompt": "instruction", "query": "input", "response": "output"}}}
    (tmp / "dataset_info.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    tmp.rename(path)
    return count


@dataclass(frozen=True)
class Format:
    """A named output format and the file suffix it implies."""

    name: str
    suffix: str
    write: Callable[[Iterable[Pair], Path], int]
    description: str


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("jsonl", ".jsonl", _write_lines(Pair.to_dict), "pairsmith records (Alpaca keys + metadata)"),
        Format("alpaca", ".json", _write_alpaca, "Alpaca JSON array of instruction/input/output"),
        Format("lamini", ".jsonl", _write_lines(_to_lamini), "the course's question/answer with ### template"),
        Format("prompt-completion", ".jsonl", _write_lines(_to_prompt_completion), "prompt/completion"),
        Format("messages", ".jsonl", _write_lines(_to_messages), "OpenAI chat messages"),
        Format("sharegpt", ".jsonl", _write_lines(_to_sharegpt), "ShareGPT conversations"),
        Format("csv", ".csv", _write_csv, "CSV with one column per field"),
        Format("hf", "", _write_hf, "Hugging Face dataset folder (save_to_disk) with a dataset card"),
        Format("llamafactory", "", _write_llamafactory, "LLaMA-Factory folder: data.json + dataset_info.json"),
    )
}


def write_pairs(pairs: Iterable[Pair], path: str | Path, fmt: str) -> int:
    """Write pairs in a named format, atomically; returns the count."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown format '{fmt}'; choose one of: {', '.join(FORMATS)}")
    return FORMATS[fmt].write(pairs, Path(path))


FOLDER_FORMATS = ("hf", "llamafactory")


def convert(src: str | Path, dst: str | Path, fmt: str) -> int:
    """Read any supported input and write it in `fmt`; never overwrites the input."""
    from pairsmith.core.outputs import Output, claim_outputs

    target = Output.folder(dst, "DST") if fmt in FOLDER_FORMATS else Output.file(dst, "DST")
    with claim_outputs({"SRC": src}, [target]):
        return write_pairs(load_pairs(src), Path(dst), fmt)


__all__ = ["FORMATS", "convert", "load_pairs", "read_jsonl", "read_pairs", "record_to_pair", "write_pairs"]
