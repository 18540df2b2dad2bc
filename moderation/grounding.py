"""Grounding: is an answer supported by the chunk it was generated from?

The chunk text comes from the pair's `source.text`, or from its `source.path` and `lines`
(resolved under `docs_root`). Support is the mean, over the answer's sentences, of each
sentence's best cosine similarity to a sentence (or two adjacent ones) of the chunk. With a
judge URL, an OpenAI-compatible model judges support instead, with generation's retries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from pairsmith.core.judge import ask, reply_object
from pairsmith.core.records import Pair
from pairsmith.core.textmetrics import passage_spans, sentences

JUDGE_SCHEMA = {
    "type": "object",
    "properties": {"supported": {"type": "boolean"}, "reason": {"type": "string"}},
    "required": ["supported", "reason"],
    "additionalProperties": False,
}

class ChunkSource:
    """Finds the chunk text of a pair; file reads are cached per path.

    A relative source path is looked up under each root in turn (`docs_root`, then the folder
    of the pairs file and its parents), so moderation finds the docs from another working
    folder too. Paths found under none are kept in `missing`, for the report.
    """

    def __init__(self, docs_root: str | Path = ".", near: str | Path | None = None) -> None:
        self.roots = [Path(docs_root)]
        if near is not None:
            folder = Path(near).resolve().parent
            self.roots += [folder, *folder.parents]
        self._files: dict[str, list[str] | None] = {}
        self.missing: list[str] = []

    def _read(self, path: str) -> list[str] | None:
        candidates = [Path(path)] if Path(path).is_absolute() else [root / path for root in self.roots]
        for candidate in candidates:
            try:
                return candidate.read_text(encoding="utf-8").splitlines()
            except FileNotFoundError:
                continue
            except (OSError, UnicodeDecodeError):
                return None
        self.missing.append(path)
        return None

    def text(self, pair: Pair) -> str | None:
        source = pair.source or {}
        if isinstance(source.get("text"), str) and source["text"].strip():
            return source["text"]
        path, lines = source.get("path"), source.get("lines")
        if not path or not isinstance(lines, list) or len(lines) != 2:
            return None
        if path not in self._files:
            self._files[path] = self._read(path)
        content = self._files[path]
        if content is None or path.endswith(".ipynb"):
            return None  # notebook line numbers count through cells, not the JSON file
        start, end = int(lines[0]), int(lines[1])
        text = "\n".join(content[max(0, start - 1) : end])
        return text if text.strip() else None


def spans(text: str) -> list[str]:
    """What an answer is matched against: the chunk's sentences, adjacent pairs and whole blocks,
    and each table row and list item on its own (an answer read off one row is matched to it)."""
    parts = [line.strip().strip("|").strip() for line in text.splitlines()
             if line.strip().startswith(("|", "- ", "* ", "+ ")) and not re.match(r"^\s*\|?[\s:|-]+\|?\s*$", line)]
    return list(dict.fromkeys((passage_spans(text) or [text]) + [p for p in parts if len(p.split()) >= 3]))


def paragraph_of(sentence: str, text: str) -> str:
    """The paragraph of `text` that holds `sentence` (empty when it is not found)."""
    head = " ".join(sentence.split()[:6])
    for para in re.split(r"\n\s*\n", text):
        if head and head in " ".join(para.split()):
            return para
    return ""


def embedding_support(embed: Callable[[list[str]], np.ndarray], answers: list[str], chunks: list[str]) -> list[float]:
    """Support score in [-1, 1] for each (answer, chunk) pair; `embed` gives normalised vectors."""
    scores = []
    for answer, chunk in zip(answers, chunks):
        answer_parts = sentences(answer) or [answer]
        vectors = embed(answer_parts + spans(chunk))
        a, c = vectors[: len(answer_parts)], vectors[len(answer_parts) :]
        scores.append(float((a @ c.T).max(axis=1).mean()))
    return scores


def judge_support(base_url: str, model: str, api_key: str | None, items: list[tuple[Pair, str]],
                  concurrency: int = 8) -> list[dict[str, Any]]:
    """Ask an OpenAI-compatible judge whether each answer is supported by its chunk."""
    values = [{"chunk": chunk, "question": pair.instruction, "answer": pair.output} for pair, chunk in items]
    replies = ask(base_url, model, api_key, "grounding_judge", values, JUDGE_SCHEMA, concurrency=concurrency)
    return [parse_judgement(reply) for reply in replies]


def parse_judgement(text: str) -> dict[str, Any]:
    """{"supported": bool | None, "reason": str} from a judge reply (None when unreadable)."""
    data = reply_object(text)
    if data is not None and isinstance(data.get("supported"), bool):
        return {"supported": data["supported"], "reason": str(data.get("reason", ""))[:300]}
    lowered = text.strip().lower()
    if lowered.startswith(("yes", "true", "supported")):
        return {"supported": True, "reason": text.strip()[:300]}
    if lowered.startswith(("no", "false", "not supported", "unsupported")):
        return {"supported": False, "reason": text.strip()[:300]}
    return {"supported": None, "reason": text.strip()[:300]}

__all__ = ["ChunkSource", "embedding_support", "judge_support"]
