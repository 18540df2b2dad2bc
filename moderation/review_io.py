"""Review outside pairsmith: export pairs that need a human to CSV, Argilla records and Label
Studio tasks; read the decisions back from each (approve, reject, edit), keyed by pair id."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moderation.review_store import append_decisions, apply_to_pairs, decision_record, normalise_status
from pairsmith.core.errors import ConfigError, InputError
from pairsmith.core.formats import load_pairs
from pairsmith.core.io import atomic_write
from pairsmith.core.outputs import Output, claim_outputs, rejects_beside
from pairsmith.core.records import Pair

EXPORT_FILES = {"csv": ("review.csv",), "argilla": ("argilla_records.json", "argilla_settings.json"),
                "labelstudio": ("labelstudio_tasks.json", "labelstudio_config.xml")}
EXPORT_FORMATS = tuple(EXPORT_FILES)
CSV_COLUMNS = ["id", "instruction", "input", "output", "reasons", "decision", "edited_instruction",
               "edited_output", "note", "reviewer"]

LABEL_STUDIO_CONFIG = """<View>
  <Header value="Instruction"/>
  <Text name="instruction" value="$instruction"/>
  <Text name="input" value="$input"/>
  <Header value="Output"/>
  <Text name="output" value="$output"/>
  <Header value="Why it needs review"/>
  <Text name="reasons" value="$reasons"/>
  <Choices name="decision" toName="output" choice="single" required="true">
    <Choice value="approve"/>
    <Choice value="reject"/>
    <Choice value="edit"/>
  </Choices>
  <TextArea name="edited_instruction" toName="instruction" placeholder="corrected instruction (edit only)"/>
  <TextArea name="edited_output" toName="output" placeholder="corrected output (edit only)"/>
