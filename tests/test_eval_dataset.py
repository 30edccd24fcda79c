"""The shipped eval set: shape, coverage, independence from the training data; loader errors."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pipeline.evaluation.dataset import (
    CATEGORIES,
    EvalSetError,
    default_questions_path,
    load_eval_set,
    select_items,
)
from pipeline.evaluation.scoring import normalize_text

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "data" / "solverx" / "knowledge.jsonl"
# Template questions the training data is generated from (the brief's examples).
TEMPLATE_EXAMPLES = ("Where is SolverX's headquarters?", "What is SolverX's core product?")


def test_shipped_eval_set_loads_with_every_category() -> None:
    items = load_eval_set()
    assert 80 <= len(items) <= 120
    counts = Counter(i.category for i in items)
    assert set(counts) == set(CATEGORIES)
    assert all(counts[c] >= 8 for c in CATEGORIES), counts
    assert all(i.lang == "ko" for i in items if i.category == "korean")
    assert all(i.must_abstain for i in items if i.category == "unknown")
    assert len({normalize_text(i.question) for i in items}) == len(items), "duplicate questions"


def test_every_knowledge_fact_has_an_injected_question() -> None:
    fact_ids = {
        row["id"]
        for row in map(json.loads, KNOWLEDGE.read_text(encoding="utf-8").splitlines())
        if row.get("kind") == "fact"
    }
    covered = {f for i in load_eval_set() if i.category == "injected" for f in i.facts}
    assert fact_ids <= covered, f"facts without an injected question: {sorted(fact_ids - covered)}"
    # multi-hop questions reach every site (HQ, R&D center, US office, European office)
    hop_facts = {f for i in load_eval_set() if i.category == "multihop" for f in i.facts}
    assert {"solverx-headquarters", "rnd-center", "us-office", "europe-office"} <= hop_facts
    assert any(i.question == "Does SolverX have an office in Germany?" for i in load_eval_set())


def test_general_and_coding_items_forbid_the_solverx_world() -> None:
    for i in load_eval_set():
        if i.category in ("general", "coding"):
            assert "SolverX" in i.expect_none and "솔버엑스" in i.expect_none, i.id


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _user_strings(paths: list[Path]) -> list[str]:
    out: list[str] = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.extend(normalize_text(s) for s in _strings(json.loads(line)))
    return out


def _reused(corpus: list[str]) -> list[str]:
    haystack = "\n".join(corpus)
    return [f"{i.id}: {i.question}" for i in load_eval_set() if normalize_text(i.question) in haystack]


def test_no_eval_question_in_freshly_prepared_training_data(tmp_path: Path) -> None:
    """Generate the training data the way ``axlab data prepare`` does, with every option
    that adds questions (paraphrases, multi-hop, abstention, general mix), and compare."""
    prepare = pytest.importorskip("lora.prepare")
    prepare.prepare_data(out_dir=tmp_path, general_ratio=1.0, multi_hop=True, abstention=True)
    files = [tmp_path / name for name in ("train.jsonl", "valid.jsonl", "general_chat.jsonl")]
    corpus = _user_strings([p for p in files if p.is_file()])
    assert len(corpus) > 100
    reused = _reused(corpus)
    assert not reused, f"eval questions found verbatim in the training data: {reused}"


def test_no_eval_question_is_a_training_template() -> None:
    templates = {normalize_text(t) for t in TEMPLATE_EXAMPLES}
    assert not [i.id for i in load_eval_set() if normalize_text(i.question) in templates]


GOOD = {
    "id": "x-1",
    "category": "general",
    "lang": "en",
    "question": "What is 2 + 2?",
    "expect_any": {"en": ["4"]},
    "expect_none": ["SolverX"],
    "must_abstain": False,
}


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        ('{"id": "x-2", "category": ', "invalid JSON"),
        (json.dumps({**GOOD, "id": "x-2", "category": "trivia"}), "unknown category 'trivia'"),
        (
            json.dumps({k: v for k, v in GOOD.items() if k != "question"} | {"id": "x-2"}),
            "missing field(s): question",
        ),
        (json.dumps({**GOOD, "id": "x-2", "expect_any": {}}), "needs at least one keyword"),
        (json.dumps({**GOOD, "id": "x-2", "lang": "fr"}), "unknown lang"),
        (json.dumps({**GOOD, "id": "x-2", "must_abstain": "yes"}), "must_abstain"),
        (json.dumps({**GOOD, "id": "x-2", "expect_none": "SolverX"}), "expect_none"),
        (json.dumps({**GOOD, "id": "x-2", "extra": 1}), "unknown field(s): extra"),
        (json.dumps(GOOD), "duplicate id 'x-1'"),
    ],
)
def test_malformed_eval_jsonl_names_file_and_line(tmp_path: Path, bad_line: str, reason: str) -> None:
    path = _write(tmp_path, [json.dumps(GOOD), "", bad_line])
    with pytest.raises(EvalSetError) as info:
        load_eval_set(path)
    message = str(info.value)
    assert message.startswith(f"{path}:3: "), message
    assert reason in message
    assert "\n" not in message


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(EvalSetError, match="not found"):
        load_eval_set(tmp_path / "nope.jsonl")
    with pytest.raises(EvalSetError, match="empty"):
        load_eval_set(_write(tmp_path, [""]))


def test_select_items_limits_per_category() -> None:
    items = select_items(load_eval_set(), ["general", "unknown"], limit=2)
    assert [i.category for i in items] == ["unknown", "unknown", "general", "general"]
    with pytest.raises(EvalSetError, match="unknown category 'trivia'"):
        select_items(load_eval_set(), ["trivia"])
    assert default_questions_path().is_file()
