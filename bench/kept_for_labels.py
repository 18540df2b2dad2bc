"""The kept pairs of a generate + moderate run, laid out for a blind labeller: one item per section
with its text as the reader sees it and the pairs kept from it, and a key that maps each pair to its
section. The labeller sees no generator, no moderation finding and no score.

    pairsmith generate DOCS --project P --no-cache --out OUT/generated.jsonl
    pairsmith moderate OUT/generated.jsonl --out OUT/curated.jsonl
    python bench/kept_for_labels.py DOCS OUT [CHUNK_TOKENS]   # writes OUT/items.jsonl and OUT/key.jsonl

Run it from the folder generate ran in, with generate's `--chunk-tokens` if one was given: a pair
whose record carries no text (a Markdown page's pairs record their lines) gets its section's text by
reading and chunking the page again, as generation did, and chunk ids hold the path as given. Pairs
whose section is not found are counted and left out. Pairs held for review are not kept.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alpaca_gen.chunk import ChunkConfig  # noqa: E402
from alpaca_gen.run import collect_chunks  # noqa: E402
from pairsmith.core.readable import readable  # noqa: E402


def pid(pair: dict) -> str:
    """A pair's label id: its text, hashed (the same pair gets the same id in every layout)."""
    text = "\x1f".join((pair["instruction"], pair.get("input", ""), pair["output"]))
    return "x" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def section_texts(docs: Path, chunking: ChunkConfig) -> dict[str, dict]:
    """Every section generation asked about, by chunk id: its document, headings and text."""
    _, chunks = collect_chunks([str(docs)], chunking)
    return {chunk.id: {"document": str(Path(chunk.path).relative_to(docs)) if Path(chunk.path).is_relative_to(docs)
                       else chunk.path, "headings": chunk.headings, "text": chunk.text} for chunk in chunks}


def main(docs: Path, out: Path, chunking: ChunkConfig) -> None:
    sections = section_texts(docs, chunking)
    kept = [json.loads(line) for line in (out / "curated.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    kept = [p for p in kept if (p.get("moderation") or {}).get("decision", "keep") == "keep"]
    items: dict[str, dict] = {}
    key = []
    missing = 0
    for pair in kept:
        source = pair.get("source") or {}
        chunk = source.get("chunk")
        known = sections.get(chunk, {})
        text = source.get("text") or known.get("text") or ""
        if not chunk or not text.strip():
            missing += 1
            continue
        project = ((pair.get("generator") or {}).get("params") or {}).get("project") or ""
        item = items.setdefault(chunk, {"chunk": chunk, "project": project,
                                        "document": known.get("document", Path(source.get("path", "")).name),
                                        "headings": source.get("headings") or known.get("headings") or [],
                                        "section": readable(text), "pairs": []})
        row = {"pid": pid(pair), "instruction": pair["instruction"], "input": pair.get("input", ""),
               "output": pair["output"]}
        item["pairs"].append(row)
        key.append({"pid": row["pid"], "chunk": chunk, "project": project})
    (out / "items.jsonl").write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items.values()),
                                     encoding="utf-8")
    (out / "key.jsonl").write_text("".join(json.dumps(k) + "\n" for k in key), encoding="utf-8")
    print(f"{len(key)} kept pairs from {len(items)} of {len(sections)} sections -> {out}/items.jsonl, key.jsonl"
          + (f"; {missing} left out: their section was not found (another folder or --chunk-tokens?)" if missing else ""))


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]),
         ChunkConfig(max_tokens=int(sys.argv[3])) if len(sys.argv) == 4 else ChunkConfig())
