"""Where the project's data lives, and which knowledge this process answers over.

A *knowledge* is a folder holding an OWL ontology (``ontology.ttl``, or one ``*.owl``/``*.rdf``)
and its facts (``knowledge.jsonl``), plus optional question sets (``questions/``) and
evaluation sets (``eval/``). It is chosen once per process: ``--knowledge PATH`` (the CLI
puts it in ``$AXLAB_KNOWLEDGE``) or the shipped default ``data/solverx``. A single facts file
may stand for its folder; it then uses the ontology beside it, or the default one.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ontology.errors import OntologyFileError

REPO_ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY_NAMES = ("ontology.ttl", "ontology.owl", "ontology.rdf")
FACTS_NAME = "knowledge.jsonl"


def data_dir() -> Path:
    """``$AXLAB_DATA_DIR`` or the repository's ``data/`` folder."""
    return Path(os.environ.get("AXLAB_DATA_DIR", REPO_ROOT / "data"))


def default_knowledge_root() -> Path:
    return data_dir() / "solverx"


def selected_knowledge() -> Path:
    """``$AXLAB_KNOWLEDGE`` (a folder or a facts file) or the shipped SolverX folder."""
    env = os.environ.get("AXLAB_KNOWLEDGE")
    return Path(env).expanduser() if env else default_knowledge_root()


def knowledge_root(path: Path | None = None) -> Path:
    """The knowledge folder of ``path`` (a folder, or the folder of a facts file)."""
    chosen = path if path is not None else selected_knowledge()
    return chosen if chosen.is_dir() else chosen.parent


def ontology_path(path: Path | None = None) -> Path:
    """The ontology file of a knowledge; one line naming the folder when it has none."""
    chosen = path if path is not None else selected_knowledge()
    folder = knowledge_root(chosen)
    for name in ONTOLOGY_NAMES:
        if (folder / name).is_file():
            return folder / name
    if chosen.is_dir():
        raise OntologyFileError(
            f"{folder}: no ontology in this knowledge folder (expected {ONTOLOGY_NAMES[0]})"
        )
    if not chosen.exists() and path is None:
        raise OntologyFileError(f"{chosen}: no such knowledge folder or file")
    return ontology_path(default_knowledge_root())


def default_knowledge_path() -> Path:
    """The facts file of the selected knowledge (``knowledge.jsonl`` in its folder)."""
    chosen = selected_knowledge()
    return chosen / FACTS_NAME if chosen.is_dir() else chosen


def knowledge_file(name: str, path: Path | None = None) -> Path:
    """A data file of a knowledge folder (``questions/compare.jsonl``, ``eval/questions.jsonl``)."""
    return knowledge_root(path) / name


def knowledge_id(path: Path | None = None) -> str:
    """A short digest of the knowledge's ontology and facts: caches and adapters are keyed by it."""
    facts = path if path is not None and path.is_file() else None
    facts = facts or (knowledge_root(path) / FACTS_NAME if path is not None else default_knowledge_path())
    digest = hashlib.sha256()
    for file in (ontology_path(path), facts):
        digest.update(file.name.encode())
        try:
            digest.update(file.read_bytes())
        except OSError:
            continue
    return digest.hexdigest()[:16]


def knowledge_name(path: Path | None = None) -> str:
    """The knowledge's short name: its folder's name (``solverx``)."""
    return knowledge_root(path).name


def is_default_knowledge(path: Path | None = None) -> bool:
    return knowledge_root(path).resolve() == default_knowledge_root().resolve()


def cache_dir() -> Path:
    """``$AXLAB_CACHE``, else ``$XDG_CACHE_HOME/axlab``, else ``~/.cache/axlab``."""
    env = os.environ.get("AXLAB_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "axlab"
