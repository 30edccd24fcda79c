"""A float32 copy of a quantized GGUF model, for llama.cpp runs that must match MLX's float32.

The embedded model ships as Q4_1; MLX on Linux dequantizes it to float32 (:mod:`lora.convert`),
while llama.cpp computes on the Q4_1 blocks with activations rounded to 8 bits. This copy holds
exactly MLX's float32 values, so llama.cpp's greedy answers follow MLX's token for token (at
about a quarter of the Q4_1 decode speed). Every metadata field of the source is kept as is
(tokenizer, chat template, the q/k row layout), with ``general.file_type`` set to all-F32.
Written once under ``<cache>/llama.cpp/models`` through a temp file and a rename.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np

from lora.errors import LoraError
from lora.paths import cache_dir

WRITER_VERSION = 1
ALL_F32 = 0  # llama_ftype LLAMA_FTYPE_ALL_F32


def write_float32_copy(source: Path, target: Path) -> None:
    """Write ``source`` to ``target`` with every tensor dequantized to float32 (not atomic)."""
    from gguf import GGUFReader, GGUFValueType, GGUFWriter
    from gguf.quants import dequantize

    reader = GGUFReader(str(source))
    arch = str(reader.fields["general.architecture"].contents())
    writer = GGUFWriter(str(target), arch)
    for key, item in reader.fields.items():
        if key.startswith("GGUF.") or key == "general.architecture":
            continue  # the writer adds these itself
        kind = item.types[0]
        sub_kind = item.types[-1] if kind == GGUFValueType.ARRAY else None
        value = ALL_F32 if key == "general.file_type" else item.contents()
        writer.add_key_value(key, value, kind, sub_kind)
    for tensor in reader.tensors:
        values = dequantize(tensor.data, tensor.tensor_type).astype(np.float32)
        writer.add_tensor(tensor.name, np.ascontiguousarray(values))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def float32_gguf(source: Path, out_dir: Path | None = None) -> Path:
    """The float32 copy of ``source``, written on first use (atomic, cached)."""
    root = out_dir if out_dir is not None else cache_dir() / "llama.cpp" / "models"
    stat = source.stat()
    tag = hashlib.sha256(f"v{WRITER_VERSION}:{source.name}:{stat.st_size}".encode()).hexdigest()[:12]
    final = root / f"{source.stem}-f32-{tag}.gguf"
    if final.is_file():
        return final
    try:
        root.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=".gguf", dir=root)
        os.close(handle)
    except OSError as exc:
        raise LoraError(f"cannot write to the model cache {root}: {exc}") from exc
    try:
        write_float32_copy(source, Path(tmp))
        os.replace(tmp, final)
    except (OSError, ValueError, KeyError) as exc:
        raise LoraError(f"cannot write the float32 copy of {source.name}: {exc}") from exc
    finally:
        Path(tmp).unlink(missing_ok=True)
    return final
