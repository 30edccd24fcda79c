"""Adapter folders: what is in them, and whether they fit a given base model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lora.errors import LoraError

ADAPTER_CONFIG = "adapter_config.json"
ADAPTER_WEIGHTS = "adapters.safetensors"


def read_adapter_config(adapter: Path) -> dict[str, Any]:
    """The adapter's ``adapter_config.json``, or a one-line error."""
    if not adapter.exists():
        raise LoraError(f"adapter not found: {adapter}")
    config_file = adapter / ADAPTER_CONFIG
    if not config_file.is_file() or not (adapter / ADAPTER_WEIGHTS).is_file():
        raise LoraError(f"{adapter} is not an adapter folder (needs {ADAPTER_CONFIG} and {ADAPTER_WEIGHTS})")
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise LoraError(f"cannot read {config_file}: {exc}") from exc
    if not isinstance(config, dict):
        raise LoraError(f"{config_file} is not a JSON object")
    return config


def check_adapter_matches(adapter: Path, fingerprint: str, model_id: str) -> dict[str, Any]:
    """Fail clearly when ``adapter`` was trained on another base model."""
    config = read_adapter_config(adapter)
    base = config.get("base_model")
    if isinstance(base, dict) and base.get("fingerprint") and base["fingerprint"] != fingerprint:
        raise LoraError(
            f"adapter {adapter} was trained for model '{base.get('model')}' "
            f"(fingerprint {base['fingerprint']}), not for '{model_id}' (fingerprint {fingerprint})"
        )
    return config
