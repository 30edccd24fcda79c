"""The loss curve of a training run: ``loss_curve.json`` and, with matplotlib, ``loss_curve.png``.

Both are rebuilt from the run's history (saved with each checkpoint), so a resumed run
continues the curve of the run it resumes.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from lora.atomic import replacing
from lora.rows import write_json

CURVE_JSON = "loss_curve.json"
CURVE_PNG = "loss_curve.png"


def loss_curve(history: Iterable[dict[str, Any]], val_initial: float | None) -> dict[str, list[Any]]:
    """Aligned columns ``step``, ``train_loss``, ``val_loss`` (None where a step has no such loss)."""
    curve: dict[str, list[Any]] = {"step": [], "train_loss": [], "val_loss": []}
    if val_initial is not None:
        _append(curve, 0, None, val_initial)
    for entry in history:
        _append(curve, int(entry["step"]), entry.get("train_loss"), entry.get("val_loss"))
    return curve


def _append(curve: dict[str, list[Any]], step: int, train: float | None, val: float | None) -> None:
    curve["step"].append(step)
    curve["train_loss"].append(None if train is None else float(train))
    curve["val_loss"].append(None if val is None else float(val))


def write_curve(folder: Path, curve: dict[str, list[Any]], *, plot: bool = True) -> list[Path]:
    """Write the JSON (and the PNG when ``plot`` and matplotlib is installed); the paths written."""
    written = [folder / CURVE_JSON]
    write_json(written[0], curve)
    if plot and plot_curve(curve, folder / CURVE_PNG):
        written.append(folder / CURVE_PNG)
    return written


def plot_curve(curve: dict[str, list[Any]], path: Path) -> bool:
    """Draw train and valid loss against the step; False (nothing written) without matplotlib."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return False
    figure = Figure(figsize=(6.4, 4.0), layout="tight")
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    for key, label, style in (("train_loss", "train", "-"), ("val_loss", "valid", "o-")):
        points = [(s, v) for s, v in zip(curve["step"], curve[key], strict=True) if v is not None]
        if points:
            axes.plot([s for s, _ in points], [v for _, v in points], style, label=label)
    axes.set_xlabel("step")
    axes.set_ylabel("loss")
    axes.grid(alpha=0.3)
    if axes.get_legend_handles_labels()[0]:
        axes.legend()
    with replacing(path, ".png") as tmp:
        figure.savefig(tmp, format="png", dpi=100)
    return True
