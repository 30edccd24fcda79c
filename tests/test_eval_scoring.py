"""Scoring on hand-made answers (no model)."""

from __future__ import annotations

import pytest

from pipeline.evaluation.dataset import EvalItem
from pipeline.evaluation.scoring import (
    evaluate_goals,
    extract_numbers,
    has_abstention_phrase,
    keyword_in,
    mode_metrics,
    normalize_text,
    percentile,
    score_answer,
)

TINT = ("SolverX", "솔버엑스", "Pangyo", "판교")


def item(
    category: str = "multihop", lang: str = "en", question: str = "Which country is the HQ in?", **kw
) -> EvalItem:
    defaults = {
        "expect_any": {"en": ("South Korea", "Korea"), "ko": ("대한민국", "한국")},
        "expect_none": (),
        "must_abstain": False,
    }
    defaults.update(kw)
    return EvalItem(id="t-1", category=category, lang=lang, question=question, **defaults)  # type: ignore[arg-type]


UNKNOWN = item(
    "unknown",
    question="What was SolverX's revenue last year?",
    expect_any={},
    expect_none=("<number>",),
    must_abstain=True,
)
GENERAL = item(
    "general", question="What is the capital of France?", expect_any={"en": ("Paris",)}, expect_none=TINT
)


def test_correct_answer_scores_right() -> None:
    score = score_answer(item(), "SolverX's headquarters is in Seoul, South Korea.")
    assert score.correct and not score.abstained and not score.hallucinated
    assert "South Korea" in score.matched


def test_wrong_answer_scores_wrong() -> None:
    score = score_answer(item(), "It is headquartered in Tokyo, Japan.")
    assert not score.correct and not score.abstained


def test_korean_keywords_match_with_particles() -> None:
    assert score_answer(item(lang="ko"), "솔버엑스 본사는 대한민국에 있습니다.").correct
    assert score_answer(item(lang="ko"), "한국입니다").correct


def test_keyword_of_any_language_counts() -> None:
    # an English question answered in Korean still matches the Korean keywords
    assert score_answer(item(), "본사는 한국 서울에 있다").correct


def test_abstention_on_unknown_is_correct_not_hallucination() -> None:
    for text, flag in (
        ("I don't know; that is not in my knowledge.", False),
        ("I don’t know SolverX's revenue.", False),
        ("그 정보는 없습니다. 잘 모르겠어요.", False),
        ("Revenue figures are not part of what I was given.", True),  # engine flag alone suffices
    ):
        score = score_answer(UNKNOWN, text, abstained_flag=flag)
        assert score.abstained and score.correct and not score.hallucinated, text


def test_confident_number_on_unknown_is_hallucination() -> None:
    score = score_answer(UNKNOWN, "SolverX's revenue last year was 12 billion KRW.")
    assert score.hallucinated and not score.correct and not score.abstained
    assert "<number>" in score.violations


def test_hedged_number_on_unknown_is_still_hallucination() -> None:
    score = score_answer(UNKNOWN, "I'm not sure, but it was about 5 billion won.")
    assert score.abstained and score.hallucinated


def test_number_in_question_is_not_a_new_number() -> None:
    unknown_2024 = item(
        "unknown",
        question="How much profit did SolverX make in 2024?",
        expect_any={},
        expect_none=("<number>",),
        must_abstain=True,
    )
    assert score_answer(unknown_2024, "I do not have SolverX's 2024 profit in my knowledge.").correct


def test_answer_without_abstaining_on_unknown_is_hallucination() -> None:
    score = score_answer(item("unknown", expect_any={}, must_abstain=True), "The CFO is Park Jisoo.")
    assert score.hallucinated and not score.correct


def test_abstention_on_answerable_item_is_wrong() -> None:
    score = score_answer(item(), "I don't know where the headquarters is.")
    assert score.abstained and not score.correct and not score.hallucinated


def test_hedge_with_the_right_answer_is_an_answer() -> None:
    score = score_answer(item(), "I'm not sure, but I believe it is South Korea.")
    assert score.correct and not score.abstained


def test_general_answer_mentioning_solverx_is_tinted() -> None:
    tinted = score_answer(GENERAL, "Paris. SolverX also has offices in Europe.")
    assert tinted.tinted and not tinted.correct
    clean = score_answer(GENERAL, "The capital of France is Paris.")
    assert clean.correct and not clean.tinted
    assert score_answer(GENERAL, "파리입니다. 솔버엑스 본사는 서울에 있습니다.").tinted


def test_tinted_applies_only_to_general_and_coding() -> None:
    fact = item("injected", expect_any={"en": ("Pangyo",)}, expect_none=("SolverX",))
    assert not score_answer(fact, "SolverX does R&D in Pangyo.").tinted


