"""Make MLX's Linux CPU backend use OpenBLAS instead of its bundled reference BLAS.

The ``mlx[cpu]`` wheel for Linux links a reference BLAS (about 6 GFLOP/s on a
1024x1024 fp32 matmul on a 2-core VM); loading ``libopenblas`` with ``RTLD_GLOBAL``
*before* ``mlx`` is first imported makes MLX resolve its BLAS symbols there instead
(about 176 GFLOP/s, the same as ``LD_PRELOAD``). ``lora/__init__.py`` calls
:func:`ensure_fast_blas` at import time, so every module that imports ``lora`` before
``mlx`` gets the fast path. Set ``AXLAB_NO_OPENBLAS=1`` to opt out (benchmarks do).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

_CANDIDATES = (
    "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
    "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
    "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
    "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
    "/usr/lib64/libopenblas.so.0",
    "/usr/lib/libopenblas.so.0",
    "/usr/local/lib/libopenblas.so.0",
)


@dataclass
class BlasStatus:
    """What :func:`ensure_fast_blas` did, for ``doctor``-style reports."""

    active: str  # "openblas", "accelerate" (macOS), "reference" or "unknown"
    library: str | None
    reason: str

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


_status: BlasStatus | None = None
_warned = False


def _find_openblas() -> str | None:
    for candidate in _CANDIDATES:
        if Path(candidate).exists():
            return candidate
    return ctypes.util.find_library("openblas")


def _openblas_mapped() -> str | None:
    """The path of a libopenblas already mapped into this process (Linux), if any."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:
                if "libopenblas" in line:
                    return line.split()[-1]
    except OSError:
        return None
    return None


def ensure_fast_blas() -> BlasStatus:
    """Load OpenBLAS globally before MLX, once; return what BLAS MLX will use."""
    global _status, _warned
    if _status is not None:
        return _status
    if sys.platform == "darwin":
        _status = BlasStatus("accelerate", None, "macOS: MLX uses Accelerate/Metal")
        return _status
    if os.environ.get("AXLAB_NO_OPENBLAS") == "1":
        mapped = _openblas_mapped()
        active = "openblas" if mapped else "reference"
        _status = BlasStatus(active, mapped, "disabled by AXLAB_NO_OPENBLAS=1")
        return _status
    mlx_loaded = "mlx.core" in sys.modules
    mapped = _openblas_mapped()
    if mapped:
        _status = BlasStatus("openblas", mapped, "already loaded (LD_PRELOAD or earlier import)")
        return _status
    if mlx_loaded:
        if not _warned:
            warnings.warn(
                "mlx was imported before lora; MLX keeps its slow reference BLAS. "
                "Import lora (or call lora.blas.ensure_fast_blas()) before mlx.",
                RuntimeWarning,
                stacklevel=2,
            )
            _warned = True
        _status = BlasStatus("reference", None, "mlx was imported before ensure_fast_blas()")
        return _status
    library = _find_openblas()
    if library is None:
        _status = BlasStatus("reference", None, "libopenblas not found (apt install libopenblas0-pthread)")
        return _status
    try:
        ctypes.CDLL(library, mode=ctypes.RTLD_GLOBAL)
    except OSError as exc:
        _status = BlasStatus("reference", None, f"could not load {library}: {exc}")
        return _status
    _status = BlasStatus("openblas", library, "loaded with RTLD_GLOBAL before mlx")
    return _status


def blas_status() -> BlasStatus:
    """The current BLAS status (runs :func:`ensure_fast_blas` if it has not run yet)."""
    return _status if _status is not None else ensure_fast_blas()
