"""``reports/ablations.{json,md,png}``: the rank and general-mix curves of ``axlab ablate``."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lora.atomic import replacing
from pipeline.evaluation.ablations import (
    FACTORS,
    POINT_METRICS,
    REFERENCE_MIX,
    REFERENCE_RANK,
    curve,
    point_values,
)
from pipeline.evaluation.report import pct, table
from pipeline.evaluation.trained_items import HELD_OUT, TRAINED

COLORS = {
    "trained": "#1b7837",
    "paraphrase": "#7fbf7b",
    "new_wording": "#f28e2b",
    "multihop": "#b07aa1",
    "unknown": "#9c755f",
    "retention": "#4e79a7",
    "tinted_glass": "#e15759",
}
CURVE_KEYS = ("trained", "paraphrase", "new_wording", "retention", "tinted_glass")


def counts(variant: Mapping[str, Any], mode: str) -> dict[str, int]:
    """How many answers each number of a point rests on, keyed as ``POINT_METRICS``."""
    m = variant["metrics"].get(mode, {})
    by_category = m.get("by_category", {})
    levels = (variant.get("levels") or {}).get(mode, {})
    n = {key: by_category.get(key, {}).get("n", 0) for key in ("injected", "multihop", "unknown")}
    general = sum(by_category.get(c, {}).get("n", 0) for c in ("general", "coding"))
    return {
        "trained": levels.get(TRAINED, {}).get("n", 0),
        "paraphrase": levels.get(HELD_OUT, {}).get("n", 0),
        "new_wording": n["injected"],
        "multihop": n["multihop"],
        "unknown": n["unknown"],
        "retention": general,
        "tinted_glass": general,
    }


def margin_95(p: float, n: int) -> float:
    """Half-width of the Wilson 95% interval of a share ``p`` of ``n`` answers."""
    z = 1.96
    centre_scale = 1 + z * z / n
    return float(z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / centre_scale)


def render_markdown(data: Mapping[str, Any]) -> str:
    setup = data["setup"]
    lines = [
        "# AX Lab ablations: LoRA rank and general-data mix",
        "",
        f"Command: `{setup['command']}`; wall time {data['wall_s']:.0f} s "
        f"(of which training {sum(v.get('train_s') or 0 for v in data['variants']):.0f} s).",
        "",
        f"Every variant is `axlab train --preset {setup['preset']}` with one factor changed and at most "
        f"{setup['iters']} steps (the preset's early stop still applies); evaluated in {', '.join(data['modes'])} "
        f"mode on {data['items']} questions, at most {setup['max_tokens']} new tokens each: "
        f"{setup['memorisation_items']} from the training data itself (trained wording: "
        f"{setup['trained_sample']} questions it was trained on, word for word; held-out paraphrase: the "
        "paraphrases `axlab data prepare` keeps out of training; scored on the fact's values), the rest from "
        f"{', '.join(f'`{q}`' for q in setup['questions'])} (categories {', '.join(setup['categories'])}; new "
        "wording is their injected facts). "
        f"{setup['left_out']} general questions that are also in the general training pairs were left out. "
        f"Adapters under `{data['root']}`.",
        "",
    ]
    rows = []
    for v in data["variants"]:
        head = [v["name"], str(v["rank"]), f"{v['general_mix']:g}"]
        if v.get("error"):
            rows.append([*head, "—", *["—"] * len(POINT_METRICS), "—", f"failed: {v['error']}"])
            continue
        t = v.get("training") or {}
        loss = (
            f"{t['val_loss_initial']:.3f} -> {t['best_val_loss']:.3f} (step {t['best_step']})"
            if t.get("val_loss_initial") is not None and t.get("best_val_loss") is not None
            else "—"
        )
        for mode in v["metrics"]:
            values = point_values(v, mode)
            rows.append(
                [
                    *head,
                    mode,
                    *[pct(values[key]) for key, _ in POINT_METRICS],
                    loss,
                    f"{t['elapsed_s']:.0f} s" if t.get("elapsed_s") is not None else "—",
                ]
            )
    lines += table(
        ["variant", "rank", "general mix", "mode", *[n for _, n in POINT_METRICS], "valid loss", "train"],
        rows,
    )
    evaluated = [v for v in data["variants"] if v.get("metrics")]
    if evaluated:
        mode = data["modes"][0]
        n = counts(evaluated[0], mode)
        values = point_values(evaluated[0], mode)
        noise = ", ".join(
            f"{name} ±{100 * margin_95(values[key] or 0.0, n[key]):.0f}"
            for key, name in POINT_METRICS
            if n[key] and values[key] is not None
        )
        lines += [
            "",
            "Answers per point: "
            + ", ".join(f"{name} {n[key]}" for key, name in POINT_METRICS if key != "tinted_glass")
            + " (general retention and tinted glass are over the same general and coding answers). "
            f"At these counts the 95% interval of a point ({evaluated[0]['name']}'s values) is about: {noise} "
            "points; two variants that differ by less are not told apart.",
        ]
    base = (data.get("base") or {}).get("metrics")
    if base:
        n_general = sum(c["n"] for c in base["by_category"].values())
        lines += [
            "",
            f"The base model without an adapter, on the same {n_general} general and coding questions: general "
            f"retention {pct(base.get('retention'))}, tinted glass {pct(base.get('tinted_glass_rate'))} "
            "(the dashed lines in the chart).",
        ]
    done = {v["name"] for v in data["variants"]}
    pending = [name for name in data.get("planned", ()) if name not in done]
    if pending:
        lines += [
            "",
            f"Not run yet (the next `axlab ablate` trains and evaluates them): {', '.join(pending)}.",
        ]
    if data.get("findings"):
        lines += ["", *[f"- {f}" for f in data["findings"]]]
    if data.get("png"):
        lines += ["", f"![ablation curves]({data['png']})"]
    return "\n".join(lines) + "\n"


def render_png(data: Mapping[str, Any], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mode = data["modes"][0]
    titles = dict(POINT_METRICS)
    fig, axes = plt.subplots(1, len(FACTORS) + 1, figsize=(15, 4.8), dpi=120)
    for ax, (factor, title) in zip(axes, FACTORS, strict=False):
        points = [p for p in curve(data["variants"], factor) if mode in p["metrics"]]
        xs = [p[factor] for p in points]
        for key in CURVE_KEYS:
            ys = [point_values(p, mode)[key] for p in points]
            if all(y is None for y in ys):
                continue
            ax.plot(xs, [100 * (y or 0.0) for y in ys], marker="o", label=titles[key], color=COLORS[key])
        base = (data.get("base") or {}).get("metrics") or {}
        for key, metric in (("retention", "retention"), ("tinted_glass", "tinted_glass_rate")):
            if base.get(metric) is not None:
                ax.axhline(100 * base[metric], color=COLORS[key], linestyle="--", linewidth=1, alpha=0.7)
        if factor == "rank":
            ax.set_xscale("log", base=2)
        ax.set_xticks(xs)
        ax.set_xticklabels([f"{x:g}" for x in xs])
        ax.set_xlabel(title)
        ax.set_ylim(-5, 105)
        ax.set_ylabel(f"% ({mode} mode)")
        ax.grid(alpha=0.3)
    axes[0].legend(loc="best", frameon=False, fontsize=8)
    reference = next(
        (
            v
            for v in data["variants"]
            if v.get("metrics") and v["rank"] == REFERENCE_RANK and v["general_mix"] == REFERENCE_MIX
        ),
        None,
    )
    ax = axes[-1]
    if reference is not None:
        values = point_values(reference, mode)
        keys = [k for k, _ in POINT_METRICS[:5] if values[k] is not None]
        n = counts(reference, mode)
        bars = ax.bar(
            range(len(keys)), [100 * (values[k] or 0.0) for k in keys], color=[COLORS[k] for k in keys]
        )
        for bar, key in zip(bars, keys, strict=True):
            ax.annotate(
                f"{100 * (values[key] or 0.0):.0f}% of {n[key]}",
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontsize=7,
            )
        ax.set_xticks(range(len(keys)))
        ax.set_xticklabels([titles[k].replace(" ", "\n", 1) for k in keys], fontsize=8)
        ax.set_ylim(0, 105)
        ax.set_title(f"memorisation ({reference['name']})", fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle("LoRA-only adapter: what it memorised, what it generalises to, what it keeps")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def write_ablation_report(data: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    """Write ``ablations.json``, ``ablations.png`` (when any variant was evaluated) and ``ablations.md``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    if any(v.get("metrics") for v in data["variants"]):
        paths["png"] = render_png(data, out_dir / "ablations.png")
        data["png"] = paths["png"].name
    paths["json"] = out_dir / "ablations.json"
    paths["md"] = out_dir / "ablations.md"
    for path, text in (
        (paths["json"], json.dumps(data, indent=2, ensure_ascii=False) + "\n"),
        (paths["md"], render_markdown(data)),
    ):
        with replacing(path) as tmp:
            Path(tmp).write_text(text, encoding="utf-8")
    return paths
