"""Question sets that are data of a knowledge folder (``questions/<name>.jsonl``).

``unknown.jsonl`` holds questions the knowledge cannot answer (``{lang, question, subject}``):
training data for abstention. The compare and verify-general sets are read by
:mod:`pipeline.standard_questions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ontology.errors import KnowledgeFileError
from ontology.jsonl import json_lines
from ontology.knowledge import Knowledge
from ontology.paths import knowledge_file


@dataclass(frozen=True)
class UnknownQuestion:
    lang: str
    question: str
    subject: str | None = None  # the entity it asks about, when it names one


def unknown_questions(path: Path | None = None) -> tuple[UnknownQuestion, ...]:
    """The knowledge's unanswerable questions; empty when its folder has none."""
    file = path or knowledge_file("questions/unknown.jsonl")
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ()
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeFileError(f"{file}: cannot read: {exc}") from None
    out: list[UnknownQuestion] = []
    for line, row in json_lines(file, text, KnowledgeFileError):
        if (
            not isinstance(row, dict)
            or row.get("lang") not in ("en", "ko")
            or not str(row.get("question", "")).strip()
        ):
            raise KnowledgeFileError(
                f"{file}:{line}: a row needs 'lang' (en or ko) and a non-empty 'question'"
            )
        out.append(UnknownQuestion(row["lang"], row["question"], row.get("subject")))
    return tuple(out)


def no_value_questions(knowledge: Knowledge, limit: int = 12) -> tuple[UnknownQuestion, ...]:
    """Questions the ontology allows and the knowledge has no value for, built from the
    ontology's labels ("What is the founding year of X?" where X has none): abstention training
    data for a knowledge folder without ``questions/unknown.jsonl``.

    Only properties whose values cannot be inferred qualify (no chain, inverse, symmetry,
    sub-property, location or site role), so that "no value" is true of the closure too.
    """
    from ontology.roles import anchor_classes, location_properties, site_properties
    from ontology.schema import PROPERTIES, class_ancestors

    derived = {p.parent for p in PROPERTIES if p.parent} | location_properties() | site_properties()
    candidates = [
        p for p in PROPERTIES if not (p.chains or p.inverse or p.symmetric or p.name in derived) and p.domain
    ]
    stated = {(t.triple.s, t.triple.p) for t in knowledge.triples()}
    out: list[UnknownQuestion] = []
    for entity_id in sorted(knowledge.entities):
        entity = knowledge.entities[entity_id]
        if entity.class_ not in anchor_classes():
            continue
        for prop in candidates:
            if prop.domain not in class_ancestors(entity.class_) or (entity_id, prop.name) in stated:
                continue
            out.append(UnknownQuestion("en", f"What is the {prop.label_en} of {entity.label.en}?", entity_id))
            out.append(
                UnknownQuestion("ko", f"{entity.label.ko}의 {prop.label_ko}은(는) 무엇인가요?", entity_id)
            )
            if len(out) >= 2 * limit:
                return tuple(out)
    return tuple(out)
