"""The moderation report: Markdown and JSON with counts per step and reason, examples, the
histogram of nearest-neighbour similarities (PNG) and a threshold suggested at its valley."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from moderation.config import ModerationConfig
from moderation.summary import ModerationSummary
from pairsmith.core.charts import chart
from pairsmith.core.io import atomic_write
from pairsmith.core.markdown import md_code, md_text


def suggest_threshold(similarities: list[float], bins: int = 40, low: float = 0.5) -> float | None:
    """The similarity at the deepest valley between the bulk and the near-duplicate mode.

    Looks in [low, 1]; a valley counts when it is under half of the lower of the two peaks
    around it (a clear dip, not noise). None when there is no such valley.
    """
    values = np.asarray([s for s in similarities if s >= low], dtype=np.float64)
    if len(values) < 20:
        return None
    counts, edges = np.histogram(values, bins=bins, range=(low, 1.0))
    smooth = np.convolve(counts, np.ones(3) / 3, mode="same")
    best, best_depth = None, 0.0
    for i in range(1, bins - 1):
        left, right = smooth[:i].max(), smooth[i + 1 :].max()
        peak = min(left, right)
        if peak <= 0 or smooth[i] >= 0.5 * peak:
            continue
        depth = peak - smooth[i]
        if depth > best_depth:
            best, best_depth = i, depth
    return None if best is None else float(round((edges[best] + edges[best + 1]) / 2, 3))


def plot_histogram(similarities: list[float], threshold: float, suggested: float | None, path: Path) -> None:
    with chart(path, "cosine similarity of each prompt to its nearest neighbour", "pairs") as ax:
        ax.hist(similarities, bins=50, range=(min(0.0, min(similarities)), 1.0), color="#4c72b0")
        ax.axvline(threshold, color="#c44e52", linestyle="--", label=f"threshold {threshold:.2f}")
        if suggested is not None:
            ax.axvline(suggested, color="#55a868", linestyle=":", label=f"suggested {suggested:.2f}")
        ax.set_yscale("log")


def plot_margins(margins: list[float], threshold: float, review_from: float, path: Path) -> None:
    with chart(path, "relevance margin (best competitor cosine - own answer cosine)", "pairs") as ax:
        ax.hist(margins, bins=50, range=(min(-1.0, min(margins)), max(1.0, max(margins))), color="#4c72b0")
        ax.axvline(threshold, color="#c44e52", linestyle="--", label=f"drop above {threshold:.2f}")
        ax.axvline(review_from, color="#dd8452", linestyle=":", label=f"review above {review_from:.2f}")
        ax.set_yscale("log")


STEP_SECTIONS = ("answer_form", "question_form", "relevance", "ifd")


def _step_counts(result: ModerationSummary, step: str) -> dict[str, dict[str, int]]:
    """Pairs dropped and sent to review by one step, per rule."""
    counts: dict[str, dict[str, int]] = {"dropped": {}, "review": {}}
    for key, reasons in (("dropped", result.drop_reasons), ("review", result.review_reasons)):
        for reason, n in reasons.items():
            for part in reason.split("; "):
                found_step, _, rule = part.partition(":")
                if found_step == step:
                    counts[key][rule] = counts[key].get(rule, 0) + n
    return counts


def build_report(result: ModerationSummary, config: ModerationConfig) -> dict[str, Any]:
    nearest = result.stats.get("nearest_similarities") or []
    margins = result.stats.get("relevance_margins") or []
    suggested = suggest_threshold(nearest)
    return {
        "summary": result.summary(),
        "counts": {"total": result.total, "kept": result.kept, "review": result.review, "dropped": result.dropped},
        "dropped_by_reason": dict(result.drop_reasons.most_common()),
        "review_by_reason": dict(result.review_reasons.most_common()),
        "examples": result.examples,
        "semantic": {"threshold": config.semantic.threshold, "suggested_threshold": suggested,
                     "search": result.stats.get("semantic_search"),
                     "histogram": np.histogram(nearest, bins=20, range=(0, 1))[0].tolist() if nearest else []},
        "grounding_checked": result.stats.get("grounding_checked", 0),
        "grounding_method": result.stats.get("grounding_method"),
        "grounding_missing_files": result.stats.get("grounding_missing_files", []),
        "steps": {step: _step_counts(result, step) for step in STEP_SECTIONS},
        "relevance": {"threshold": config.relevance.threshold,
                      "review_from": round(config.relevance.threshold - config.relevance.review_band, 4),
                      "checked": result.stats.get("relevance_checked", 0),
                      "histogram": (np.histogram(margins, bins=20, range=(-1, 1))[0].tolist() if margins else [])},
        "ifd": {"enabled": config.ifd.enabled, "model": config.ifd.model, "review_above": config.ifd.review_above,
                "drop_above": config.ifd.drop_above, "checked": result.stats.get("ifd_checked", 0),
                "histogram": (np.histogram(result.stats.get("ifd_ratios") or [], bins=20, range=(0, 2))[0].tolist()
                              if result.stats.get("ifd_ratios") else [])},
        "embeddings_computed": result.stats.get("embeddings_computed", 0),
        "engine": {k: v for k, v in result.stats.items() if k == "engine" or k.startswith("ray_")},
        "outputs": {"curated": result.curated, "rejects": result.rejects},
        "seconds": round(result.seconds, 2),
    }


def _markdown(report: dict[str, Any], png: str | None, margins_png: str | None = None) -> str:
    counts = report["counts"]
    lines = ["# Moderation report", "", report["summary"], "",
             "| | pairs |", "|---|---|",
             *(f"| {k} | {v} |" for k, v in counts.items()), ""]
    for title, key in (("Dropped", "dropped_by_reason"), ("Sent to review", "review_by_reason")):
        lines += [f"## {title}", "", "| step:rule | pairs |", "|---|---|"]
        lines += [f"| {md_text(reason)} | {n} |" for reason, n in report[key].items()] or ["| (none) | 0 |"]
        lines.append("")
    engine = report.get("engine") or {}
    if engine.get("engine") == "ray":
        lines += [f"Engine: Ray ({engine.get('ray_cpus')} CPUs, {engine.get('ray_gpus')} GPUs, "
                  f"{engine.get('ray_embed_actors')} embedding actors; {engine.get('ray_embedded', 0)} texts embedded "
                  "on the cluster).", ""]
    if report["grounding_method"]:
        lines += [f"Grounding: {report['grounding_checked']} pairs checked by {md_text(report['grounding_method'])}.", ""]
    missing = report["grounding_missing_files"]
    if missing:
        shown = ", ".join(md_code(m) for m in missing[:5]) + (", ..." if len(missing) > 5 else "")
        lines += [f"{len(missing)} source files were not found, so their pairs were not grounded: {shown}. "
                  "Set `grounding.docs_root` to the folder the docs paths start from.", ""]
    titles = {"answer_form": "Answer form", "question_form": "Question form", "relevance": "Relevance",
              "ifd": "Instruction-following difficulty"}
    for step, counts in report["steps"].items():
        if step == "ifd" and not report["ifd"]["enabled"]:
            continue
        lines += [f"## {titles[step]} (`{step}`)", "", "| rule | dropped | to review |", "|---|---|---|"]
        rules = sorted(set(counts["dropped"]) | set(counts["review"]))
        lines += [f"| {md_text(rule)} | {counts['dropped'].get(rule, 0)} | {counts['review'].get(rule, 0)} |"
                  for rule in rules] or ["| (none) | 0 | 0 |"]
        lines.append("")
        if step == "relevance":
            relevance = report["relevance"]
            lines.append(f"{relevance['checked']} pairs checked; margin = best competitor cosine - own answer cosine, "
                         f"drop above {relevance['threshold']}, review above {relevance['review_from']}.")
            if margins_png:
                lines.append(f"![relevance margins]({margins_png})")
            lines.append("")
        if step == "ifd":
            ifd = report["ifd"]
            lines += [f"{ifd['checked']} pairs scored with {md_code(ifd['model'])}: ratio = answer loss after the "
                      f"question / answer loss alone, review at {ifd['review_above']}, drop at {ifd['drop_above']}. "
                      "Pairs per ratio bin (0 to 2, width 0.1): " + ", ".join(map(str, ifd["histogram"])) + ".", ""]
    lines += ["## Examples", ""]
    for reason, examples in report["examples"].items():
        lines.append(f"### {md_text(reason)}")
        for ex in examples:
            # Pair text is data: escaped, so neither HTML nor Markdown in it takes effect.
            lines.append(f"- {md_code(ex['id'])} **{md_text(ex['instruction'])}** → {md_text(ex['output'])}  \n"
                         f"  _{md_text('; '.join(ex['reasons']))}_")
        lines.append("")
    semantic = report["semantic"]
    lines += ["## Nearest-neighbour similarity", ""]
    if png:
        lines.append(f"![nearest-neighbour similarities]({png})")
    suggested = semantic["suggested_threshold"]
    lines.append(f"Threshold in use: {semantic['threshold']}; "
                 + (f"suggested from the histogram's valley: **{suggested}**." if suggested is not None
                    else "the histogram has no clear valley, so no threshold is suggested."))
    return "\n".join(lines) + "\n"


def report_paths(path: str | Path) -> dict[str, Path]:
    """The files a report at `path` consists of: REPORT.md, REPORT.json, REPORT_similarity.png and
    REPORT_relevance.png. Only a .md or .json ending is taken off: dots elsewhere in the name
    ("run.v2_report.md") stay."""
    path = Path(path)
    stem = path.name[: -len(path.suffix)] if path.suffix.lower() in (".md", ".json") else path.name
    return {"md": path.with_name(stem + ".md"), "json": path.with_name(stem + ".json"),
            "png": path.with_name(stem + "_similarity.png"),
            "relevance_png": path.with_name(stem + "_relevance.png")}


def write_report(result: ModerationSummary, config: ModerationConfig, path: str | Path) -> dict[str, Path]:
    """Write REPORT.md, REPORT.json and REPORT.png (when similarities exist); returns the paths."""
    paths = report_paths(path)
    report = build_report(result, config)
    written = {}
    nearest = result.stats.get("nearest_similarities") or []
    png = None
    if nearest:
        plot_histogram(nearest, config.semantic.threshold, report["semantic"]["suggested_threshold"], paths["png"])
        written["png"] = paths["png"]
        png = paths["png"].name
    margins = result.stats.get("relevance_margins") or []
    margins_png = None
    if margins:
        plot_margins(margins, config.relevance.threshold, report["relevance"]["review_from"], paths["relevance_png"])
        written["relevance_png"] = paths["relevance_png"]
        margins_png = paths["relevance_png"].name
    with atomic_write(paths["md"]) as fh:
        fh.write(_markdown(report, png, margins_png))
    with atomic_write(paths["json"]) as fh:
        json.dump(report, fh, indent=2, ensure_ascii=False)
    written.update(md=paths["md"], json=paths["json"])
    return written
