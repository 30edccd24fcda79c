"""Re-encoded copies of a quantized GGUF model for llama.cpp: float32 and Q8_0.

The embedded model ships as Q4_1; MLX on Linux dequantizes it to float32 (:mod:`lora.convert`),
while llama.cpp computes on the Q4_1 blocks with activations rounded to 8 bits. Two copies,
each written once under ``<cache>/llama.cpp/models`` through a temp file and a rename, every
metadata field of the source kept as is (tokenizer, chat template, the q/k row layout) but
``general.file_type``:

* ``f32``: exactly MLX's float32 values, so llama.cpp's greedy answers follow MLX's token for
  token (at about a quarter of the Q4_1 decode speed);
* ``q8_0``: the Q4_1 values re-rounded to Q8_0 blocks (32 values, one scale; F32 and Q8_0
  tensors copied byte for byte). A Q4_1 block is ``d*q + m`` with 16 levels; Q8_0's 255 levels
  hold every value within 6% of a Q4_1 step (3% typical), but the CPU build of llama.cpp has
  fast matrix kernels (llamafile's sgemm) for Q8_0 and not for Q4_1: prompt processing ran about
  1.6x and decoding 1.2x faster on the 2-core dev machine (``bench/bench_latency.py``). The
  extra rounding flips a few more near-tied greedy tokens against MLX than Q4_1 does
  (``bench/bench_decode.py``'s agreement).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Literal

import numpy as np

from lora.errors import LoraError
from lora.paths import cache_dir

CopyKind = Literal["f32", "q8_0"]
WRITER_VERSION = 1
#: ``general.file_type`` (llama_ftype) of each copy: LLAMA_FTYPE_ALL_F32, LLAMA_FTYPE_MOSTLY_Q8_0.
FILE_TYPES: dict[CopyKind, int] = {"f32": 0, "q8_0": 7}


def write_copy(source: Path, target: Path, kind: CopyKind) -> None:
    """Write ``source`` to ``target`` with its tensors re-encoded as ``kind`` (not atomic)."""
    from gguf import GGMLQuantizationType, GGUFReader, GGUFValueType, GGUFWriter
    from gguf.quants import dequantize, quantize

    keep = (GGMLQuantizationType.F32, GGMLQuantizationType.Q8_0)
    reader = GGUFReader(str(source))
    arch = str(reader.fields["general.architecture"].contents())
    writer = GGUFWriter(str(target), arch)
    for key, item in reader.fields.items():
        if key.startswith("GGUF.") or key == "general.architecture":
            continue  # the writer adds these itself
        value_type = item.types[0]
        sub_type = item.types[-1] if value_type == GGUFValueType.ARRAY else None
        value = FILE_TYPES[kind] if key == "general.file_type" else item.contents()
        writer.add_key_value(key, value, value_type, sub_type)
    for tensor in reader.tensors:
        if kind == "q8_0" and tensor.tensor_type in keep:
            raw_dtype = None if tensor.tensor_type == GGMLQuantizationType.F32 else tensor.tensor_type
            writer.add_tensor(tensor.name, np.ascontiguousarray(tensor.data), raw_dtype=raw_dtype)
            continue
        values = dequantize(tensor.data, tensor.tensor_type).astype(np.float32)
        if kind == "f32":
            writer.add_tensor(tensor.name, np.ascontiguousarray(values))
        else:
            blocks = quantize(values, GGMLQuantizationType.Q8_0)
            writer.add_tensor(tensor.name, blocks, raw_dtype=GGMLQuantizationType.Q8_0)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def converted_gguf(source: Path, kind: CopyKind, out_dir: Path | None = None) -> Path:
    """The ``kind`` copy of ``source``, written on first use (atomic, cached)."""
    root = out_dir if out_dir is not None else cache_dir() / "llama.cpp" / "models"
    stat = source.stat()
    version = f"v{WRITER_VERSION}" if kind == "f32" else f"v{WRITER_VERSION}:{kind}"
    tag = hashlib.sha256(f"{version}:{source.name}:{stat.st_size}".encode()).hexdigest()[:12]
    suffix = "f32" if kind == "f32" else kind.replace("_", "")
    final = root / f"{source.stem}-{suffix}-{tag}.gguf"
    if final.is_file():
        return final
    try:
        root.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=".gguf", dir=root)
        os.close(handle)
    except OSError as exc:
        raise LoraError(f"cannot write to the model cache {root}: {exc}") from exc
    what = "float32" if kind == "f32" else kind.upper()
    try:
        write_copy(source, Path(tmp), kind)
        os.replace(tmp, final)
    except (OSError, ValueError, KeyError) as exc:
        raise LoraError(f"cannot write the {what} copy of {source.name}: {exc}") from exc
    finally:
        Path(tmp).unlink(missing_ok=True)
    return final


def float32_gguf(source: Path, out_dir: Path | None = None) -> Path:
    """The float32 copy of ``source``, written on first use (atomic, cached)."""
    return converted_gguf(source, "f32", out_dir)


def q8_gguf(source: Path, out_dir: Path | None = None) -> Path:
    """The Q8_0 copy of ``source``, written on first use (atomic, cached)."""
    return converted_gguf(source, "q8_0", out_dir)
