"""The evaluation report, Markdown and HTML: the headline table with confidence intervals, the
loss curve, and every example side by side, worst regressions first."""

from __future__ import annotations

import base64
import html
import shutil
from pathlib import Path
from typing import Any

from pairsmith.core.io import atomic_write
from pairsmith.core.markdown import md_code, md_text


def _headline_rows(report: dict[str, Any]) -> list[list[str]]:
    rows = []
    for row in report["headline"]:
        mark = "yes" if row["significant"] else "no"
        rows.append([row["model"], row["metric"], f"{row['base']:.4f}", f"{row['tuned']:.4f}", f"{row['delta']:+.4f}",
                     f"[{row['ci_low']:+.4f}, {row['ci_high']:+.4f}]", mark])
    return rows


HEADERS = ["model", "metric", "base", "tuned", "delta", "95% CI", "CI excludes 0"]


def markdown(report: dict[str, Any], loss_png: str | None) -> str:
    lines = ["# Evaluation", "", f"{report['examples_evaluated']} held-out examples from {md_code(report['data'])}, "
             f"greedy decoding, at most {report['max_new_tokens']} new tokens, the same prompts for every model.", "",
             "| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(md_text(c) for c in r) + " |" for r in _headline_rows(report)]
    if report["judge"]:
        lines += ["", "## Judge (pairwise, both orders)", ""]
        for key, value in report["judge"].items():
            lines.append(f"- {md_text(key)}: {md_text(value)}")
    lines += ["", "## Problems per model", ""]
    for name, counts in report["problems"].items():
        lines.append(f"- {md_text(name)}: " + (md_text(", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
                                               or "none"))
    if loss_png:
        lines += ["", "## Loss curve", "", f"![loss curve]({loss_png})"]
    lines += ["", "## Examples (worst ROUGE-L regressions first)", ""]
    for ex in report["examples"]:  # questions, references and answers are data: escaped
        lines += [f"### {md_text(ex['question'][:120])}", "", f"- reference: {md_text(ex['reference'])}"]
        for name, answer in ex["answers"].items():
            s = ex["scores"][name]
            flags = f" ⚠ {md_text(', '.join(ex['problems'][name]))}" if ex["problems"][name] else ""
            lines.append(f"- **{md_text(name)}** (ROUGE-L {s['rouge_l']:.2f}, BLEU {s['bleu']:.1f}, "
                         f"emb {s['embedding_similarity']:.2f}){flags}: {md_text(answer)}")
        lines.append("")
    return "\n".join(lines) + "\n"


def page(report: dict[str, Any], loss_png: Path | None) -> str:
    esc = html.escape
    head = "".join(f"<th>{esc(h)}</th>" for h in HEADERS)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in _headline_rows(report))
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>pairsmith evaluation</title><style>"
             "body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}.bad{color:#b00}</style></head><body>",
             "<h1>Evaluation</h1>",
             f"<p>{report['examples_evaluated']} held-out examples from <code>{esc(report['data'])}</code>; greedy "
             f"decoding, at most {report['max_new_tokens']} new tokens.</p>",
             f"<table><tr>{head}</tr>{body}</table>"]
    if report["judge"]:
        parts.append("<h2>Judge</h2><ul>" + "".join(f"<li>{esc(k)}: {esc(str(v))}</li>"
                                                     for k, v in report["judge"].items()) + "</ul>")
    if loss_png and loss_png.exists():
        data = base64.b64encode(loss_png.read_bytes()).decode()
        parts.append(f"<h2>Loss curve</h2><img alt='loss curve' src='data:image/png;base64,{data}'>")
    names = list(report["models"])
    parts.append("<h2>Examples, worst regressions first</h2><table><tr><th>question</th><th>reference</th>"
                 + "".join(f"<th>{esc(n)}</th>" for n in names) + "</tr>")
    for ex in report["examples"]:
        cells = [f"<td>{esc(ex['question'])}</td>", f"<td>{esc(ex['reference'])}</td>"]
        for n in names:
            s = ex["scores"][n]
            flags = f"<div class='bad'>{esc(', '.join(ex['problems'][n]))}</div>" if ex["problems"][n] else ""
            cells.append(f"<td>{esc(ex['answers'][n])}<div><small>ROUGE-L {s['rouge_l']:.2f} · BLEU "
                         f"{s['bleu']:.1f} · emb {s['embedding_similarity']:.2f}</small></div>{flags}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</table></body></html>")
    return "\n".join(parts)


def write_eval_report(report: dict[str, Any], runs: list[dict[str, Any]], out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    source = Path(runs[0]["folder"]) / "loss_curve.png"
    loss_png = out / "loss_curve.png"
    if source.exists():
        shutil.copyfile(source, loss_png)
    md_path, html_path = out / "report.md", out / "report.html"
    with atomic_write(md_path) as fh:
        fh.write(markdown(report, loss_png.name if loss_png.exists() else None))
    with atomic_write(html_path) as fh:
        fh.write(page(report, loss_png if loss_png.exists() else None))
    return {"md": md_path, "html": html_path}
