"""Shared helpers for the kg/ontology tests: knowledge variants and an isolated cache."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ontology.paths import REPO_ROOT

KNOWLEDGE = REPO_ROOT / "data" / "solverx" / "knowledge.jsonl"


def knowledge_rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in KNOWLEDGE.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_rows(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def variant(path: Path, edit: Callable[[list[dict[str, Any]]], None]) -> Path:
    """A copy of the real knowledge with ``edit`` applied to its rows."""
    rows = knowledge_rows()
    edit(rows)
    return write_rows(path, rows)


def row(rows: list[dict[str, Any]], row_id: str) -> dict[str, Any]:
    return next(r for r in rows if r["id"] == row_id)


@contextmanager
def isolated_cache(directory: Path) -> Iterator[Path]:
    """Point ``$AXLAB_CACHE`` at ``directory`` for the duration (module-scoped fixtures cannot monkeypatch)."""
    old = os.environ.get("AXLAB_CACHE")
    os.environ["AXLAB_CACHE"] = str(directory)
    try:
        yield directory
    finally:
        if old is None:
            os.environ.pop("AXLAB_CACHE", None)
        else:
            os.environ["AXLAB_CACHE"] = old
