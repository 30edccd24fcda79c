"""Resolve ``--model`` values to a folder and fingerprint models for adapter checks.

``embedded`` (or None) is the converted SmolLM2-135M-Instruct. Anything else is a
local MLX/HF folder or a Hugging Face hub id (downloaded by mlx-lm where the hub is
reachable; with ``HF_HUB_OFFLINE=1`` only already-cached ids work).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lora.errors import LoraError

EMBEDDED = "embedded"
REFERENCE_MODEL = "google/gemma-2-9b-it"
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
# Keys that change how weights are stored, not which model it is.
_STORAGE_KEYS = {"quantization", "quantization_config", "torch_dtype", "dtype", "_name_or_path"}


@dataclass(frozen=True)
class ResolvedModel:
    """A model the user named, and the local folder that holds it."""

    model_id: str  # "embedded", a hub id or the path the user gave
    path: Path


def default_precision() -> str:
    """``float32`` on Linux CPUs, where MLX's quantized kernels are slow; ``q4`` on macOS.

    Override with ``AXLAB_EMBEDDED_PRECISION=q4|float16|float32``.
    """
    chosen = os.environ.get("AXLAB_EMBEDDED_PRECISION")
    if chosen:
        if chosen not in {"q4", "float16", "float32"}:
            raise LoraError(f"AXLAB_EMBEDDED_PRECISION must be q4, float16 or float32, not {chosen!r}")
        return chosen
    return "q4" if sys.platform == "darwin" else "float32"


def is_embedded(model: str | None) -> bool:
    return model is None or model.strip() in {"", EMBEDDED}


def resolve_model(model: str | None) -> ResolvedModel:
    """Return the local folder for ``model``; download a hub id if allowed."""
    if is_embedded(model):
        from lora.convert import embedded_model_path

        return ResolvedModel(EMBEDDED, embedded_model_path(default_precision()))  # type: ignore[arg-type]
    assert model is not None
    candidate = Path(model).expanduser()
    if candidate.exists():
        if not (candidate / "config.json").is_file():
            raise LoraError(f"model folder {model} has no config.json (not an MLX/Hugging Face model)")
        return ResolvedModel(model, candidate.resolve())
    if not _HUB_ID.match(model):  # "./x", "/x", "a/b/c": a path, and it is missing
        raise LoraError(f"model path not found: {model}")
    try:
        from huggingface_hub import snapshot_download

        folder = snapshot_download(
            model,
            allow_patterns=["*.json", "*.safetensors", "*.jinja", "tokenizer.model", "*.txt"],
        )
    except Exception as exc:  # offline, unknown id, gated repo...
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LoraError(
            f"model {model} is neither a local folder nor a reachable hub model: {reason}"
        ) from exc
    return ResolvedModel(model, Path(folder))


def model_fingerprint(path: Path) -> str:
    """A short hash of the model's architecture config and weight source.

    Storage details (quantization, dtype) are left out: an adapter trained on the
    4-bit embedded model loads on its float32 twin, which holds the same values.
    """
    try:
        config: dict[str, Any] = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise LoraError(f"cannot read {path / 'config.json'}: {exc}") from exc
    identity = {k: v for k, v in config.items() if k not in _STORAGE_KEYS}
    source = path / "axlab_source.json"
    if source.is_file():
        identity["axlab_source"] = json.loads(source.read_text(encoding="utf-8")).get("source")
    canonical = json.dumps(identity, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def model_identity(resolved: ResolvedModel) -> dict[str, str]:
    """What an adapter records about the model it was trained on."""
    return {
        "model": resolved.model_id,
        "path": str(resolved.path),
        "fingerprint": model_fingerprint(resolved.path),
    }
