"""Hand-written general Q/A pairs mixed into training against the "tinted glass" effect.

A small model tuned only on one company's facts starts to see that company
everywhere; a share of ordinary questions with short, correct answers keeps its
general behaviour. The pairs are data, shared by every knowledge: ``data/general/qa.jsonl``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lora.errors import LoraError
from lora.rows import ChatRow, chat_row, write_jsonl
from ontology.jsonl import json_lines

QA_PATH = Path(__file__).resolve().parents[1] / "data" / "general" / "qa.jsonl"


@cache
def general_qa(path: Path = QA_PATH) -> tuple[tuple[str, str], ...]:
    """The general question/answer pairs (``data/general/qa.jsonl``: ``{question, answer}`` a line)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LoraError(f"{path}: cannot read the general chat pairs: {exc.strerror}") from None
    out: list[tuple[str, str]] = []
    for line, row in json_lines(path, text, LoraError):
        if not isinstance(row, dict) or not row.get("question") or not row.get("answer"):
            raise LoraError(f"{path}:{line}: a row needs 'question' and 'answer'")
        out.append((str(row["question"]), str(row["answer"])))
    return tuple(out)


def general_rows(system: str | None = None) -> list[ChatRow]:
    return [chat_row(question, answer, system) for question, answer in general_qa()]


def write_general_chat(path: Path) -> int:
    """Write ``data/general_chat.jsonl``; return the number of rows."""
    rows = general_rows()
    write_jsonl(path, rows)
    return len(rows)
