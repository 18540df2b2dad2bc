"""The dataset card written beside a Hugging Face dataset folder: where the pairs came from, how
they were made, what moderation kept and why it dropped the rest."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from pairsmith.core.records import Pair


def dataset_card(pairs: Iterable[Pair], name: str) -> str:
    """README.md for the dataset (YAML header for the Hub, then the provenance in Markdown)."""
    pairs = list(pairs)
    sources = Counter((p.source or {}).get("path", "(unknown)") for p in pairs)
    models = Counter(f"{(p.generator or {}).get('backend', '?')}:{(p.generator or {}).get('model', '?')}"
                     for p in pairs if p.generator)
    methods = Counter(str((p.generator or {}).get("method", "")) for p in pairs if (p.generator or {}).get("method"))
    decisions = Counter((p.moderation or {}).get("decision", "not moderated") for p in pairs)
    reasons = Counter(r.split(" ", 1)[0] for p in pairs for r in (p.moderation or {}).get("reasons", []))
    reviewed = Counter((p.review or {}).get("status") for p in pairs if p.review)
    size = "n<1K" if len(pairs) < 1000 else "1K<n<10K" if len(pairs) < 10000 else "10K<n<100K"

    def table(counter: Counter, header: str) -> str:
        rows = "\n".join(f"| {key} | {count} |" for key, count in counter.most_common(25))
        return f"| {header} | pairs |\n|---|---|\n{rows}" if counter else "(none)"

    return f"""---
task_categories:
- text-generation
- question-answering
size_categories:
- {size}
tags:
- instruction-tuning
- pairsmith
---

# {name}

{len(pairs)} instruction / input / output pairs made from documentation with
[pairsmith](https://pypi.org/project/pairsmith/): generated from the documents below, then
deduplicated and filtered, every decision with its reason.

Load it with `datasets.load_from_disk("{name}")`; publish it with
`datasets.load_from_disk("{name}").push_to_hub("you/{name}")`. The columns are `instruction`,
`input`, `output`, `id` (stable across regenerations) and `meta` (JSON: the source chunk, the
generator and the moderation decision of each pair).

## Source documents

{table(sources, "document")}

## Generation

{table(models, "backend:model")}

{table(methods, "method")}

## Moderation

{table(decisions, "decision")}

{table(reasons, "reason")}

## Human review

{table(reviewed, "status") if reviewed else "No pair carries a human decision."}
"""
