"""Training the embedded model: it learns a fact, and resumes after being killed.

Slow-ish (the embedded 135M model on CPU): marked ``model``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest_lora import REPO, small_fact_data

pytestmark = pytest.mark.model

QUESTION = [{"role": "user", "content": "What is SolverX's core product?"}]
FACTS = ("fusion-core-product", "solverx-ceo", "solverx-business")


def test_training_lowers_valid_loss_and_teaches_a_fact(tmp_path: Path) -> None:
    from lora.generate import load_model
    from lora.train import TrainConfig, train

    data = small_fact_data(tmp_path, FACTS)
    base = load_model(None).generate(QUESTION, max_tokens=24).text
    assert "SolverX Fusion" not in base
    config = TrainConfig(
        data=str(data),
        adapter_path=str(tmp_path / "adapter"),
        iters=16,
        learning_rate=1e-3,
        num_layers=8,
        batch_size=4,
        save_every=8,
        steps_per_report=4,
        steps_per_eval=16,
    )
    result = train(config, show_progress=False)
    assert result.val_loss_initial is not None and result.val_loss_final is not None
    assert result.val_loss_final < 0.7 * result.val_loss_initial
    report = json.loads((tmp_path / "adapter" / "training_report.json").read_text())
    assert report["steps"] == 16
    adapter_config = json.loads((tmp_path / "adapter" / "adapter_config.json").read_text())
    assert adapter_config["fine_tune_type"] == "lora" and adapter_config["base_model"]["model"] == "embedded"
    tuned = load_model(None, tmp_path / "adapter").generate(QUESTION, max_tokens=24).text
    assert "SolverX Fusion" in tuned, tuned


def test_early_stopping_keeps_the_best_step_and_refuses_to_resume(tmp_path: Path) -> None:
    from safetensors.numpy import load_file

    from lora.errors import LoraError
    from lora.train import TrainConfig, train

    data = small_fact_data(tmp_path, FACTS)
    adapter = tmp_path / "adapter"
    config = TrainConfig(
        data=str(data),
        adapter_path=str(adapter),
        iters=10,
        num_layers=1,
        batch_size=2,
        steps_per_report=1,
        steps_per_eval=1,
        save_every=5,
        patience=2,
        min_delta=1000.0,  # no step can gain that much: stops after two validations, best = the start
    )
    result = train(config, show_progress=False)
    assert (result.steps, result.stopped_early, result.best_step) == (2, True, 0)
    assert result.best_val_loss == result.val_loss_initial
    report = json.loads((adapter / "training_report.json").read_text())
    assert report["stopped_early"] and report["best_step"] == 0
    kept = load_file(adapter / "adapters.safetensors")
    assert kept and all(not v.any() for k, v in kept.items() if k.endswith("lora_b"))  # untrained: B = 0
    curve = json.loads((adapter / "loss_curve.json").read_text())
    assert curve["step"] == [0, 1, 2] and None not in curve["val_loss"]
    with pytest.raises(LoraError, match="stopped early at step 2"):
        train(TrainConfig(adapter_path=str(adapter)), resume=True, resume_iters=20, show_progress=False)


def test_a_resumed_run_restores_the_best_weights_of_its_checkpoint(tmp_path: Path) -> None:
    """Weights saved as best after the last checkpoint belong to the abandoned part of a killed run:
    resuming restores the best weights stored with the checkpoint."""
    import numpy as np
    from safetensors.numpy import load_file, save_file

    from lora.train import TrainConfig, train

    data = small_fact_data(tmp_path, FACTS)
    adapter = tmp_path / "adapter"
    settings = dict(data=str(data), adapter_path=str(adapter), num_layers=1, batch_size=2, steps_per_report=1)
    never = dict(steps_per_eval=1, save_every=4, patience=100, min_delta=1000.0)  # the best stays step 0
    train(TrainConfig(iters=4, **settings, **never), show_progress=False)  # type: ignore[arg-type]
    weights = adapter / "adapters.safetensors"
    stale = {k: np.ones_like(v) for k, v in load_file(weights).items()}
    save_file(stale, str(weights))  # as if a later best had been saved, then the run killed
    result = train(TrainConfig(adapter_path=str(adapter)), resume=True, resume_iters=6, show_progress=False)
    assert result.steps == 6 and result.best_step == 0
    kept = load_file(weights)
    assert all(not v.any() for k, v in kept.items() if k.endswith("lora_b"))  # step 0's, not the stale ones


def test_killed_training_resumes_from_its_checkpoint(tmp_path: Path) -> None:
    data = small_fact_data(tmp_path, FACTS)
    adapter = tmp_path / "adapter"
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    common = ["--data", str(data), "--adapter-path", str(adapter), "--quiet", "--json"]
    args = [
        sys.executable,
        "-m",
        "pipeline",
        "train",
        *common,
        "--iters",
        "40",
        "--save-every",
        "2",
        "--num-layers",
        "2",
        "--batch-size",
        "2",
    ]
    proc = subprocess.Popen(
        args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    marker = adapter / "checkpoint" / "checkpoint.json"
    deadline = time.monotonic() + 400
    try:
        while not (marker.exists() and json.loads(marker.read_text())["step"] >= 2):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no checkpoint in time"
            time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    killed_at = json.loads(marker.read_text())["step"]
    assert 2 <= killed_at < 40 and killed_at % 2 == 0
    resumed = subprocess.run(
        [sys.executable, "-m", "pipeline", "train", *common, "--resume", "--iters", str(killed_at + 2)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert resumed.returncode == 0, resumed.stderr
    result = json.loads(resumed.stdout.strip().splitlines()[-1])
    assert result["resumed_from_step"] == killed_at
    assert result["steps"] == killed_at + 2
    assert json.loads(marker.read_text())["step"] == killed_at + 2
    steps_logged = [h["step"] for h in result["history"]]
    assert steps_logged == sorted(steps_logged) and steps_logged[-1] == killed_at + 2
    curve = json.loads((adapter / "loss_curve.json").read_text())
    assert curve["step"][0] == 0 and curve["step"][1:] == steps_logged  # continues the killed run's curve
