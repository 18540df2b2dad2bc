"""The default strategy, for every model: one request per section, the model writes the pairs.

The section reaches the model as its reader sees it (markup rendered, `pairsmith.core.readable`),
named by its document and headings so the model can name a question's subject in full. The
reply is constrained to a JSON schema where the backend supports one: up to n pairs, each with
`evidence`, the words of the section the answer rests on (quoting first steadies the teacher
against inventions; BENCHMARKS.md). A short section is asked for fewer pairs. The model may return
no pair for a section with nothing to ask. Nothing is judged here: every pair goes through
moderation, whose `supported` step checks every name and value of the answer against the section
(and, opt-in, the evidence).
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

from alpaca_gen.chunk import Chunk
from alpaca_gen.schema import evidenced_pairs_schema
from alpaca_gen.strategies.base import Unit, UnitResult, _messages
from alpaca_gen.strategies.multi import MultiPairStrategy
from alpaca_gen.strategies.registry import register
from pairsmith.core.backends.base import Backend, Request
from pairsmith.core.readable import readable
from pairsmith.core.records import Pair
from pairsmith.core.textmetrics import common_word_name
from pairsmith.core.templates import Template, load_template
from alpaca_gen.project import infer_project, kept_in_lower_case, respelled, spelled_as_in_docs


WORDS_PER_PAIR = 50  # at most a pair asked per this many words of a section, never fewer than two


_TEXT_FIELDS = ("instruction", "input", "output")


def document_name(chunk: Chunk) -> str:
    """What the section's document is called: its top heading, else its file or folder name."""
    if chunk.headings:
        return readable(chunk.headings[0]).strip("` ")
    path = Path(chunk.path)
    stem = path.parent.name if path.stem.lower() in ("readme", "index") and path.parent.name else path.stem
    return stem.replace("_", " ").replace("-", " ")


def section_name(chunk: Chunk) -> str:
    """The section's heading path below the document's title, as the reader sees it."""
    inner = chunk.headings[1:] if len(chunk.headings) > 1 else chunk.headings
    return " > ".join(readable(h) for h in inner) or Path(chunk.path).name


def _empty_reply(text: str) -> bool:
    """The model answered with a well-formed, empty list of pairs: the section has nothing to ask."""
    try:
        value = json.loads(text.strip().removeprefix("```json").removesuffix("```"))
    except (json.JSONDecodeError, AttributeError):
        return False
    return isinstance(value, dict) and value.get("pairs") == []


