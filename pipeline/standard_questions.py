"""The fixed question sets of ``axlab compare`` and ``axlab verify-general``.

They are data of the selected knowledge: ``questions/compare.jsonl`` and
``questions/general.jsonl`` in its folder, one ``{id, question, kind, expect_any, must_abstain}``
object a line. They (and the evaluation sets) are held out of the hybrid adapter's training data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ontology.jsonl import json_lines
from ontology.paths import knowledge_file, knowledge_root
from pipeline.errors import AxlabError


@dataclass(frozen=True)
class StandardQuestion:
    id: str
    question: str
    kind: str  # what it checks
    expect_any: tuple[str, ...] = ()  # an answer passes when it contains one of these (case-insensitive)
    must_abstain: bool = False


def _question(path: Path, line: int, row: Any) -> StandardQuestion:
    if not isinstance(row, dict) or not isinstance(row.get("question"), str) or not row["question"].strip():
        raise AxlabError(f"{path}:{line}: a question row needs a non-empty 'question' string")
    expect = row.get("expect_any", [])
    if not isinstance(expect, list) or not all(isinstance(k, str) for k in expect):
        raise AxlabError(f"{path}:{line}: 'expect_any' must be a list of strings")
    return StandardQuestion(
        id=str(row.get("id", f"q{line}")),
        question=row["question"],
        kind=str(row.get("kind", "")),
        expect_any=tuple(expect),
        must_abstain=bool(row.get("must_abstain", False)),
    )


@cache
def question_set(name: str) -> tuple[StandardQuestion, ...]:
    """``questions/<name>.jsonl`` of the selected knowledge; empty when the folder has none."""
    path = knowledge_file(f"questions/{name}.jsonl")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ()
    except (OSError, UnicodeDecodeError) as exc:
        raise AxlabError(f"{path}: cannot read: {exc}") from None
    return tuple(_question(path, line, row) for line, row in json_lines(path, text, AxlabError))


def compare_questions() -> tuple[StandardQuestion, ...]:
    return question_set("compare")


def general_questions() -> tuple[StandardQuestion, ...]:
    return question_set("general")


def passes(question: StandardQuestion, answer: str, abstained: bool) -> bool:
    """Whether an answer meets the question's expectation."""
    if question.must_abstain:
        return abstained
    text = answer.casefold()
    return not abstained and any(k.casefold() in text for k in question.expect_any)


def eval_questions(path: Path | None = None) -> list[str]:
    """The questions of an evaluation set (default: every ``eval/*.jsonl`` of the knowledge)."""
    files = [path] if path is not None else sorted((knowledge_root() / "eval").glob("*.jsonl"))
    out: list[str] = []
    for file in files:
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        for line in lines:
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict) and isinstance(row.get("question"), str):
                out.append(row["question"])
    return out


def held_out_questions() -> list[str]:
    """Questions never trained on: compare, verify-general and the evaluation sets."""
    return [q.question for q in (*compare_questions(), *general_questions())] + eval_questions()
