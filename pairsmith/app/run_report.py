"""OUT/index.html: one page for a whole run, opened from disk (no server, no script): which
documents and sections produced pairs and which produced none (and why), generation rejects by
reason, moderation by reason with examples and its charts, the loss curve, base versus tuned with
intervals and examples side by side, the data-size curve, and links to every stage's files.

It reads only the run folder's files, so it can be rebuilt for any finished run. Every piece of
document or model text is escaped.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from html import escape
from pathlib import Path
from typing import Any

from pairsmith.core.io import atomic_write, read_jsonl

_STYLE = """body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:0 18px 40px;color:#1d1d1f}
h1{margin-top:24px}h2{margin-top:34px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:4px 8px;vertical-align:top;text-align:left}
th{background:#f3f3f3}.num{text-align:right;font-variant-numeric:tabular-nums}.none{color:#b00}
.ok{color:#2e7d32}code,pre{font-family:ui-monospace,monospace;font-size:12.5px}pre{white-space:pre-wrap;margin:0}
img{max-width:100%;border:1px solid #eee}.muted{color:#777}details{margin:4px 0}"""


def _n(value: Any) -> str:
    """A count from a run file, as a number (never markup, whatever the file holds)."""
    try:
        return str(int(value))
    except (TypeError, ValueError):
        return escape(str(value))


def _rows(path: Path) -> list[dict[str, Any]]:
    return list(read_jsonl(path)) if path.exists() else []


def _json(path: Path) -> dict[str, Any] | list[Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _link(out: Path, path: Path, label: str | None = None) -> str:
    if not path.exists():
        return ""
    return f'<a href="{escape(str(path.relative_to(out)))}">{escape(label or str(path.relative_to(out)))}</a>'


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _documents(out: Path, chunks: list[dict[str, Any]]) -> str:
    pairs, gen_rejects = _rows(out / "pairs.jsonl"), _rows(out / "pairs.rejects.jsonl")
    curated = {r["id"]: r for r in _rows(out / "curated.jsonl")}
    made: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for pair in pairs:
        made[(pair.get("source") or {}).get("chunk", "")].append(pair)
    rejected: dict[str, list[str]] = defaultdict(list)
    for reject in gen_rejects:
        rejected[(reject.get("source") or {}).get("chunk", "")].append(str(reject.get("reason", "")))
    by_doc: dict[str, list[str]] = defaultdict(list)
    counts: dict[str, Counter] = defaultdict(Counter)
    for chunk in chunks:
        path, key = chunk["path"], chunk["id"]
        section = " › ".join(chunk.get("headings") or []) or "(top)"
        kept = sum(1 for p in made[key] if (curated.get(p["id"], {}).get("moderation") or {}).get("decision") == "keep")
        counts[path].update(chunks=1, pairs=len(made[key]), kept=kept, empty=int(not made[key]))
        if made[key]:
            by_doc[path].append(f'<li class="ok">{escape(section)}: {len(made[key])} pairs, {kept} kept</li>')
        else:
            why = "; ".join(f"{n}× {escape(r)}" for r, n in Counter(rejected[key]).most_common()) or \
                "no answerable sentence, table, definition or code section"
            by_doc[path].append(f'<li class="none">{escape(section)}: no pair ({why})</li>')
    rows = []
    for path in sorted(by_doc):
        c = counts[path]
        rows.append([f"<details><summary><code>{escape(str(path))}</code></summary><ul>{''.join(by_doc[path])}</ul></details>",
                     f'<span class="num">{c["chunks"]}</span>', f'<span class="num">{c["pairs"]}</span>',
                     f'<span class="num">{c["kept"]}</span>', f'<span class="num">{c["empty"]}</span>'])
    return _table(["document (open for its sections)", "chunks", "pairs", "kept", "chunks with no pair"], rows)


def _reasons(counter: dict[str, int]) -> str:
    if not counter:
        return '<p class="muted">none</p>'
    return _table(["reason", "pairs"], [[escape(str(r)), f'<span class="num">{_n(n)}</span>'] for r, n in counter.items()])


def _moderation(out: Path) -> str:
    report = _json(out / "moderation_report.json") or {}
    parts = [f"<p>{escape(str(report.get('summary', '')))}</p>", "<h3>Dropped, by reason</h3>",
             _reasons(report.get("dropped_by_reason", {})), "<h3>Sent to review, by reason</h3>",
             _reasons(report.get("review_by_reason", {}))]
    examples = report.get("examples", {})
    if examples:
        parts.append("<h3>Examples</h3>")
        for reason, rows in examples.items():
            items = "".join(f"<li><b>{escape(str(e.get('instruction', '')))}</b> → {escape(str(e.get('output', ''))[:240])}</li>"
                            for e in rows[:3])
            parts.append(f"<details><summary>{escape(reason)}</summary><ul>{items}</ul></details>")
    for name, title in (("moderation_report_similarity.png", "Nearest-neighbour similarity"),
                        ("moderation_report_relevance.png", "Relevance margins")):
        if (out / name).exists():
            parts.append(f'<h3>{title}</h3><img src="{name}" alt="{title}">')
    return "".join(parts)


def _evaluation(out: Path) -> str:
    report = _json(out / "eval" / "eval.json")
    if not isinstance(report, dict):
        return '<p class="muted">No evaluation in this run (<code>--no-train</code>, or stopped for review).</p>'
    rows = [[escape(r["metric"]), f'<span class="num">{r["base"]:.4f}</span>', f'<span class="num">{r["tuned"]:.4f}</span>',
             f'<span class="num">{r["delta"]:+.4f}</span>', f'[{r["ci_low"]:+.4f}, {r["ci_high"]:+.4f}]',
             '<span class="ok">excludes 0</span>' if r.get("significant") else '<span class="muted">includes 0</span>']
            for r in report.get("headline", [])]
    parts = [f"<p>{_n(report.get('examples_evaluated', 0))} held-out pairs (whole documents the model never trained on), "
             "greedy answers; 95% bootstrap intervals of tuned minus base.</p>",
             _table(["metric", "base", "tuned", "delta", "95% interval", ""], rows), "<h3>Examples, worst regression first</h3>"]
    examples = report.get("examples", [])
    shown = examples[:5] + examples[-5:] if len(examples) > 10 else examples
    ex_rows = []
    for e in shown:
        answers = e.get("answers", {})
        ex_rows.append([escape(str(e.get("question", ""))), f"<pre>{escape(str(e.get('reference', '')))}</pre>",
                        f"<pre>{escape(str(answers.get('base', '')))}</pre>", f"<pre>{escape(str(answers.get('tuned', '')))}</pre>",
                        f'<span class="num">{e.get("rouge_l_delta", 0):+.3f}</span>'])
    parts.append(_table(["question", "reference", "base", "tuned", "ROUGE-L delta"], ex_rows))
    return "".join(parts)


def _scale(out: Path) -> str:
    points = _json(out / "scale" / "scale.json")
    if not isinstance(points, list) or not points:
        return ""
    rows = []
    for p in points:
        for r in p["headline"]:
            rows.append([f'<span class="num">{_n(p["pairs"])}</span>', escape(str(r["metric"])), f'{r["delta"]:+.4f}',
                         f'[{r["ci_low"]:+.4f}, {r["ci_high"]:+.4f}]'])
    return ('<h2>Data-size curve</h2><p>Nested subsets of the training pairs, each evaluated on the same held-out '
            'documents.</p><img src="scale/scale.png" alt="metrics by training pairs">'
            + _table(["training pairs", "metric", "tuned - base", "95% interval"], rows))


def write_run_report(out: Path, chunks: list[dict[str, Any]], docs: list[str]) -> Path:
    """Write OUT/index.html for the run in `out` (chunks: id, path, headings of every chunk read)."""
    out = Path(out)
    run = _json(out / "run" / "run.json")
    training = ""
    if isinstance(run, dict):
        split = run.get("split", {})
        training = (f"<h2>Training</h2><p>{escape(str(run.get('base_model', '')))}, {_n(run.get('steps', 0))} steps on "
                    f"{_n(split.get('train', 0))} pairs ({_n(split.get('test', 0))} held out by document); train loss "
                    f"{run.get('train_loss') or 0:.3f}" + (f", best eval loss {run['eval_loss']:.3f}" if run.get("eval_loss") else "")
                    + "</p>" + ('<img src="run/loss_curve.png" alt="loss curve">' if (out / "run" / "loss_curve.png").exists() else ""))
    gen_reasons = Counter(str(r.get("reason", "")) for r in _rows(out / "pairs.rejects.jsonl"))
    files = [(out / n, n) for n in ("pairs.jsonl", "pairs.rejects.jsonl", "curated.jsonl", "curated.rejects.jsonl",
                                    "moderation_report.md", "moderation_report.json", "reviews.jsonl")]
    files += [(out / "run" / "model", "run/model/ (the tuned model)"), (out / "run" / "run.json", "run/run.json"),
              (out / "run" / "test.jsonl", "run/test.jsonl (held out)"), (out / "eval" / "report.html", "eval/report.html"),
              (out / "eval" / "eval.json", "eval/eval.json"), (out / "scale" / "scale.json", "scale/scale.json")]
    links = "".join(f"<li>{_link(out, p, label)}</li>" for p, label in files if p.exists())
    page = (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>pairsmith run</title>"
            # no script at all: whatever a run file holds, nothing on this page runs
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self' file: data:; "
            "style-src 'unsafe-inline'\">"
            f"<style>{_STYLE}</style></head><body><h1>pairsmith run</h1>"
            f"<p>Docs: {', '.join(f'<code>{escape(d)}</code>' for d in docs)}</p>"
            f"<h2>Documents and sections</h2>{_documents(out, chunks)}"
            f"<h2>Generation rejects, by reason</h2>{_reasons(dict(gen_reasons.most_common()))}"
            f"<h2>Moderation</h2>{_moderation(out)}{training}"
            f"<h2>Base versus tuned</h2>{_evaluation(out)}{_scale(out)}"
            f"<h2>Files</h2><ul>{links}</ul></body></html>")
    path = out / "index.html"
    with atomic_write(path) as fh:
        fh.write(page)
    return path