@register
class SectionPairsStrategy(MultiPairStrategy):
    """Up to n pairs per section with the evidence each rests on, in one request; the request,
    re-ask and parsing of the multi-pair strategy, with its own prompt and schema."""

    name = "sections"
    self_instruct = False

    @classmethod
    def from_options(cls, opts: Any) -> SectionPairsStrategy:
        return cls(load_template(opts.template or "pairs_from_section"), pairs_per_chunk=opts.pairs_per_chunk,
                   temperature=opts.temperature if opts.temperature is not None else 0.2,
                   seed=opts.seed, max_reasks=min(opts.max_reasks, 1),
                   project=opts.project or infer_project(opts.paths), words_per_pair=opts.words_per_pair,
                   project_inferred=not opts.project)

    def __init__(self, template: Template, pairs_per_chunk: int = 3, temperature: float = 0.2, seed: int = 0,
                 max_reasks: int = 1, max_tokens: int = 1024, min_tokens: int = 12, project: str | None = None,
                 words_per_pair: int = WORDS_PER_PAIR, project_inferred: bool = False) -> None:
        super().__init__(template, pairs_per_chunk, temperature, seed, max_reasks, max_tokens)
        self.project = project
        self.project_inferred = project_inferred  # found beside the docs, not given: spelled as the docs do
        self._notes: list[str] = []
        self._lower_name: str | None = None  # the project's name, where the docs clearly keep it in lower case
        self.min_tokens = min_tokens
        self.words_per_pair = words_per_pair

    def prepare(self, chunks: list[Chunk]) -> None:
        """A project name found in package metadata ("click") is written as the docs write it ("Click"):
        the prompt and every question then name it so, and moderation reads it so. A name given in
        lower case that is a common English word while the docs capitalise it is kept, with a note."""
        self._notes = []
        self._lower_name = self.project if kept_in_lower_case(self.project or "", (c.text for c in chunks)) else None
        if not self.project or not (self.project_inferred or common_word_name(self.project)):
            return
        spelled = spelled_as_in_docs(self.project, (chunk.text for chunk in chunks))
        if self.project_inferred:
            self.project = spelled
        elif spelled != self.project and common_word_name(self.project):
            self._notes.append(f"--project {self.project!r} is also an English word, and the docs write "
                               f"{spelled!r}: questions name the project only as code or as 'the "
                               f"{self.project} package' and others are dropped; pass --project {spelled} "
                               f"to name it as the docs do")

    def notes(self) -> list[str]:
        return list(self._notes)

    def params(self) -> dict[str, Any]:
        """The strategy's settings and its reply schema's digest: a changed schema is a new cache key."""
        schema = json.dumps(evidenced_pairs_schema(self.n, self.project), sort_keys=True)
        return {**super().params(), "min_tokens": self.min_tokens, "project": self.project,
                "schema": hashlib.sha256(schema.encode("utf-8")).hexdigest()[:12]}

    def unit_params(self, unit: Unit) -> dict[str, Any]:
        """A section asked for fewer than n pairs says how many (its cache key and provenance);
        one asked for n keeps the key it had before the cap."""
        asked = self.pairs_for(unit.focus or readable(unit.chunk.text))
        return {"pairs_asked": asked} if asked < self.n else {}

    def pairs_for(self, text: str) -> int:
        """How many pairs to ask of a section: n, but at most one per `words_per_pair` words of it
        and never fewer than two, unless n is smaller (0 turns the cap off). A short section holds
        few facts; asked for three, the teacher stretches its last pair past them (BENCHMARKS.md)."""
        if self.words_per_pair <= 0:
            return self.n
        return min(self.n, max(2, math.ceil(len(text.split()) / self.words_per_pair)))

    def units(self, chunk: Chunk) -> list[Unit]:
        text = readable(chunk.text)
        if len(text.split()) < self.min_tokens:  # a heading and a line: nothing a user would ask
            return []
        return [Unit(chunk, 0, text)]

    def first_request(self, unit: Unit) -> Request:
        chunk = unit.chunk
        document = document_name(chunk)
        text = unit.focus or readable(chunk.text)
        n = self.pairs_for(text)
        values = {"chunk": text, "document": document, "project": self.project or document,
                  "headings": section_name(chunk), "path": chunk.path, "n": n}
        return Request(_messages(self.template, **values), max_tokens=self.max_tokens,
                       temperature=self.temperature, seed=self.seed, json_schema=evidenced_pairs_schema(n, self.project))

    async def run(self, unit: Unit, backend: Backend) -> UnitResult:
        result = await super().run(unit, backend)
        del result.pairs[self.pairs_for(unit.focus or readable(unit.chunk.text)):]  # a reply not held to the schema
        return result

    def nothing_to_ask(self, reply: str) -> bool:
        return _empty_reply(reply)  # the section has nothing to ask: no pair, and no re-ask

    def _keep(self, pairs: list[dict[str, str]], result: UnitResult) -> None:
        result.pairs.extend({**pair, "method": "model"} for pair in pairs[: self.n])

    def finish(self, record: dict[str, Any]) -> dict[str, Any]:
        """A pair record as written: the project's name as the docs write it, where they clearly keep it
        in lower case and the model capitalised it inside a sentence ("using Cibuildwheel?"). Done as
        records are written, so pairs a run cached before are written the same way."""
        if not self._lower_name:
            return record
        texts = {key: respelled(record.get(key) or "", self._lower_name) for key in _TEXT_FIELDS}
        if all(texts[key] == (record.get(key) or "") for key in _TEXT_FIELDS):
            return record
        return Pair.from_dict({**record, **texts, "id": ""}).to_dict()
