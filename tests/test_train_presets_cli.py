"""``axlab train --preset``: the preset's settings apply, given options override them, the curve is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest_lora import run_cli, small_fact_data

FACTS = ("fusion-core-product", "solverx-ceo", "solverx-business")


@pytest.mark.model
def test_baseline_preset_is_applied_and_given_options_override_it(tmp_path: Path) -> None:
    from lora.presets import get_preset
    from lora.train import TrainConfig

    data = small_fact_data(tmp_path, FACTS)
    adapter = tmp_path / "adapter"
    given = ["--iters", "3", "--num-layers", "1", "--data", str(data), "--adapter-path", str(adapter)]
    result = run_cli("train", "--preset", "baseline", *given, "--quiet", "--json")
    assert result.returncode == 0, result.stderr
    saved = json.loads((adapter / "adapter_config.json").read_text())["axlab_train_config"]
    assert (saved["iters"], saved["num_layers"], saved["data"]) == (3, 1, str(data))
    baseline = get_preset("baseline").settings
    for key in ("rank", "learning_rate", "batch_size", "patience", "min_delta", "steps_per_eval"):
        assert saved[key] == baseline[key], key
    assert (saved["rank"], saved["patience"]) != (TrainConfig().rank, TrainConfig().patience)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["steps"] == 3 and report["stopped_early"] is False and report["best_step"] in (0, 3)
    curve = json.loads((adapter / "loss_curve.json").read_text())
    assert curve["step"] == [0, 3] and curve["val_loss"][0] == report["val_loss_initial"]


def test_unknown_preset_is_one_line_and_a_non_zero_exit() -> None:
    result = run_cli("train", "--preset", "nope", timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == ["error: unknown preset 'nope' (known: baseline, hybrid)"], result.stderr
