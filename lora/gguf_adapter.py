"""Export an mlx-lm LoRA adapter as a GGUF LoRA adapter that llama.cpp applies to the shipped GGUF.

mlx-lm computes ``y = x W^T + scale * (x A) B`` with ``lora_a`` A of shape (in, r) and ``lora_b``
B of shape (r, out). llama.cpp stores ``blk.N.<kind>.weight.lora_a`` as (r, in) and ``.lora_b``
as (out, r) (numpy order) and scales ``B A`` by ``alpha / r``; so A and B are transposed and
``adapter.lora.alpha = scale * r``. llama.cpp's converter permutes the output rows of the q and
k projections for its rotary layout (the shipped GGUF's are permuted, :func:`lora.convert.unpermute_rows`
undoes it for MLX), so B of q and k gets the same permutation, or the adapter would move the
wrong rows. Only the base tensors are touched: the tokenizer and everything else come from the
base GGUF at load time.

Files are cached under ``<cache>/llama.cpp/adapters``, named by a hash of the adapter's
weights and config, the base GGUF and :data:`EXPORTER_VERSION`; they are written to a temp
file beside the final name and renamed in one step.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lora.adapters import ADAPTER_CONFIG, ADAPTER_WEIGHTS, read_adapter_config
from lora.convert import LAYER_NAMES
from lora.errors import LoraError
from lora.paths import cache_dir

EXPORTER_VERSION = 1
_GGUF_KIND = {hf: kind for kind, hf in LAYER_NAMES.items()}


class GgufExportError(LoraError):
    """The adapter cannot be written as a GGUF LoRA for this base model (one line)."""


@dataclass(frozen=True)
class BaseModelInfo:
    """What the export needs from the base GGUF: its architecture, head counts and shapes."""

    arch: str
    n_head: int
    n_head_kv: int
    shapes: Mapping[str, tuple[int, ...]]  # tensor name -> ggml ne (in, out) for matrices


def permute_rows(x: np.ndarray, n_head: int) -> np.ndarray:
    """llama.cpp's q/k ``permute`` of the output rows (the inverse of :func:`lora.convert.unpermute_rows`)."""
    rows = x.shape[0]
    if rows % (2 * n_head):
        raise GgufExportError(f"cannot permute {rows} rows for {n_head} heads")
    return np.ascontiguousarray(
        x.reshape(n_head, 2, rows // n_head // 2, *x.shape[1:]).swapaxes(1, 2).reshape(x.shape)
    )


def read_base_info(gguf_path: Path) -> BaseModelInfo:
    """Architecture, head counts and tensor shapes of a GGUF model."""
    from gguf import GGUFReader

    try:
        reader = GGUFReader(str(gguf_path))
    except (OSError, ValueError) as exc:
        raise GgufExportError(f"cannot read the base model {gguf_path}: {exc}") from exc

    def field(key: str) -> Any:
        if key not in reader.fields:
            raise GgufExportError(f"{gguf_path.name} has no '{key}'")
        return reader.fields[key].contents()

    arch = str(field("general.architecture"))
    if arch != "llama":
        raise GgufExportError(f"unsupported GGUF architecture {arch!r} (only llama)")
    return BaseModelInfo(
        arch=arch,
        n_head=int(field(f"{arch}.attention.head_count")),
        n_head_kv=int(field(f"{arch}.attention.head_count_kv")),
        shapes={t.name: tuple(int(d) for d in t.shape) for t in reader.tensors},
    )


def gguf_target(mlx_name: str) -> str:
    """``model.layers.3.self_attn.q_proj`` -> ``blk.3.attn_q.weight``."""
    parts = mlx_name.split(".")
    module = ".".join(parts[3:])
    if (
        parts[:2] != ["model", "layers"]
        or len(parts) < 4
        or not parts[2].isdigit()
        or module not in _GGUF_KIND
    ):
        raise GgufExportError(f"LoRA on '{mlx_name}' has no llama.cpp equivalent (only attention and MLP)")
    return f"blk.{parts[2]}.{_GGUF_KIND[module]}.weight"


def load_lora_weights(adapter: Path) -> dict[str, np.ndarray]:
    """The adapter's tensors as float32 numpy arrays."""
    path = adapter / ADAPTER_WEIGHTS
    try:
        from safetensors.numpy import load_file

        return {k: v.astype(np.float32) for k, v in load_file(str(path)).items()}
    except (OSError, ValueError) as exc:
        raise GgufExportError(f"cannot read {path}: {exc}") from exc
    except TypeError:  # bfloat16, which numpy cannot hold: go through MLX
        import mlx.core as mx

        import lora  # noqa: F401  (OpenBLAS before mlx)

        loaded = mx.load(str(path))
        assert isinstance(loaded, dict)
        return {k: np.array(v.astype(mx.float32)) for k, v in loaded.items()}


def lora_tensors(
    config: Mapping[str, Any], weights: Mapping[str, np.ndarray], base: BaseModelInfo
) -> tuple[dict[str, np.ndarray], float]:
    """llama.cpp's ``*.lora_a`` / ``*.lora_b`` tensors and ``adapter.lora.alpha``."""
    kind = config.get("fine_tune_type", "lora")
    if kind != "lora":
        raise GgufExportError(f"a {kind} adapter cannot run on llama.cpp (only plain LoRA)")
    params = config.get("lora_parameters") or {}
    scale = float(params.get("scale", 20.0))
    out: dict[str, np.ndarray] = {}
    ranks: set[int] = set()
    a_names = sorted(k for k in weights if k.endswith(".lora_a"))
    if not a_names or len(a_names) * 2 != len(weights):
        raise GgufExportError("the adapter's weights are not lora_a/lora_b pairs")
    for a_name in a_names:
        module = a_name.removesuffix(".lora_a")
        b_name = f"{module}.lora_b"
        if b_name not in weights:
            raise GgufExportError(f"the adapter has {a_name} but no {b_name}")
        target = gguf_target(module)
        a, b = weights[a_name], weights[b_name]  # (in, r), (r, out)
        if target not in base.shapes:
            raise GgufExportError(f"the base model has no tensor {target}")
        n_in, n_out = base.shapes[target][:2]
        if (
            a.ndim != 2
            or b.ndim != 2
            or a.shape[1] != b.shape[0]
            or (a.shape[0], b.shape[1]) != (n_in, n_out)
        ):
            raise GgufExportError(
                f"{module}: LoRA {a.shape}x{b.shape} does not fit {target} ({n_in} in, {n_out} out): "
                "trained for another model?"
            )
        b_rows = np.ascontiguousarray(b.T)  # (out, r)
        if target.endswith(".attn_q.weight"):
            b_rows = permute_rows(b_rows, base.n_head)
        elif target.endswith(".attn_k.weight"):
            b_rows = permute_rows(b_rows, base.n_head_kv)
        out[f"{target}.lora_a"] = np.ascontiguousarray(a.T)  # (r, in)
        out[f"{target}.lora_b"] = b_rows
        ranks.add(a.shape[1])
    if len(ranks) != 1:
        raise GgufExportError(f"the adapter mixes LoRA ranks {sorted(ranks)}; llama.cpp needs one alpha")
    return out, scale * ranks.pop()


def write_gguf_adapter(path: Path, arch: str, tensors: Mapping[str, np.ndarray], alpha: float) -> None:
    """Write a GGUF LoRA adapter to ``path`` (not atomic: see :func:`export_adapter`)."""
    from gguf import GGUFWriter

    writer = GGUFWriter(str(path), arch)
    writer.add_type("adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", float(alpha))
    for name in sorted(tensors):
        writer.add_tensor(name, tensors[name])
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def adapter_digest(adapter: Path, base_gguf: Path) -> str:
    """A hash of what the exported file depends on."""
    digest = hashlib.sha256(f"v{EXPORTER_VERSION}:{base_gguf.name}:{base_gguf.stat().st_size}".encode())
    for name in (ADAPTER_CONFIG, ADAPTER_WEIGHTS):
        try:
            digest.update((adapter / name).read_bytes())
        except OSError as exc:
            raise GgufExportError(f"cannot read {adapter / name}: {exc}") from exc
    return digest.hexdigest()[:20]


def export_adapter(adapter: Path, base_gguf: Path, out_dir: Path | None = None) -> Path:
    """The GGUF LoRA file for ``adapter`` on ``base_gguf``, exported on first use (atomic, cached)."""
    config = read_adapter_config(adapter)
    root = out_dir if out_dir is not None else cache_dir() / "llama.cpp" / "adapters"
    final = root / f"{adapter.resolve().name}-{adapter_digest(adapter, base_gguf)}.gguf"
    if final.is_file():
        return final
    base = read_base_info(base_gguf)
    tensors, alpha = lora_tensors(config, load_lora_weights(adapter), base)
    try:
        root.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=".gguf", dir=root)
        os.close(handle)
    except OSError as exc:
        raise GgufExportError(f"cannot write to the adapter cache {root}: {exc}") from exc
    try:
        write_gguf_adapter(Path(tmp), base.arch, tensors, alpha)
        os.replace(tmp, final)
    except OSError as exc:
        raise GgufExportError(f"cannot write {final}: {exc}") from exc
    finally:
        Path(tmp).unlink(missing_ok=True)
    return final
