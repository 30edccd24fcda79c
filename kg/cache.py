"""On-disk cache of a reasoned closure (inferred statements + proofs).

The key hashes the knowledge file's bytes, its ontology file and reasoning sources and the
engine, so any change re-runs the reasoner. Files are written atomically (temp file +
``os.replace``); a failed load never touches an existing cache entry. An unreadable
entry is treated as missing.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ontology.materialize import Closure
from ontology.paths import cache_dir
from ontology.schema import VOCABULARY
from ontology.statements import Statement

CACHE_VERSION = 1
_ONTOLOGY_DIR = Path(__file__).resolve().parents[1] / "ontology"
_KEYED_SOURCES = (
    "schema.py",
    "vocabulary.py",
    "owl.py",
    "rdf.py",
    "statements.py",
    "justify.py",
    "reasoning.py",
    "materialize.py",
)


def cache_key(knowledge_path: Path, engine: str) -> str:
    digest = hashlib.sha256(f"v{CACHE_VERSION}:{engine}".encode())
    digest.update(knowledge_path.read_bytes())
    digest.update(VOCABULARY.path.read_bytes())
    for name in _KEYED_SOURCES:
        digest.update((_ONTOLOGY_DIR / name).read_bytes())
    return digest.hexdigest()[:24]


def cache_path(key: str, directory: Path | None = None) -> Path:
    return (directory or cache_dir()) / f"closure-{key}.json"


def _encode(st: Statement) -> list[Any]:
    return list(st)


def _decode(raw: list[Any]) -> Statement:
    return Statement(*raw)


def save(closure: Closure, path: Path) -> None:
    """Write ``closure`` to ``path`` atomically (the asserted part is rebuilt from the knowledge)."""
    payload = {
        "version": CACHE_VERSION,
        "engine": closure.engine,
        "reason_seconds": closure.reason_seconds,
        "inferred": [
            [_encode(st), [_encode(step) for step in proof]] for st, proof in closure.inferred.items()
        ],
        "unconfirmed": [_encode(st) for st in closure.unconfirmed],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: Path, asserted: dict[Statement, tuple[str, ...]]) -> Closure | None:
    """The cached closure at ``path``, or ``None`` if absent, stale or unreadable."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        if payload.get("version") != CACHE_VERSION:
            return None
        inferred = {_decode(st): tuple(_decode(step) for step in proof) for st, proof in payload["inferred"]}
        if any(step not in asserted for proof in inferred.values() for step in proof):
            return None
        return Closure(
            engine=str(payload["engine"]),
            asserted=asserted,
            inferred=inferred,
            reason_seconds=float(payload["reason_seconds"]),
            unconfirmed=tuple(_decode(st) for st in payload.get("unconfirmed", [])),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
