"""The eval report: ``eval.json`` (everything), ``eval.md`` (tables, goals, verdict) and
``eval.png`` (grouped bars). Markdown and figure are rendered from the JSON object, so
the three always agree."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.evaluation.dataset import CATEGORIES
from pipeline.evaluation.runner import EvalRun
from pipeline.evaluation.scoring import Goal, evaluate_goals, metrics_by_mode

SCHEMA = "axlab-eval/1"
MODE_ORDER = ("base", "lora", "graph", "hybrid")
SUMMARY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("accuracy", "accuracy"),
    ("fact_accuracy", "fact acc."),
    ("model_fact_accuracy", "model's own"),
    ("fallback_rate", "fallback"),
    ("hallucination_rate", "hallucination"),
    ("abstention_precision", "abstention prec."),
    ("retention", "general retention"),
    ("tinted_glass_rate", "tinted glass"),
)
CATEGORY_TITLES = {
    "injected": "injected",
    "multihop": "multi-hop",
    "unknown": "unknown (abstain)",
    "general": "general",
    "coding": "coding",
    "korean": "Korean",
}


def pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} ms"


def ordered_modes(modes: Sequence[str]) -> list[str]:
    return sorted(modes, key=lambda m: MODE_ORDER.index(m) if m in MODE_ORDER else len(MODE_ORDER))


# ---------------------------------------------------------------------------- data


def verdict(metrics: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Answer the user's question: does graph grounding beat LoRA alone?"""
    if "lora" not in metrics:
        return {
            "answer": "unknown",
            "text": "LoRA-only mode was not evaluated, so there is nothing to compare.",
        }
    grounded = [m for m in ("hybrid", "graph") if m in metrics]
    if not grounded:
        return {"answer": "unknown", "text": "No graph-grounded mode (graph, hybrid) was evaluated."}
    lora = metrics["lora"]
    lines: list[str] = []
    wins = losses = 0
    for mode in grounded:
        m = metrics[mode]
        comparisons = (
            ("fact accuracy (injected + multi-hop + Korean)", "fact_accuracy", True),
            ("multi-hop accuracy", None, True),
            ("hallucination on unknown facts", "hallucination_rate", False),
            ("general-knowledge retention", "retention", True),
            ("tinted-glass rate", "tinted_glass_rate", False),
        )
        for title, key, higher_is_better in comparisons:
            if key is None:
                ours = m["by_category"].get("multihop", {}).get("accuracy")
                theirs = lora["by_category"].get("multihop", {}).get("accuracy")
            else:
                ours, theirs = m.get(key), lora.get(key)
            if ours is None or theirs is None:
                continue
            delta = ours - theirs
            better = delta > 0 if higher_is_better else delta < 0
            if abs(delta) > 1e-9 and title.startswith(("fact", "hallucination")):
                wins += better
                losses += not better
            sign = "better" if better else ("same" if abs(delta) < 1e-9 else "worse")
            lines.append(
                f"{mode} vs lora, {title}: {pct(ours)} vs {pct(theirs)} ({100 * delta:+.1f} points, {sign})"
            )
    if wins and not losses:
        answer, text = "yes", "Yes: graph grounding beats LoRA alone on facts and on hallucination."
    elif losses and not wins:
        answer, text = "no", "No: LoRA alone does as well or better on facts and hallucination in this run."
    elif wins or losses:
        answer, text = (
            "mixed",
            "Mixed: graph grounding wins on some of facts/hallucination and loses on others.",
        )
    else:
        answer, text = "tie", "No difference on facts and hallucination in this run."
    return {"answer": answer, "text": text, "comparisons": lines}


def build_report(run: EvalRun, setup: Mapping[str, Any]) -> dict[str, Any]:
    """The whole report as one JSON-able object (the content of ``eval.json``)."""
    records = [r.to_json() for r in run.records]
    metrics = metrics_by_mode(records)
    metrics = {mode: metrics[mode] for mode in ordered_modes(list(metrics))}
    goals: list[Goal] = evaluate_goals(metrics)
    counts: dict[str, int] = {}
    for item in run.items:
        counts[item.category] = counts.get(item.category, 0) + 1
    return {
        "schema": SCHEMA,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "started": run.started_at,
        "wall_time_s": round(run.wall_s, 2),
        "setup": {
            **dict(setup),
            "modes": list(run.modes),
            "items": len(run.items),
            "items_per_category": counts,
            "interrupted": run.interrupted,
        },
        "metrics": metrics,
        "skipped_modes": dict(run.skipped),
        "goals": {"mode": "hybrid", "baseline": "base", "results": [g.to_json() for g in goals]},
        "verdict": verdict(metrics),
        "records": records,
    }


