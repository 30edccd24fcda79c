"""``reports/ablations.{json,md,png}``: the rank and general-mix curves of ``axlab ablate``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lora.atomic import replacing
from pipeline.evaluation.ablations import CURVE_METRICS, FACTORS, curve
from pipeline.evaluation.report import pct, table

COLORS = {"fact_accuracy": "#59a14f", "retention": "#4e79a7", "tinted_glass_rate": "#e15759"}


def _counts(variant: Mapping[str, Any], mode: str) -> str:
    """``facts 69, general 41``: how many answers each point of the curve rests on."""
    m = variant["metrics"][mode]
    facts = sum(c["n"] for name, c in m["by_category"].items() if name in ("injected", "multihop", "korean"))
    general = sum(c["n"] for name, c in m["by_category"].items() if name in ("general", "coding"))
    return f"facts {facts}, general {general}"


def render_markdown(data: Mapping[str, Any]) -> str:
    setup = data["setup"]
    lines = [
        "# AX Lab ablations: LoRA rank and general-data mix",
        "",
        f"Command: `{setup['command']}`; wall time {data['wall_s']:.0f} s "
        f"(of which training {sum(v.get('train_s') or 0 for v in data['variants']):.0f} s).",
        "",
        f"Every variant is `axlab train --preset {setup['preset']}` with one factor changed and "
        f"{setup['iters']} steps; evaluated in {', '.join(data['modes'])} mode on {data['items']} questions "
        f"({', '.join(setup['questions'])}; categories {', '.join(setup['categories'])}; at most "
        f"{setup['max_tokens']} new tokens). {setup['left_out']} general questions that are also in the "
        "general training pairs were left out. Adapters under "
        f"`{data['root']}`.",
        "",
    ]
    rows = []
    for v in data["variants"]:
        head = [v["name"], str(v["rank"]), f"{v['general_mix']:g}"]
        if v.get("error"):
            rows.append([*head, "—", "—", "—", "—", "—", "—", "—", f"failed: {v['error']}"])
            continue
        t = v.get("training") or {}
        loss = (
            f"{t['val_loss_initial']:.3f} -> {t['best_val_loss']:.3f} (step {t['best_step']})"
            if t.get("val_loss_initial") is not None and t.get("best_val_loss") is not None
            else "—"
        )
        for mode in v["metrics"]:
            m = v["metrics"][mode]
            rows.append(
                [
                    *head,
                    mode,
                    *[pct(m.get(key)) for key, _ in CURVE_METRICS],
                    _counts(v, mode),
                    loss,
                    f"{t['elapsed_s']:.0f} s" if t.get("elapsed_s") is not None else "—",
                ]
            )
    lines += table(
        [
            "variant",
            "rank",
            "general mix",
            "mode",
            *[n for _, n in CURVE_METRICS],
            "answers",
            "valid loss",
            "train",
        ],
        rows,
    )
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
    fig, axes = plt.subplots(1, len(FACTORS), figsize=(11, 4.5), dpi=120, sharey=True)
    for ax, (factor, title) in zip(axes, FACTORS, strict=True):
        points = [p for p in curve(data["variants"], factor) if mode in p["metrics"]]
        xs = [p[factor] for p in points]
        for key, name in CURVE_METRICS:
            ys = [p["metrics"][mode].get(key) for p in points]
            ax.plot(xs, [100 * (y or 0.0) for y in ys], marker="o", label=name, color=COLORS.get(key))
        ax.set_xscale("log", base=2) if factor == "rank" else None
        ax.set_xticks(xs)
        ax.set_xticklabels([f"{x:g}" for x in xs])
        ax.set_xlabel(title)
        ax.set_ylim(-5, 105)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f"% ({mode} mode)")
    axes[0].legend(loc="best", frameon=False)
    fig.suptitle("LoRA-only adapter: facts learned, general ability kept, tinted glass")
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
