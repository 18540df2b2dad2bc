"""Readers and writers: every format round-trips; bad input is a one-line error naming the line."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from pairsmith.core.errors import ConfigError, InputError
from pairsmith.core.formats import FORMATS, convert, load_pairs, write_pairs
from pairsmith.core.io import read_jsonl
from pairsmith.core.records import Pair
from tests.conftest import LAMINI, lamini_slice


def sample_pairs() -> list[Pair]:
    return [
        Pair(instruction="How do I install it?", output="Run `pip install pairsmith`.",
             source={"path": "docs/install.md", "headings": ["Install"], "lines": [1, 4], "chunk": "c_1"}),
        Pair(instruction="Translate to French", input="good morning", output="bonjour, \"quoted\", comma"),
        Pair(instruction="Multi\nline question?", output="Line one\nline two, with, commas"),
    ]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_round_trips(fmt: str, tmp_path: Path) -> None:
    pairs = sample_pairs()
    path = tmp_path / f"out{FORMATS[fmt].suffix or '_dir'}"
    assert write_pairs(pairs, path, fmt) == 3
    back = load_pairs(path)
    assert len(back) == 3
    for original, read in zip(pairs, back):
        if fmt in ("jsonl", "alpaca", "csv", "hf", "llamafactory"):
            assert (read.instruction, read.input, read.output) == (original.instruction, original.input, original.output)
        else:  # chat-style formats fold the input into the user turn
            expected = f"{original.instruction}\n\n{original.input}" if original.input else original.instruction
            assert (read.instruction, read.output) == (expected, original.output)
    if fmt in ("jsonl", "csv"):  # formats that carry metadata keep ids and provenance
        assert back[0].id == pairs[0].id
        assert back[0].source == pairs[0].source


def test_lamini_reader_strips_course_template() -> None:
    pairs = load_pairs(LAMINI)
    assert len(pairs) == 1400
    first = lamini_slice(1)[0]
    assert first["question"].startswith("### Question:")
    assert not pairs[0].instruction.startswith("###")
    assert not pairs[0].instruction.endswith("### Answer:")
    assert pairs[0].instruction in first["question"]
    assert pairs[0].output == first["answer"]


def test_ids_are_stable_and_content_based() -> None:
    a = Pair(instruction="Q?", output="A.", source={"path": "x.md"})
    b = Pair(instruction="Q?  ", output="A.", source={"path": "x.md"})
    c = Pair(instruction="Q?", output="A.", source={"path": "y.md"})
    assert a.id == b.id  # whitespace-only differences keep the id
    assert a.id != c.id  # another source is another pair
    assert Pair.from_dict(a.to_dict()).id == a.id


def test_alpaca_keys_stay_at_top_level() -> None:
    record = sample_pairs()[0].to_dict()
    assert list(record)[:4] == ["id", "instruction", "input", "output"]
    assert record["source"]["path"] == "docs/install.md"


def test_malformed_jsonl_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"instruction": "a", "output": "b"}\n\n{"instruction": "c", "output": \n', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.jsonl:3: not valid JSON"):
        load_pairs(path)


def test_unknown_keys_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "odd.jsonl"
    path.write_text('{"instruction": "a", "output": "b"}\n{"foo": 1}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"odd\.jsonl:2: no known keys"):
        load_pairs(path)


def test_messages_and_sharegpt_readers_take_system_turns(tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl"
    rows = [{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi?"},
                          {"role": "assistant", "content": "Hello."}]},
            {"conversations": [{"from": "human", "value": "Q?"}, {"from": "gpt", "value": "A."}]}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    first, second = load_pairs(path)
    assert (first.instruction, first.output, first.extra["system"]) == ("Hi?", "Hello.", "Be brief.")
    assert (second.instruction, second.output) == ("Q?", "A.")


def test_convert_never_overwrites_its_input(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    write_pairs(sample_pairs(), path, "jsonl")
    before = path.read_bytes()
    with pytest.raises(ConfigError, match="is the input"):
        convert(path, path, "jsonl")
    assert path.read_bytes() == before


def test_convert_lamini_to_alpaca(tmp_path: Path) -> None:
    src = tmp_path / "lamini.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in lamini_slice(20)), encoding="utf-8")
    assert convert(src, tmp_path / "alpaca.json", "alpaca") == 20
    data = json.loads((tmp_path / "alpaca.json").read_text(encoding="utf-8"))
    assert set(data[0]) == {"instruction", "input", "output"}
    assert not data[0]["instruction"].startswith("###")


def test_non_utf8_input_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes('{"instruction": "caf\xe9", "output": "x"}\n'.encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        load_pairs(path)


@pytest.mark.parametrize(("line", "key"), [
    ('{"instruction": {"nested": 1}, "output": "b"}', "'instruction' holds an object"),
    ('{"instruction": ["a", "b"], "output": "b"}', "'instruction' holds a list"),
    ('{"instruction": "a", "input": true, "output": "b"}', "'input' holds a boolean"),
    ('{"question": "a", "answer": {"text": "b"}}', "'answer' holds an object"),
    ('{"prompt": ["a"], "completion": "b"}', "'prompt' holds a list"),
    ('{"messages": [{"role": "user", "content": [{"type": "text", "text": "a"}]}]}',
     r"'messages\[0\].content' holds a list"),
    ('{"conversations": [{"from": "human", "value": false}]}', r"'conversations\[0\].value' holds a boolean"),
])
def test_values_of_the_wrong_type_name_the_line_and_key(line: str, key: str, tmp_path: Path) -> None:
    path = tmp_path / "typed.jsonl"
    path.write_text('{"instruction": "fine", "output": "ok"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf"typed\.jsonl:2: .*{key}"):
        load_pairs(path)


def test_numbers_are_text_and_null_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "loose.jsonl"
    rows = [{"instruction": 12345, "input": None, "output": 2.5}, {"question": "Q?", "answer": None}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    first, second = load_pairs(path)
    assert (first.instruction, first.input, first.output) == ("12345", "", "2.5")
    assert second.output == ""
    alpaca = tmp_path / "typed.json"
    alpaca.write_text(json.dumps([{"instruction": "a", "output": {"x": 1}}]), encoding="utf-8")
    with pytest.raises(InputError, match=r"typed\.json: item 0: .*'output' holds an object"):
        load_pairs(alpaca)


@pytest.mark.parametrize("name", ["bom.jsonl", "bom.json", "bom.csv"])
def test_a_byte_order_mark_is_accepted(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    write_pairs(sample_pairs(), path, {".jsonl": "jsonl", ".json": "alpaca", ".csv": "csv"}[path.suffix])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    back = load_pairs(path)
    assert [p.instruction for p in back] == [p.instruction for p in sample_pairs()]
    if path.suffix == ".jsonl":
        assert [r["instruction"] for r in read_jsonl(path)] == [p.instruction for p in sample_pairs()]


@pytest.mark.parametrize("fmt", ["jsonl", "alpaca", "csv"])
def test_written_files_honour_the_umask(fmt: str, tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        path = tmp_path / f"out{FORMATS[fmt].suffix}"
        write_pairs(sample_pairs(), path, fmt)
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        os.umask(0o077)
        write_pairs(sample_pairs(), path, fmt)  # replacing a file gives it the new mode too
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        os.umask(previous)


def test_exports_for_trainers(tmp_path: Path) -> None:
    """A Hugging Face folder with its dataset card, and a LLaMA-Factory folder with dataset_info.json."""
    import datasets

    from pairsmith.core.formats import convert

    pairs = [Pair(instruction=f"Question {i}?", output=f"Answer {i}.", source={"path": "docs/a.md"},
                  generator={"backend": "hf", "model": "m", "method": "structure:section"},
                  moderation={"decision": "keep", "reasons": []}) for i in range(3)]
    src = tmp_path / "curated.jsonl"
    write_pairs(pairs, src, "jsonl")
    assert convert(src, tmp_path / "hfds", "hf") == 3
    card = (tmp_path / "hfds" / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\ntask_categories:") and "| docs/a.md | 3 |" in card and "| keep | 3 |" in card
    assert datasets.load_from_disk(str(tmp_path / "hfds"))["instruction"][0] == "Question 0?"
    assert convert(src, tmp_path / "lf", "llamafactory") == 3
    info = json.loads((tmp_path / "lf" / "dataset_info.json").read_text(encoding="utf-8"))
    assert info["lf"]["columns"] == {"prompt": "instruction", "query": "input", "response": "output"}
    assert json.loads((tmp_path / "lf" / "data.json").read_text(encoding="utf-8"))[2]["output"] == "Answer 2."
