"""Named training settings for ``axlab train --preset NAME``, kept as data in ``presets.json``.

A preset is a set of :class:`~lora.train.TrainConfig` values plus a ``description`` and the
``prepare`` command that writes its data folder. Settings are layered: TrainConfig's defaults,
then the preset, then the options given on the command line.
"""

from __future__ import annotations

import json
import types
import typing
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from lora.errors import LoraError
from lora.train import TrainConfig

PRESETS_FILE = "presets.json"
META_KEYS = frozenset({"description", "prepare"})


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    prepare: str | None  # the command that writes the preset's data folder
    settings: dict[str, Any]  # TrainConfig field -> value


def load_presets(text: str | None = None) -> dict[str, Preset]:
    """The shipped presets (or those of ``text``, a presets.json document), checked against TrainConfig."""
    if text is None:
        text = resources.files("lora").joinpath(PRESETS_FILE).read_text(encoding="utf-8")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoraError(f"{PRESETS_FILE}: not valid JSON ({exc})") from exc
    if not isinstance(raw, dict):
        raise LoraError(f"{PRESETS_FILE}: expected an object of named presets")
    return {name: _preset(name, body) for name, body in raw.items()}


def get_preset(name: str) -> Preset:
    presets = load_presets()
    if name not in presets:
        raise LoraError(f"unknown preset '{name}' (known: {', '.join(sorted(presets))})", exit_code=2)
    return presets[name]


def build_config(preset: Preset | None, options: dict[str, Any]) -> TrainConfig:
    """TrainConfig defaults, overlaid by the preset, overlaid by ``options`` that are not None."""
    values = dict(preset.settings) if preset else {}
    values.update({key: value for key, value in options.items() if value is not None})
    return TrainConfig(**values)


def check_preset_data(preset: Preset, data_dir: Path) -> None:
    """A missing data folder names the command that writes it (the trainer's own hint is for the facts)."""
    if preset.prepare and not (data_dir / "train.jsonl").is_file():
        raise LoraError(
            f"preset '{preset.name}' trains on {data_dir}/, which has no train.jsonl: run '{preset.prepare}' first"
        )


def _preset(name: str, body: Any) -> Preset:
    if not isinstance(body, dict):
        raise LoraError(f"{PRESETS_FILE}: preset '{name}' is not an object")
    hints = typing.get_type_hints(TrainConfig)
    settings = {key: value for key, value in body.items() if key not in META_KEYS}
    unknown = sorted(set(settings) - set(hints))
    if unknown:
        raise LoraError(f"{PRESETS_FILE}: preset '{name}' has unknown settings: {', '.join(unknown)}")
    for key, value in settings.items():
        if not _fits(value, hints[key]):
            raise LoraError(f"{PRESETS_FILE}: preset '{name}': {key} = {value!r} is not a {hints[key]}")
    return Preset(name, str(body.get("description", "")), body.get("prepare"), settings)


def _fits(value: Any, hint: Any) -> bool:
    """Whether a JSON value fits a field's type (an int fits a float; a bool fits only a bool)."""
    allowed = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if value is None:
        return type(None) in allowed
    if isinstance(value, bool):
        return bool in allowed
    return any(isinstance(value, t) for t in allowed) or (isinstance(value, int) and float in allowed)