# ---------------------------------------------------------------------------- markdown


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += [
        "| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in row) + " |" for row in rows
    ]
    return out


def _status(met: bool | None) -> str:
    return "not measured" if met is None else ("**met**" if met else "**not met**")


def _value_cell(goal: Mapping[str, Any]) -> str:
    return pct(goal["value"])


def render_markdown(report: Mapping[str, Any], png_name: str | None = "eval.png") -> str:
    setup = report["setup"]
    metrics: Mapping[str, Mapping[str, Any]] = report["metrics"]
    lines: list[str] = ["# AX Lab evaluation report", ""]
    lines.append(
        f"Generated {report['created']} · wall time {report['wall_time_s']:.1f} s · schema `{report['schema']}`"
    )
    if setup.get("interrupted"):
        lines += ["", "> **Interrupted**: partial results, only the answers given before Ctrl-C are scored."]
    lines += ["", "## Setup", ""]
    per_cat = ", ".join(f"{CATEGORY_TITLES.get(c, c)} {n}" for c, n in setup["items_per_category"].items())
    rows = [
        ["questions", f"`{setup.get('questions', '')}`"],
        ["items", f"{setup['items']} ({per_cat})"],
        ["modes", ", ".join(setup["modes"])],
        ["limit per category", str(setup.get("limit") or "none")],
        ["max tokens", str(setup.get("max_tokens") or "engine default")],
        ["model", str(setup.get("model") or "embedded default")],
        ["adapter", str(setup.get("adapter") or "engine default")],
    ]
    lines += table(["setting", "value"], rows)

    lines += ["", "## Does graph grounding beat LoRA alone?", ""]
    v = report["verdict"]
    lines.append(v["text"])
    if v.get("comparisons"):
        lines.append("")
        lines += [f"- {c}" for c in v["comparisons"]]

    lines += ["", "## Summary by mode", ""]
    header = ["mode", "n", *[title for _, title in SUMMARY_COLUMNS], "errors"]
    rows = [
        [mode, str(m["n"]), *[pct(m.get(key)) for key, _ in SUMMARY_COLUMNS], str(m["errors"])]
        for mode, m in metrics.items()
    ]
    lines += table(header, rows)
    lines += [
        "",
        "fact acc. = injected + multi-hop + Korean; model's own = fact accuracy counting only answers the "
        "model stated itself; fallback = fact answers the verifier replaced with the graph's sentence; "
        "hallucination = unknown-fact questions answered instead of "
        "abstained; abstention prec. = abstentions that were on unknown questions; general retention = "
        "accuracy on general + coding; tinted glass = general/coding answers that drag in the knowledge's organisation, its "
        "people, products or places.",
    ]

    lines += ["", "## Accuracy by category", ""]
    categories = [c for c in CATEGORIES if any(c in m["by_category"] for m in metrics.values())]
    header = ["mode", *[CATEGORY_TITLES.get(c, c) for c in categories]]
    rows = []
    for mode, m in metrics.items():
        cells = []
        for c in categories:
            cell = m["by_category"].get(c)
            cells.append("—" if cell is None else f"{pct(cell['accuracy'])} ({cell['correct']}/{cell['n']})")
        rows.append([mode, *cells])
    lines += table(header, rows)
    if png_name:
        lines += ["", f"![accuracy by category, hallucination and tinted-glass rate per mode]({png_name})"]

    goals = report["goals"]
    lines += ["", f"## Goals ({goals['mode']} mode, embedded default model)", ""]
    rows = [
        [g["name"], g["target"], _value_cell(g), _status(g["met"]), g.get("detail", "")]
        for g in goals["results"]
    ]
    lines += table(["goal", "target", "value", "status", "note"], rows)
    met = sum(1 for g in goals["results"] if g["met"] is True)
    lines += ["", f"{met} of {len(goals['results'])} goals met."]

    lines += ["", "## Timing", ""]
    lines.append(f"Wall time for the whole run: {report['wall_time_s']:.1f} s.")
    lines.append("")
    rows = [
        [mode, str(m["n"]), ms(m["latency_ms"]["p50"]), ms(m["latency_ms"]["p95"])]
        for mode, m in metrics.items()
    ]
    lines += table(["mode", "answers", "latency p50", "latency p95"], rows)

    if report["skipped_modes"]:
        lines += ["", "## Skipped modes", ""]
        lines += [f"- `{mode}`: {why}" for mode, why in report["skipped_modes"].items()]

    lines += ["", "## Misses (sample)", ""]
    misses = [r for r in report["records"] if not r["correct"]]
    if not misses:
        lines.append("Every answer was scored correct.")
    else:
        lines.append("Up to three wrong answers per mode and category (all of them are in `eval.json`).")
        lines.append("")
        shown: dict[tuple[str, str], int] = {}
        rows = []
        for r in misses:
            key = (r["mode"], r["category"])
            if shown.get(key, 0) >= 3:
                continue
            shown[key] = shown.get(key, 0) + 1
            why = r["error"] or (
                "hallucinated"
                if r["hallucinated"]
                else "tinted: " + ", ".join(r["violations"])
                if r["tinted"]
                else "abstained"
                if r["abstained"]
                else "forbidden: " + ", ".join(r["violations"])
                if r["violations"]
                else "no expected keyword"
            )
            if r.get("verification") == "fallback":
                why += " (verifier fallback)"
            answer = r["answer"].strip().replace("\n", " ")
            rows.append(
                [r["mode"], r["id"], r["question"], answer[:160] + ("…" if len(answer) > 160 else ""), why]
            )
        lines += table(["mode", "id", "question", "answer", "why"], rows)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- figure


