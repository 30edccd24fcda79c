"""Training checkpoints: adapter weights + optimizer state + step, written atomically.

A checkpoint is two safetensors files named by step plus ``checkpoint.json`` that
points at them; the JSON is replaced last, so a kill at any moment leaves either the
previous checkpoint or the new one, never a mix.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from lora.atomic import replacing
from lora.errors import LoraError
from lora.rows import write_json

CHECKPOINT_DIR = "checkpoint"
CHECKPOINT_JSON = "checkpoint.json"


def save_safetensors_atomic(path: Path, arrays: dict[str, Any]) -> None:
    """``mx.save_safetensors`` to a temp file beside ``path``, then ``os.replace``."""
    import mlx.core as mx

    with replacing(path, ".safetensors") as tmp:
        mx.save_safetensors(tmp, arrays)


def copy_atomic(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` through a temp file and a rename."""
    with replacing(target, target.suffix) as tmp:
        shutil.copyfile(source, tmp)


def save_checkpoint(
    adapter_dir: Path,
    step: int,
    adapter_weights: dict[str, Any],
    optimizer_state: dict[str, Any],
    meta: dict[str, Any],
    best: Path | None = None,
) -> None:
    """Write the step's weights and optimizer state (and a copy of the best weights so far, when
    training keeps the best), then point ``checkpoint.json`` at them."""
    folder = adapter_dir / CHECKPOINT_DIR
    weights_name, optimizer_name = f"{step:07d}_adapters.safetensors", f"{step:07d}_optimizer.safetensors"
    save_safetensors_atomic(folder / weights_name, adapter_weights)
    save_safetensors_atomic(folder / optimizer_name, optimizer_state)
    files = {"weights": weights_name, "optimizer": optimizer_name}
    if best is not None:
        files["best"] = f"{step:07d}_best.safetensors"
        copy_atomic(best, folder / files["best"])
    previous = read_checkpoint(adapter_dir)
    write_json(folder / CHECKPOINT_JSON, {"step": step, **files, **meta})
    if previous and previous["step"] != step:  # keep only the newest checkpoint
        for key in ("weights", "optimizer", "best"):
            if previous.get(key):
                (folder / previous[key]).unlink(missing_ok=True)


def read_checkpoint(adapter_dir: Path) -> dict[str, Any] | None:
    """The newest checkpoint's metadata, or None if there is none."""
    path = adapter_dir / CHECKPOINT_DIR / CHECKPOINT_JSON
    if not path.is_file():
        return None
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise LoraError(f"cannot read checkpoint {path}: {exc}") from exc
    return data


def load_checkpoint_arrays(
    adapter_dir: Path, checkpoint: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The checkpoint's adapter weights and flattened optimizer state."""
    import mlx.core as mx

    folder = adapter_dir / CHECKPOINT_DIR
    try:
        weights = mx.load(str(folder / checkpoint["weights"]))
        optimizer = mx.load(str(folder / checkpoint["optimizer"]))
    except (OSError, RuntimeError, ValueError, KeyError) as exc:
        raise LoraError(f"checkpoint in {folder} is unreadable: {exc}") from exc
    assert isinstance(weights, dict) and isinstance(optimizer, dict)
    return weights, optimizer


def assign_by_path(tree: Any, flat: dict[str, Any]) -> None:
    """Put each ``a.b.0.c`` -> array of ``flat`` into the existing nested ``tree`` in place."""
    for key, value in flat.items():
        node = tree
        parts = key.split(".")
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
        last = parts[-1]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
