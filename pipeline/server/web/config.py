"""What the page needs to know about this server: the loaded knowledge and model, the modes
that can answer, the limits, the prefixes, example queries and the fixed compare questions.

All of it is read from the running service (its graph, answerer and settings), so the page
itself holds no knowledge of any domain.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ontology.paths import FACTS_NAME
from ontology.rdf import PREFIXES
from pipeline.prompt import MAX_QUESTION_CHARS
from pipeline.server.web.browse import is_browsable
from pipeline.server.web.examples import example_queries
from pipeline.types import DEFAULT_MODE, MODES

DEFAULT_PAGE_MAX_TOKENS = 128


def compare_questions() -> list[dict[str, str]]:
    """The fixed questions of ``axlab compare`` for the selected knowledge."""
    from pipeline.standard_questions import compare_questions as fixed

    return [{"id": q.id, "question": q.question, "kind": q.kind} for q in fixed()]


def knowledge_name(path: Path) -> str:
    """The folder's name for a knowledge folder's facts file, else the file's stem."""
    return path.parent.name if path.name == FACTS_NAME else path.stem


def knowledge_info(kg: Any, triples: int) -> dict[str, Any]:
    """Name and path of the loaded knowledge (``--knowledge``), when the graph knows it."""
    knowledge = getattr(kg, "knowledge", None)
    path = getattr(knowledge, "path", None)
    entities = len(kg.entities) if is_browsable(kg) else 0
    return {
        "name": knowledge_name(Path(path)) if path else "knowledge graph",
        "path": str(path) if path else None,
        "entities": entities,
        "triples": triples,
    }


def mode_infos(answerer: Any, chat_models: dict[str, str]) -> list[dict[str, Any]]:
    """Each mode and whether it can answer now (its adapter exists), asked of the answerer."""
    adapter_for = getattr(answerer, "adapter_for", None)
    out = []
    for mode in MODES:
        note = None
        if callable(adapter_for):
            try:
                adapter_for(mode)
            except Exception as exc:
                note = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        out.append({"name": mode, "chat_model": chat_models[mode], "available": note is None, "note": note})
    return out


def own_namespace(kg: Any) -> str | None:
    """The namespace of the knowledge's entities (the prefix their IRIs share)."""
    if not is_browsable(kg) or not kg.entities:
        return None
    from ontology.rdf import iri

    sample = str(iri(next(iter(kg.entities))))
    matches = [ns for ns in PREFIXES.values() if sample.startswith(ns)]
    return max(matches, key=len) if matches else None


def ui_config(state: Any, chat_models: dict[str, str], info: dict[str, Any]) -> dict[str, Any]:
    """The body of ``GET /ui/config``; ``info`` is the answerer's model/adapters (as /health)."""
    modes = mode_infos(state.answerer, chat_models)
    available = [m["name"] for m in modes if m["available"]]
    default = DEFAULT_MODE if DEFAULT_MODE in available else (available[0] if available else DEFAULT_MODE)
    limit = state.settings.max_tokens_limit
    return {
        "knowledge": knowledge_info(state.kg, state.triples),
        "model": info.get("model"),
        "adapters": info.get("adapters", []),
        "modes": modes,
        "default_mode": default,
        "max_question_chars": MAX_QUESTION_CHARS,
        "max_tokens_limit": limit,
        "default_max_tokens": min(DEFAULT_PAGE_MAX_TOKENS, limit),
        "prefixes": dict(PREFIXES),
        "namespace": own_namespace(state.kg),
        "examples": [example.to_json() for example in example_queries(state.kg, PREFIXES)],
        "compare_questions": compare_questions(),
    }
