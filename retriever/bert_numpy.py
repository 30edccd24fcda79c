"""A BERT sentence encoder in NumPy: all-MiniLM-L6-v2's vectors without importing torch.

sentence-transformers imports torch, transformers, scikit-learn and scipy (about 13 s on a
2-core machine) to embed one question. For a sentence-transformers folder whose model is a
plain BERT (``model_type: bert``) with mean pooling and normalisation, this module computes
the same vectors from ``model.safetensors`` with NumPy and the ``tokenizers`` library (tested
against sentence-transformers: cosine >= 0.999 on 50 sentences). Other folders return None
from :func:`load_numpy_bert` and keep using sentence-transformers.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float32]
_MODULES = ("sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def supported(folder: Path) -> bool:
    """Whether ``folder`` is a BERT sentence-transformers model this encoder reproduces."""
    config = _read_json(folder / "config.json")
    modules = _read_json(folder / "modules.json")
    pooling = _read_json(folder / "1_Pooling" / "config.json")
    if not isinstance(config, dict) or not isinstance(modules, list) or not isinstance(pooling, dict):
        return False
    types = [m.get("type") for m in modules if isinstance(m, dict)]
    mean_only = pooling.get("pooling_mode_mean_tokens") is True and not any(
        pooling.get(k) for k in pooling if k.startswith("pooling_mode_") and k != "pooling_mode_mean_tokens"
    )
    return (
        config.get("model_type") == "bert"
        and config.get("hidden_act") == "gelu"
        and config.get("position_embedding_type", "absolute") == "absolute"
        and types[:2] == list(_MODULES)
        and set(types[2:]) <= {"sentence_transformers.models.Normalize"}
        and mean_only
        and (folder / "model.safetensors").is_file()
        and (folder / "tokenizer.json").is_file()
    )


@contextlib.contextmanager
def numpy_blas_threads(n: int) -> Iterator[None]:
    """Run with NumPy's own BLAS on ``n`` threads (MLX's OpenBLAS untouched), then restore.

    On a shared 2-core machine two BLAS threads spin-wait on each other: one short question
    took 0.1-0.7 s with two threads and 20-60 ms with one."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        yield
        return
    home = Path(np.__file__).resolve().parent
    own = (f"{home}/", f"{home}.libs/")  # the wheel's bundled OpenBLAS lives in numpy.libs/
    libs = [lib for lib in ThreadpoolController().lib_controllers if str(lib.filepath).startswith(own)]
    before = [lib.num_threads for lib in libs]
    for lib in libs:
        lib.set_num_threads(n)
    try:
        yield
    finally:
        for lib, count in zip(libs, before, strict=True):
            lib.set_num_threads(count)


def _erf(x: Array) -> Array:
    """Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7): exact GELU without scipy."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return (sign * (1.0 - poly * np.exp(-a * a))).astype(np.float32)


def _gelu(x: Array) -> Array:
    return (0.5 * x * (1.0 + _erf(x / np.float32(np.sqrt(2.0))))).astype(np.float32)


def _layer_norm(x: Array, weight: Array, bias: Array, eps: float) -> Array:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return ((x - mean) / np.sqrt(var + eps) * weight + bias).astype(np.float32)


@dataclass
class NumpyBert:
    """Weights, tokenizer and settings of one BERT sentence model."""

    weights: dict[str, Array]
    tokenizer: Any
    heads: int
    layers: int
    eps: float
    normalize: bool
    pad_id: int = 0

    def _linear(self, x: Array, name: str) -> Array:
        return x @ self.weights[f"{name}.weight"].T + self.weights[f"{name}.bias"]

    def _forward(self, ids: npt.NDArray[np.int64], mask: Array) -> Array:
        w = self.weights
        batch, length = ids.shape
        x = w["embeddings.word_embeddings.weight"][ids]
        x = x + w["embeddings.position_embeddings.weight"][:length][None]
        x = x + w["embeddings.token_type_embeddings.weight"][0]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        hidden = x.shape[-1]
        size = hidden // self.heads
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for i in range(self.layers):
            p = f"encoder.layer.{i}"

            def split(t: Array) -> Array:
                return t.reshape(batch, length, self.heads, size).transpose(0, 2, 1, 3)

            q = split(self._linear(x, f"{p}.attention.self.query"))
            k = split(self._linear(x, f"{p}.attention.self.key"))
            v = split(self._linear(x, f"{p}.attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(size)) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores = scores / scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
            attended = self._linear(context, f"{p}.attention.output.dense") + x
            x = _layer_norm(
                attended,
                w[f"{p}.attention.output.LayerNorm.weight"],
                w[f"{p}.attention.output.LayerNorm.bias"],
                self.eps,
            )
            inner = _gelu(self._linear(x, f"{p}.intermediate.dense"))
            out = self._linear(inner, f"{p}.output.dense") + x
            x = _layer_norm(out, w[f"{p}.output.LayerNorm.weight"], w[f"{p}.output.LayerNorm.bias"], self.eps)
        return x.astype(np.float32)

    def encode(self, texts: list[str], batch_size: int = 32, threads: int = 1) -> Array:
        """Mean-pooled (and, like the folder's Normalize module, unit-length) vectors."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        with numpy_blas_threads(threads):
            return self._encode(texts, batch_size)

    def _encode(self, texts: list[str], batch_size: int) -> Array:
        encoded = [e.ids for e in self.tokenizer.encode_batch(texts)]
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))  # little padding per batch
        out = np.zeros((len(texts), self.weights["embeddings.word_embeddings.weight"].shape[1]), np.float32)
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            length = max(len(encoded[i]) for i in chunk)
            ids = np.full((len(chunk), length), self.pad_id, dtype=np.int64)
            mask = np.zeros((len(chunk), length), dtype=np.float32)
            for row, i in enumerate(chunk):
                ids[row, : len(encoded[i])] = encoded[i]
                mask[row, : len(encoded[i])] = 1.0
            states = self._forward(ids, mask)
            pooled = (states * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
            if self.normalize:
                pooled = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            out[chunk] = pooled
        return out


def load_numpy_bert(folder: Path) -> NumpyBert | None:
    """The NumPy encoder for ``folder``, or None when the folder is not a supported model."""
    if not supported(folder):
        return None
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    config = _read_json(folder / "config.json")
    st_config = _read_json(folder / "sentence_bert_config.json") or {}
    modules = _read_json(folder / "modules.json") or []
    max_length = int(st_config.get("max_seq_length") or config.get("max_position_embeddings", 512))
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_length)
    weights = {
        k: v.astype(np.float32, copy=False) for k, v in load_file(str(folder / "model.safetensors")).items()
    }
    if any(k.startswith("bert.") for k in weights):
        weights = {k.removeprefix("bert."): v for k, v in weights.items()}
    return NumpyBert(
        weights=weights,
        tokenizer=tokenizer,
        heads=int(config["num_attention_heads"]),
        layers=int(config["num_hidden_layers"]),
        eps=float(config.get("layer_norm_eps", 1e-12)),
        normalize=any(isinstance(m, dict) and m.get("type", "").endswith("Normalize") for m in modules),
        pad_id=int(config.get("pad_token_id", 0)),
    )