def render_png(report: Mapping[str, Any], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics: Mapping[str, Mapping[str, Any]] = report["metrics"]
    modes = list(metrics)
    categories = [c for c in CATEGORIES if any(c in m["by_category"] for m in metrics.values())]
    groups = [CATEGORY_TITLES.get(c, c) + "\naccuracy" for c in categories]
    groups += ["hallucination\n(lower is better)", "tinted glass\n(lower is better)"]
    colors = {"base": "#9e9e9e", "lora": "#f28e2b", "graph": "#4e79a7", "hybrid": "#59a14f"}
    fig, ax = plt.subplots(figsize=(max(9.0, 1.5 * len(groups) + 2), 5.5), dpi=120)
    width = 0.8 / max(1, len(modes))
    for i, mode in enumerate(modes):
        m = metrics[mode]
        values = [m["by_category"].get(c, {}).get("accuracy") for c in categories]
        values += [m["hallucination_rate"], m["tinted_glass_rate"]]
        xs = [g + (i - (len(modes) - 1) / 2) * width for g in range(len(groups))]
        heights = [0.0 if v is None else 100 * v for v in values]
        bars = ax.bar(xs, heights, width * 0.95, label=mode, color=colors.get(mode))
        for bar, value in zip(bars, values, strict=True):
            label = "n/a" if value is None else f"{100 * value:.0f}"
            ax.annotate(
                label,
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontsize=7,
                xytext=(0, 1),
                textcoords="offset points",
            )
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups, fontsize=9)
    ax.set_ylabel("%")
    ax.set_ylim(0, 110)
    ax.axvline(len(categories) - 0.5, color="#cccccc", linewidth=1, linestyle="--")
    ax.set_title("AX Lab eval: accuracy per category, hallucination and tinted-glass rate by mode")
    ax.legend(title="mode", ncols=len(modes), loc="upper center", bbox_to_anchor=(0.5, -0.16), frameon=False)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


# ---------------------------------------------------------------------------- files


def write_report(report: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    """Write ``eval.json``, ``eval.png`` and ``eval.md`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "eval.json", "md": out_dir / "eval.md", "png": out_dir / "eval.png"}
    render_png(report, paths["png"])
    paths["json"].write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    paths["md"].write_text(render_markdown(report, paths["png"].name), encoding="utf-8")
    return paths
