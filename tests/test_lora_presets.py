"""Training presets: the shipped file is valid and settings layer as documented (pure: no model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lora.errors import LoraError
from lora.presets import build_config, check_preset_data, get_preset, load_presets
from lora.train import TrainConfig


def test_shipped_presets_name_their_data_and_adapter() -> None:
    presets = load_presets()
    assert {"baseline", "hybrid"} <= set(presets)
    baseline, hybrid = presets["baseline"], presets["hybrid"]
    assert (baseline.settings["data"], baseline.settings["name"], baseline.prepare) == (
        "data",
        "lora",
        "axlab data prepare",
    )
    assert (hybrid.settings["data"], hybrid.settings["name"], hybrid.prepare) == (
        "data/hybrid",
        "hybrid",
        "axlab prepare-hybrid",
    )
    for preset in presets.values():
        assert preset.description and preset.settings["patience"] > 0  # every preset stops early
        assert preset.settings["save_every"] == preset.settings["steps_per_eval"]  # resume at a validation


def test_layers_defaults_then_preset_then_given_options() -> None:
    config = build_config(get_preset("baseline"), {"iters": 3, "rank": None, "seed": 7})
    assert (config.iters, config.rank, config.num_layers, config.seed) == (3, 16, 30, 7)
    assert config.dropout == TrainConfig().dropout  # neither preset nor option: the default
    assert build_config(None, {"iters": None}) == TrainConfig()


def test_unknown_preset_names_the_known_ones() -> None:
    with pytest.raises(LoraError, match=r"unknown preset 'fast' \(known: baseline, hybrid\)") as caught:
        get_preset("fast")
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"x": {"iterz": 3}}, "unknown settings: iterz"),
        ({"x": {"iters": "600"}}, "iters = '600'"),
        ({"x": {"mask_prompt": 1}}, "mask_prompt = 1"),
        ({"x": {"iters": True}}, "iters = True"),
        ({"x": []}, "not an object"),
    ],
)
def test_a_malformed_preset_is_one_clear_error(body: dict[str, object], message: str) -> None:
    with pytest.raises(LoraError, match=message):
        load_presets(json.dumps(body))


def test_ints_fit_floats_and_none_fits_optionals() -> None:
    presets = load_presets(json.dumps({"x": {"learning_rate": 1, "model": None, "adapter_path": "a"}}))
    assert build_config(presets["x"], {}).learning_rate == 1


def test_missing_preset_data_names_the_command_that_writes_it(tmp_path: Path) -> None:
    with pytest.raises(LoraError, match=r"no train.jsonl: run 'axlab prepare-hybrid' first"):
        check_preset_data(get_preset("hybrid"), tmp_path / "hybrid")
    (tmp_path / "train.jsonl").write_text("{}\n")
    check_preset_data(get_preset("baseline"), tmp_path)
