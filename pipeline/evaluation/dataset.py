"""The evaluation questions (``data/solverx/eval/questions.jsonl``, schema in ``data/solverx/eval/README.md``).

Loading is all-or-nothing: the first malformed row raises :class:`EvalSetError` whose
message starts with ``file:line:``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ontology.jsonl import json_lines
from pipeline.errors import AxlabError

Category = Literal["injected", "multihop", "unknown", "general", "coding", "korean"]
CATEGORIES: tuple[Category, ...] = ("injected", "multihop", "unknown", "general", "coding", "korean")
LANGS: tuple[str, ...] = ("en", "ko")
FACT_CATEGORIES: tuple[Category, ...] = ("injected", "multihop", "korean")
GENERAL_CATEGORIES: tuple[Category, ...] = ("general", "coding")
NUMBER_SENTINEL = "<number>"

_REQUIRED = ("id", "category", "lang", "question", "expect_any", "expect_none", "must_abstain")
_OPTIONAL = ("facts", "note")


class EvalSetError(AxlabError):
    """A malformed eval set or a bad eval option (reported as one line)."""

    exit_code = 2


@dataclass(frozen=True)
class EvalItem:
    id: str
    category: Category
    lang: str
    question: str
    expect_any: dict[str, tuple[str, ...]]
    expect_none: tuple[str, ...]
    must_abstain: bool
    facts: tuple[str, ...] = field(default=())

    def any_keywords(self) -> list[str]:
        """All expected keywords, every language."""
        return [kw for lang in sorted(self.expect_any) for kw in self.expect_any[lang]]


def default_questions_path() -> Path:
    """The selected knowledge's evaluation set (``eval/questions.jsonl`` in its folder)."""
    from ontology.paths import knowledge_file

    return knowledge_file("eval/questions.jsonl")


def _string_list(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{what} must be a list of non-empty strings")
    return tuple(value)


def parse_item(row: Any) -> EvalItem:
    """Validate one decoded row; raises ``ValueError`` with a short reason."""
    if not isinstance(row, dict):
        raise ValueError("a row must be a JSON object")
    missing = [key for key in _REQUIRED if key not in row]
    if missing:
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    extra = sorted(set(row) - set(_REQUIRED) - set(_OPTIONAL))
    if extra:
        raise ValueError(f"unknown field(s): {', '.join(extra)}")
    for key in ("id", "question"):
        if not isinstance(row[key], str) or not row[key].strip():
            raise ValueError(f"'{key}' must be a non-empty string")
    if row["category"] not in CATEGORIES:
        raise ValueError(f"unknown category {row['category']!r} (expected one of {', '.join(CATEGORIES)})")
    if row["lang"] not in LANGS:
        raise ValueError(f"unknown lang {row['lang']!r} (expected en or ko)")
    if not isinstance(row["must_abstain"], bool):
        raise ValueError("'must_abstain' must be true or false")
    expect_any_raw = row["expect_any"]
    if not isinstance(expect_any_raw, dict):
        raise ValueError("'expect_any' must be an object {lang: [keywords]}")
    expect_any: dict[str, tuple[str, ...]] = {}
    for lang, keywords in expect_any_raw.items():
        if lang not in LANGS:
            raise ValueError(f"'expect_any' has unknown language {lang!r}")
        expect_any[lang] = _string_list(keywords, f"expect_any.{lang}")
    expect_none = _string_list(row["expect_none"], "expect_none")
    facts = _string_list(row.get("facts", []), "facts")
    has_keywords = any(expect_any.values())
    if row["must_abstain"] and has_keywords:
        raise ValueError("an item that must abstain cannot have 'expect_any' keywords")
    if not row["must_abstain"] and not has_keywords:
        raise ValueError("'expect_any' needs at least one keyword unless 'must_abstain' is true")
    if row["category"] == "unknown" and not row["must_abstain"]:
        raise ValueError("'unknown' items must have 'must_abstain': true")
    return EvalItem(
        id=row["id"],
        category=row["category"],
        lang=row["lang"],
        question=row["question"],
        expect_any=expect_any,
        expect_none=expect_none,
        must_abstain=row["must_abstain"],
        facts=facts,
    )


def load_eval_set(path: Path | None = None) -> list[EvalItem]:
    """Load and validate every row; the first problem raises ``EvalSetError('file:line: reason')``."""
    path = Path(path) if path is not None else default_questions_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EvalSetError(f"{path}: eval set not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalSetError(f"{path}: cannot read the eval set ({exc})") from None
    items: list[EvalItem] = []
    seen: dict[str, int] = {}
    for number, row in json_lines(path, text, EvalSetError):
        try:
            item = parse_item(row)
        except ValueError as exc:
            raise EvalSetError(f"{path}:{number}: {exc}") from None
        if item.id in seen:
            raise EvalSetError(f"{path}:{number}: duplicate id {item.id!r} (first on line {seen[item.id]})")
        seen[item.id] = number
        items.append(item)
    if not items:
        raise EvalSetError(f"{path}: the eval set is empty")
    return items


def select_items(
    items: list[EvalItem], categories: list[str] | None = None, limit: int | None = None
) -> list[EvalItem]:
    """Keep the chosen categories (in eval-set order) and at most ``limit`` items of each."""
    wanted = list(categories) if categories else list(CATEGORIES)
    unknown = [c for c in wanted if c not in CATEGORIES]
    if unknown:
        raise EvalSetError(f"unknown category {unknown[0]!r} (choose from {', '.join(CATEGORIES)})")
    if limit is not None and limit < 1:
        raise EvalSetError("--limit must be at least 1")
    counts: dict[str, int] = {}
    out: list[EvalItem] = []
    for item in items:
        if item.category not in wanted:
            continue
        if limit is not None and counts.get(item.category, 0) >= limit:
            continue
        counts[item.category] = counts.get(item.category, 0) + 1
        out.append(item)
    return out
