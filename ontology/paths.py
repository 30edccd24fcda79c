"""Where the project's data lives (overridable by environment variables)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """``$AXLAB_DATA_DIR`` or the repository's ``data/`` folder."""
    return Path(os.environ.get("AXLAB_DATA_DIR", REPO_ROOT / "data"))


def default_knowledge_path() -> Path:
    """``$AXLAB_KNOWLEDGE`` or ``data/solverx_knowledge.jsonl``."""
    env = os.environ.get("AXLAB_KNOWLEDGE")
    return Path(env) if env else data_dir() / "solverx_knowledge.jsonl"


def cache_dir() -> Path:
    """``$AXLAB_CACHE``, else ``$XDG_CACHE_HOME/axlab``, else ``~/.cache/axlab``."""
    env = os.environ.get("AXLAB_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "axlab"
