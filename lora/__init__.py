"""AX Lab lora package: training data, LoRA training, model loading and generation.

Importing this package loads OpenBLAS for MLX's Linux CPU backend (see
:mod:`lora.blas`). It must happen before the first ``import mlx`` anywhere in the
process, so every project module that uses MLX imports ``lora`` (or a submodule) first.
This module itself must never import mlx.
"""

from lora.blas import ensure_fast_blas

BLAS = ensure_fast_blas()

__all__ = ["BLAS", "ensure_fast_blas"]
