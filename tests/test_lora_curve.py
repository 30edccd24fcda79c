"""The loss curve writer (pure: no model)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from lora.curve import CURVE_JSON, CURVE_PNG, loss_curve, plot_curve, write_curve

HISTORY = [
    {"step": 5, "train_loss": 1.9, "tokens_per_second": 100.0},
    {"step": 10, "train_loss": 1.7, "tokens_per_second": 100.0, "val_loss": 1.6},
]


def test_columns_are_aligned_with_the_initial_validation_first() -> None:
    assert loss_curve(HISTORY, 2.0) == {
        "step": [0, 5, 10],
        "train_loss": [None, 1.9, 1.7],
        "val_loss": [2.0, None, 1.6],
    }
    assert loss_curve([], None) == {"step": [], "train_loss": [], "val_loss": []}


def test_a_resumed_history_continues_the_curve() -> None:
    later = [*HISTORY, {"step": 15, "train_loss": 1.4, "val_loss": 1.3}]
    assert loss_curve(later, 2.0)["step"] == [0, 5, 10, 15]


def test_write_curve_writes_json_and_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    written = write_curve(tmp_path, loss_curve(HISTORY, 2.0))
    assert written == [tmp_path / CURVE_JSON, tmp_path / CURVE_PNG]
    assert json.loads((tmp_path / CURVE_JSON).read_text())["val_loss"] == [2.0, None, 1.6]
    assert (tmp_path / CURVE_PNG).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [CURVE_JSON, CURVE_PNG]  # no temp files left


def test_without_matplotlib_only_the_json_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes 'import matplotlib...' fail
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)
    assert plot_curve(loss_curve(HISTORY, None), tmp_path / CURVE_PNG) is False
    assert write_curve(tmp_path, loss_curve(HISTORY, None)) == [tmp_path / CURVE_JSON]
    assert not (tmp_path / CURVE_PNG).exists()