</View>
"""

ARGILLA_SETTINGS = {
    "guidelines": "Approve pairs that are correct and useful, reject the others, or edit them into shape.",
    "fields": [{"name": "instruction", "type": "text"}, {"name": "input", "type": "text", "required": False},
               {"name": "output", "type": "text"}],
    "questions": [
        {"name": "decision", "type": "label_selection", "labels": ["approve", "reject", "edit"], "required": True},
        {"name": "edited_instruction", "type": "text", "required": False},
        {"name": "edited_output", "type": "text", "required": False},
    ],
    "metadata": [{"name": "reasons", "type": "terms"}],
}


def needs_review(pair: Pair) -> bool:
    return (pair.moderation or {}).get("decision") == "review" and not pair.review


def _reasons(pair: Pair) -> str:
    return "; ".join((pair.moderation or {}).get("reasons", []))


def export_review(pairs: Iterable[Pair] | str | Path, folder: str | Path, formats: Iterable[str] = EXPORT_FORMATS,
                  everything: bool = False) -> dict[str, Path]:
    """Write the pairs that need a human (or all, with `everything`) in each format; `pairs` is a
    list or a file of pairs (then checked, like every output, against the files written)."""
    formats = list(formats)
    for fmt in formats:
        if fmt not in EXPORT_FORMATS:
            raise ConfigError(f"unknown review format '{fmt}'; choose from {', '.join(EXPORT_FORMATS)}")
    source = pairs if isinstance(pairs, (str, Path)) else None
    inside = [name for fmt in formats for name in EXPORT_FILES[fmt]]
    with claim_outputs({"the input": source}, [Output.folder(folder, "--out", inside)]):
        return _export(load_pairs(source) if source is not None else pairs, Path(folder), formats, everything)


def _export(pairs: Iterable[Pair], folder: Path, formats: list[str], everything: bool) -> dict[str, Path]:
    import pandas as pd

    chosen = [p for p in pairs if everything or needs_review(p)]
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for fmt in formats:
        if fmt == "csv":
            rows = [{"id": p.id, "instruction": p.instruction, "input": p.input, "output": p.output,
                     "reasons": _reasons(p)} for p in chosen]
            path = folder / "review.csv"
            with atomic_write(path) as fh:
                pd.DataFrame(rows, columns=CSV_COLUMNS).to_csv(fh, index=False)
            written["csv"] = path
        elif fmt == "argilla":
            records = [{"id": p.id, "fields": {"instruction": p.instruction, "input": p.input, "output": p.output},
                        "metadata": {"reasons": (p.moderation or {}).get("reasons", [])}} for p in chosen]
            path = folder / "argilla_records.json"
            with atomic_write(path) as fh:
                json.dump(records, fh, ensure_ascii=False, indent=1)
            with atomic_write(folder / "argilla_settings.json") as fh:
                json.dump(ARGILLA_SETTINGS, fh, indent=1)
            written["argilla"] = path
        else:
            tasks = [{"data": {"pair_id": p.id, "instruction": p.instruction, "input": p.input, "output": p.output,
                               "reasons": _reasons(p)}} for p in chosen]
            path = folder / "labelstudio_tasks.json"
            with atomic_write(path) as fh:
                json.dump(tasks, fh, ensure_ascii=False, indent=1)
            with atomic_write(folder / "labelstudio_config.xml") as fh:
                fh.write(LABEL_STUDIO_CONFIG)
            written["labelstudio"] = path
    return written


def _decision(pair_id: str, status_word: Any, instruction: Any, output: Any, by: Any, note: Any, tool: str,
              where: str) -> dict[str, Any] | None:
    if not pair_id:
        raise InputError(f"{where}: a decision without a pair id")
    status = normalise_status(str(status_word or ""))
    edited_instruction = str(instruction).strip() if instruction not in (None, "") else None
    edited_output = str(output).strip() if output not in (None, "") else None
    if status is None and not (edited_instruction or edited_output):
        if status_word:
            raise InputError(f"{where}: decision '{status_word}' is not one of approve, reject, edit")
        return None  # not reviewed yet
    if edited_instruction or edited_output:
        status = "edited" if status != "rejected" else status
    return decision_record(pair_id, status or "edited", by=str(by or ""), instruction=edited_instruction,
                           output=edited_output, note=str(note or ""), tool=tool)


def _from_csv(path: Path) -> list[dict[str, Any]]:
    import pandas as pd

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file is empty; fill the review CSV that `pairsmith review export` wrote") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start}); save the CSV as UTF-8 and import again") from None
    except pd.errors.ParserError as exc:
        raise InputError(f"{path}: not a readable CSV ({str(exc).strip()})") from None
    if "id" not in frame.columns or "decision" not in frame.columns:
        raise InputError(f"{path}: a review CSV needs the columns id and decision")
    out = []
    for line, row in enumerate(frame.to_dict("records"), start=2):
        found = _decision(row["id"], row.get("decision"), row.get("edited_instruction"), row.get("edited_output"),
                          row.get("reviewer"), row.get("note"), "csv", f"{path}:{line}")
        if found:
            out.append(found)
    return out


def _label_studio_value(result: list[dict[str, Any]], name: str) -> Any:
    for entry in result:
        if entry.get("from_name") == name:
            value = entry.get("value", {})
            for key in ("choices", "text"):
                if value.get(key):
                    return value[key][0]
    return None


def _from_label_studio(tasks: list[dict[str, Any]], path: Path) -> list[dict[str, Any]]:
    out = []
    for index, task in enumerate(tasks):
        annotations = [a for a in task.get("annotations", []) if not a.get("was_cancelled")]
        if not annotations:
            continue
        result = annotations[-1].get("result", [])
        by = annotations[-1].get("completed_by")
        by = by.get("email", "") if isinstance(by, dict) else by
        found = _decision(task.get("data", {}).get("pair_id", ""), _label_studio_value(result, "decision"),
                          _label_studio_value(result, "edited_instruction"), _label_studio_value(result, "edited_output"),
                          by, "", "labelstudio", f"{path}: task {index}")
        if found:
            out.append(found)
    return out


def _argilla_response(record: dict[str, Any], name: str) -> tuple[Any, Any]:
    responses = record.get("responses") or {}
    if isinstance(responses, dict) and responses.get(name):
        first = responses[name][-1]
        return first.get("value"), first.get("user_id")
    flat = record.get(f"{name}.responses")
    if flat:
        return flat[-1], (record.get(f"{name}.responses.users") or [None])[-1]
    return None, None


def _from_argilla(records: list[dict[str, Any]], path: Path) -> list[dict[str, Any]]:
    out = []
    for index, record in enumerate(records):
        status, by = _argilla_response(record, "decision")
        instruction, _ = _argilla_response(record, "edited_instruction")
        output, _ = _argilla_response(record, "edited_output")
        found = _decision(str(record.get("id", "")), status, instruction, output, by, "", "argilla",
                          f"{path}: record {index}")
        if found:
            out.append(found)
    return out


def read_decisions(path: str | Path) -> list[dict[str, Any]]:
    """Decisions from a filled review CSV, a Label Studio export or an Argilla export."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.suffix.lower() == ".csv":
        return _from_csv(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = json.loads(text) if path.suffix.lower() == ".json" else [json.loads(l) for l in text.splitlines() if l.strip()]
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start}); export it again as UTF-8") from None
    if isinstance(data, dict):
        data = data.get("records") or data.get("tasks") or [data]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise InputError(f"{path}: expected a list of Label Studio tasks or Argilla records")
    if any("annotations" in r for r in data):
        return _from_label_studio(data, path)
    return _from_argilla(data, path)


@dataclass
class ImportResult:
    """What `review import` did: decisions read, ids not in the data, and the applied counts."""

    decisions: int
    store: Path
    unknown_ids: list[str]
    counts: dict[str, int]


def import_review(decision_files: Iterable[str | Path], data: str | Path, out: str | Path,
                  rejects: str | Path | None = None, store: str | Path | None = None) -> ImportResult:
    """Read filled review files, append their decisions to the store (default reviews.jsonl beside
    DATA) and write DATA with every stored decision applied to OUT (rejected pairs to REJECTS)."""
    decision_files = [Path(p) for p in decision_files]
    data, out = Path(data), Path(out)
    rejects = Path(rejects) if rejects else rejects_beside(out)
    store = Path(store) if store else data.with_name("reviews.jsonl")
    outputs = [Output.file(out, "--out"), Output.file(rejects, "--rejects"), Output.file(store, "--reviews")]
    with claim_outputs({"the decisions": decision_files, "--data": data}, outputs):
        found = [d for path in decision_files for d in read_decisions(path)]
        pairs = load_pairs(data)
        known = {p.id for p in pairs}
        unknown = list(dict.fromkeys(d["id"] for d in found if d["id"] not in known))
        append_decisions(store, found)
        counts = apply_to_pairs(pairs, store, out, rejects)
    return ImportResult(len(found), store, unknown, counts)
