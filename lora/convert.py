"""Convert the embedded SmolLM2 GGUF into a folder ``mlx_lm.load`` reads, once.

``mx.load`` reads GGUF Q4_1/Q8_0 tensors directly as MLX affine-quantized triples
(``weight`` uint32, ``scales`` and ``biases`` float16, group size 32), so the 4-bit
weights are kept bit-for-bit. llama.cpp's converter permutes the rows of the q and k
projections for its interleaved rotary layout; we undo that so the folder is a plain
Hugging Face-layout llama model (``rope_traditional`` false). The folder is written to
a temp dir beside its final place and renamed in one step, so a crash never leaves a
half-written model that would be reused.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Literal, cast

import lora  # noqa: F401  (loads OpenBLAS before mlx)
from lora.errors import LoraError
from lora.gguf_tokenizer import save_tokenizer_from_gguf
from lora.paths import cache_dir, embedded_gguf_path

Precision = Literal["q4", "float16", "float32"]
CONVERTER_VERSION = 2
EMBEDDED_NAME = "smollm2-135m-instruct"

LAYER_NAMES = {
    "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
    "attn_norm": "input_layernorm",
    "ffn_norm": "post_attention_layernorm",
}
_TOP_NAMES = {"token_embd": "model.embed_tokens", "output_norm": "model.norm", "output": "lm_head"}


def _meta_int(metadata: dict[str, Any], key: str) -> int:
    value = metadata[key]
    return int(value.item()) if hasattr(value, "item") else int(value)


def _meta_float(metadata: dict[str, Any], key: str) -> float:
    value = metadata[key]
    return float(value.item()) if hasattr(value, "item") else float(value)


def hf_name(gguf_name: str) -> str:
    """Map a GGUF tensor name (``blk.3.attn_q.scales``) to the mlx-lm llama name."""
    parts = gguf_name.split(".")
    if parts[0] == "blk":
        layer, kind, leaf = parts[1], parts[2], ".".join(parts[3:])
        return f"model.layers.{layer}.{LAYER_NAMES[kind]}.{leaf}"
    return f"{_TOP_NAMES[parts[0]]}.{'.'.join(parts[1:])}"


def unpermute_rows(x: Any, n_head: int) -> Any:
    """Invert llama.cpp's ``permute`` on the output rows of a q/k projection tensor.

    llama.cpp stores ``w.reshape(n_head, 2, d/2, ...).swapaxes(1, 2)``; rows of a
    packed quantized weight, its scales and its biases move together.
    """
    rows = x.shape[0]
    rest = tuple(x.shape[1:])
    return x.reshape(n_head, rows // n_head // 2, 2, *rest).swapaxes(1, 2).reshape(rows, *rest)


def llama_config(metadata: dict[str, Any]) -> dict[str, Any]:
    """An HF/mlx-lm ``config.json`` for a GGUF ``llama`` model."""
    arch = str(metadata.get("general.architecture"))
    if arch != "llama":
        raise LoraError(f"unsupported GGUF architecture {arch!r} (only llama)")
    hidden = _meta_int(metadata, "llama.embedding_length")
    heads = _meta_int(metadata, "llama.attention.head_count")
    return {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": hidden,
        "num_hidden_layers": _meta_int(metadata, "llama.block_count"),
        "intermediate_size": _meta_int(metadata, "llama.feed_forward_length"),
        "num_attention_heads": heads,
        "num_key_value_heads": _meta_int(metadata, "llama.attention.head_count_kv"),
        "head_dim": hidden // heads,
        "rms_norm_eps": float(f"{_meta_float(metadata, 'llama.attention.layer_norm_rms_epsilon'):.6g}"),
        "rope_theta": _meta_float(metadata, "llama.rope.freq_base"),
        "rope_traditional": False,
        "max_position_embeddings": _meta_int(metadata, "llama.context_length"),
        "vocab_size": _meta_int(metadata, "llama.vocab_size"),
        "bos_token_id": _meta_int(metadata, "tokenizer.ggml.bos_token_id"),
        "eos_token_id": _meta_int(metadata, "tokenizer.ggml.eos_token_id"),
        "pad_token_id": _meta_int(metadata, "tokenizer.ggml.padding_token_id"),
        "hidden_act": "silu",
        "attention_bias": False,
        "mlp_bias": False,
        "torch_dtype": "float16",
    }


def convert_gguf(gguf_path: Path, out_dir: Path, precision: Precision = "q4") -> None:
    """Write an mlx-lm model folder (config, tokenizer, safetensors) for ``gguf_path``."""
    import mlx.core as mx

    weights, metadata = cast(
        tuple[dict[str, Any], dict[str, Any]], mx.load(str(gguf_path), return_metadata=True)
    )
    config = llama_config(metadata)
    n_head, n_kv = config["num_attention_heads"], config["num_key_value_heads"]

    converted: dict[str, mx.array] = {}
    for name, value in weights.items():
        target = hf_name(name)
        if ".attn_q." in name:
            value = unpermute_rows(value, n_head)
        elif ".attn_k." in name:
            value = unpermute_rows(value, n_kv)
        converted[target] = value
    config["tie_word_embeddings"] = "lm_head.weight" not in converted

    quantized = sorted({k.rsplit(".", 1)[0] for k in converted if k.endswith(".scales")})
    if precision == "q4":
        per_layer: dict[str, Any] = {}
        for prefix in quantized:
            packed, scales = converted[f"{prefix}.weight"], converted[f"{prefix}.scales"]
            group_size = 32  # every GGUF Q4_x/Q8_0 block holds 32 values
            bits = packed.shape[-1] * 32 // (scales.shape[-1] * group_size)
            if (group_size, bits) != (32, 4):
                per_layer[prefix] = {"group_size": group_size, "bits": bits, "mode": "affine"}
        config["quantization"] = {"group_size": 32, "bits": 4, "mode": "affine", **per_layer}
        config["quantization_config"] = config["quantization"]
    else:
        dtype = mx.float16 if precision == "float16" else mx.float32
        for prefix in quantized:
            packed, scales = converted.pop(f"{prefix}.weight"), converted.pop(f"{prefix}.scales")
            biases = converted.pop(f"{prefix}.biases")
            in_dims = scales.shape[-1] * 32  # every GGUF block here holds 32 values
            bits = packed.shape[-1] * 32 // in_dims
            converted[f"{prefix}.weight"] = mx.dequantize(
                packed, scales, biases, group_size=32, bits=bits
            ).astype(dtype)
        config["torch_dtype"] = precision
    for key in [k for k in converted if k.endswith("norm.weight")]:
        converted[key] = converted[key].astype(mx.float16 if precision != "float32" else mx.float32)

    out_dir.mkdir(parents=True, exist_ok=True)
    mx.save_safetensors(str(out_dir / "model.safetensors"), converted, metadata={"format": "mlx"})
    (out_dir / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    generation = {"bos_token_id": config["bos_token_id"], "eos_token_id": config["eos_token_id"]}
    (out_dir / "generation_config.json").write_text(json.dumps(generation, indent=2) + "\n")
    save_tokenizer_from_gguf(metadata, out_dir)
    source = {
        "source": gguf_path.name,
        "source_bytes": gguf_path.stat().st_size,
        "precision": precision,
        "converter_version": CONVERTER_VERSION,
    }
    (out_dir / "axlab_source.json").write_text(json.dumps(source, indent=2) + "\n")


def _source_tag(gguf_path: Path) -> str:
    stat = gguf_path.stat()
    digest = hashlib.sha256(f"{gguf_path.name}:{stat.st_size}".encode()).hexdigest()[:10]
    return f"v{CONVERTER_VERSION}-{digest}"


def embedded_model_path(precision: Precision = "q4") -> Path:
    """The converted embedded model folder, converting it on first use (atomic)."""
    gguf_path = embedded_gguf_path()
    root = cache_dir() / "models"
    final = root / f"{EMBEDDED_NAME}-{precision}-{_source_tag(gguf_path)}"
    if (final / "config.json").is_file():
        return final
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LoraError(f"cannot create the model cache {root}: {exc}") from exc
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=root))
    try:
        convert_gguf(gguf_path, tmp, precision)
        try:
            os.rename(tmp, final)
        except OSError:
            if not (final / "config.json").is_file():  # not a lost race: a real failure
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final
