"""Encoded description vectors kept on disk, so a cold ``axlab ask`` does not re-embed them.

Keyed by the encoder's id and the exact texts (any change re-embeds); written atomically
under ``ontology.paths.cache_dir()/intent/``; a cache that cannot be read or written only
costs time.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ontology.paths import cache_dir
from retriever.embedding import save_vectors


def _path(encoder_id: str, texts: Sequence[str], is_query: bool) -> Path:
    digest = hashlib.sha256()
    digest.update(f"{encoder_id}\0{int(is_query)}\0".encode())
    for text in texts:
        digest.update(text.encode("utf-8") + b"\0")
    return cache_dir() / "intent" / f"vectors-{digest.hexdigest()[:24]}.npy"


def cached_vectors(
    encoder_id: str | None,
    texts: Sequence[str],
    encode: Callable[[Sequence[str], bool], np.ndarray],
    is_query: bool = False,
) -> np.ndarray:
    """``encode(texts, is_query)`` as float32 rows, from the disk cache when it holds them."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    if encoder_id is None:
        return np.asarray(encode(texts, is_query), dtype=np.float32)
    path = _path(encoder_id, texts, is_query)
    with contextlib.suppress(Exception):  # a truncated or foreign file is only re-embedded
        cached = np.load(path, allow_pickle=False)
        if cached.ndim == 2 and cached.shape[0] == len(texts) and cached.dtype == np.float32:
            return cached
    vectors = np.asarray(encode(texts, is_query), dtype=np.float32)
    with contextlib.suppress(OSError):  # a read-only cache only costs time
        save_vectors(path, vectors)
    return vectors
