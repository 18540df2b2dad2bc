"""Grounding: is an answer supported by the chunk it was generated from?

The chunk text comes from the pair's `source.text`, or from its `source.path` and `lines`
(resolved under `docs_root`). Support is the mean, over the answer's sentences, of each
sentence's best cosine similarity to a sentence (or two adjacent ones) of the chunk. With a
judge URL, an OpenAI-compatible model judges support instead, with generation's retries.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from moderation.text import sentences
from pairsmith.records import Pair
from pairsmith.text import passage_spans

JUDGE_SCHEMA = {
    "type": "object",
    "properties": {"supported": {"type": "boolean"}, "reason": {"type": "string"}},
    "required": ["supported", "reason"],
    "additionalProperties": False,
}
JUDGE_PROMPT = """Documentation:
<documentation>
{chunk}
</documentation>

Question: {question}
Answer: {answer}

Is every claim of the answer supported by the documentation above? Reply with a JSON object:
{{"supported": true or false, "reason": "one short sentence"}}"""

class ChunkSource:
    """Finds the chunk text of a pair; file reads are cached per path."""

    def __init__(self, docs_root: str | Path = ".") -> None:
        self.root = Path(docs_root)
        self._files: dict[str, list[str] | None] = {}

    def text(self, pair: Pair) -> str | None:
        source = pair.source or {}
        if isinstance(source.get("text"), str) and source["text"].strip():
            return source["text"]
        path, lines = source.get("path"), source.get("lines")
        if not path or not isinstance(lines, list) or len(lines) != 2:
            return None
        if path not in self._files:
            candidate = Path(path) if Path(path).is_absolute() else self.root / path
            try:
                self._files[path] = candidate.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                self._files[path] = None
        content = self._files[path]
        if content is None or path.endswith(".ipynb"):
            return None  # notebook line numbers count through cells, not the JSON file
        start, end = int(lines[0]), int(lines[1])
        text = "\n".join(content[max(0, start - 1) : end])
        return text if text.strip() else None

def spans(text: str) -> list[str]:
    """What an answer is matched against: the chunk's sentences, adjacent pairs and whole blocks."""
    return passage_spans(text) or [text]

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
    from alpaca_gen.backends.base import Request
    from alpaca_gen.backends.openai_backend import OpenAIBackend
    from alpaca_gen.parse import strip_think

    async def run() -> list[dict[str, Any]]:
        backend = OpenAIBackend(model, base_url=base_url, api_key=api_key, concurrency=concurrency)
        try:
            async def one(pair: Pair, chunk: str) -> dict[str, Any]:
                prompt = JUDGE_PROMPT.format(chunk=chunk, question=pair.instruction, answer=pair.output)
                reply = await backend.complete(Request([{"role": "user", "content": prompt}], max_tokens=200,
                                                       temperature=0.0, json_schema=JUDGE_SCHEMA))
                return parse_judgement(strip_think(reply.text))

            return list(await asyncio.gather(*(one(p, c) for p, c in items)))
        finally:
            await backend.aclose()

    return asyncio.run(run())

def parse_judgement(text: str) -> dict[str, Any]:
    """{"supported": bool | None, "reason": str} from a judge reply (None when unreadable)."""
    start, end = text.find("{"), text.rfind("}")
    if start >= 0 and end > start:
        try:
            data = json.loads(text[start : end + 1])
            if isinstance(data.get("supported"), bool):
                return {"supported": data["supported"], "reason": str(data.get("reason", ""))[:300]}
        except json.JSONDecodeError:
            pass
    lowered = text.strip().lower()
    if lowered.startswith(("yes", "true", "supported")):
        return {"supported": True, "reason": text.strip()[:300]}
    if lowered.startswith(("no", "false", "not supported", "unsupported")):
        return {"supported": False, "reason": text.strip()[:300]}
    return {"supported": None, "reason": text.strip()[:300]}

__all__ = ["ChunkSource", "embedding_support", "judge_support"]