@pytest.mark.parametrize(
    ("answer", "keyword"),
    [
        ("It raised 30 billion KRW.", "30 billion"),
        ("It raised 30,000,000,000 won.", "30 billion"),
        ("300억 원을 유치했다", "30 billion"),
        ("It raised 30 billion KRW.", "300억"),
        ("Version 3.2 is the latest.", "3.2"),
        ("직원은 120명이다", "120"),
        ("up to 100x faster", "100"),
        ("최대 100배 빠르다", "100"),
    ],
)
def test_numbers_are_normalised(answer: str, keyword: str) -> None:
    assert keyword_in(answer, keyword)


@pytest.mark.parametrize(
    ("answer", "keyword"),
    [
        ("about 1200 people", "120"),
        ("version 3.21", "3.2"),
        ("3 billion", "30 billion"),
        ("30억", "30 billion"),
    ],
)
def test_numbers_do_not_match_other_values(answer: str, keyword: str) -> None:
    assert not keyword_in(answer, keyword)


def test_extract_numbers() -> None:
    assert extract_numbers("30,000,000,000 and 300억 and 3.2 and 3천억") == [3e10, 3e10, 3.2, 3e11]


def test_short_keywords_need_word_boundaries_and_code_matches_raw() -> None:
    assert not keyword_in("You can use it anywhere.", "US")
    assert keyword_in("The U.S. office is in Palo Alto.", "U.S.")
    assert keyword_in("It is in the US.", "US")
    assert keyword_in("Use s[::-1] to reverse it.", "[::-1]")
    assert not keyword_in("x = 1", "[::-1]")
    assert keyword_in('print("Hello, World!")', "print(")


def test_normalisation_and_phrases() -> None:
    assert normalize_text("  SolverX’s   HQ!! ") == "solverx s hq"
    assert has_abstention_phrase("I DON'T KNOW.")
    assert has_abstention_phrase("해당 정보가 없습니다")
    assert not has_abstention_phrase("It is in Munich, Germany.")


def _rec(mode: str, category: str, correct: bool, **kw) -> dict:
    row = {
        "mode": mode,
        "category": category,
        "correct": correct,
        "abstained": False,
        "hallucinated": False,
        "tinted": False,
        "must_abstain": category == "unknown",
        "latency_ms": 100.0,
    }
    row.update(kw)
    return row


def test_metrics_and_goals() -> None:
    hybrid = [
        _rec("hybrid", "injected", True),
        _rec("hybrid", "multihop", True),
        _rec("hybrid", "unknown", True, abstained=True),
        _rec("hybrid", "unknown", False, hallucinated=True),
        _rec("hybrid", "injected", False, abstained=True),
        _rec("hybrid", "general", True),
        _rec("hybrid", "coding", False, tinted=True, latency_ms=300.0),
    ]
    m = mode_metrics(hybrid)
    assert m["by_category"]["injected"] == {"n": 2, "correct": 1, "accuracy": 0.5}
    assert m["hallucination_rate"] == 0.5
    assert m["abstention_precision"] == 0.5  # one of two abstentions was on an unknown item
    assert m["retention"] == 0.5 and m["tinted_glass_rate"] == 0.5
    assert m["fact_accuracy"] == pytest.approx(2 / 3)
    # records without a "verification" key (old eval.json) count as the model's own answers
    assert m["fallbacks"] == 0 and m["fallback_rate"] == 0.0
    assert m["model_fact_accuracy"] == m["fact_accuracy"]
    assert m["latency_ms"]["p50"] == 100.0
    goals = {g.name: g for g in evaluate_goals({"hybrid": m, "base": {"retention": 0.5}})}
    assert goals["injected facts"].met is False
    assert goals["multi-hop inferred"].met is True
    assert goals["hallucination on unknown facts"].met is False
    assert goals["general-knowledge retention"].met is True
    assert goals["tinted-glass rate"].met is False
    missing = evaluate_goals({"lora": m})
    assert all(g.met is None for g in missing)


def test_fallback_metrics_separate_the_models_own_fact_accuracy() -> None:
    graph = [
        _rec("graph", "injected", True, verification="fallback"),  # right, but the graph's sentence
        _rec("graph", "multihop", True, verification="supported"),  # right, in the model's words
        _rec("graph", "korean", False, verification="unsupported"),  # wrong
        _rec("graph", "general", True, verification=None),
    ]
    m = mode_metrics(graph)
    assert m["fallbacks"] == 1
    assert m["fallback_rate"] == pytest.approx(1 / 3)
    assert m["model_fact_accuracy"] == pytest.approx(1 / 3)
    assert m["fact_accuracy"] == pytest.approx(2 / 3)


def test_fallback_metrics_without_fact_records_are_none() -> None:
    m = mode_metrics([_rec("base", "general", True, verification="fallback")])
    assert m["fallbacks"] == 1
    assert m["fallback_rate"] is None and m["model_fact_accuracy"] is None


def test_percentile() -> None:
    assert percentile([], 50) is None
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([1.0] * 19 + [100.0], 95) == pytest.approx(5.95)
