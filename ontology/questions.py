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
