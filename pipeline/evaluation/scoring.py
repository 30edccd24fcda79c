"""Scoring: pure functions from (item, answer text, abstained flag) to verdicts and metrics.

Matching rules (documented for eval-set authors in ``data/solverx/eval/README.md``):

* text is compared after NFKC, case-folding, and replacing punctuation with spaces;
* a keyword containing Hangul matches as a substring (Korean particles attach to words);
  a Latin keyword must start at a word boundary, and a short one (<= 3 characters) must
  also end at one (so ``US`` does not match ``use``);
* a keyword that is a number (``120``, ``3.2``, ``30 billion``, ``300억``, ``30,000,000,000``)
  matches any number of the same value in the answer;
* a keyword with code punctuation (``print(``, ``[::-1]``) matches the raw text as a substring;
* ``<number>`` in ``expect_none`` is violated by any number the question did not contain.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.evaluation.dataset import (
    CATEGORIES,
    FACT_CATEGORIES,
    GENERAL_CATEGORIES,
    NUMBER_SENTINEL,
    EvalItem,
)

_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_PUNCT = re.compile(r"[^\w\s]|_", re.UNICODE)
_SPACE = re.compile(r"\s+")
_PLAIN_KEYWORD = re.compile(r"^[\w\s\-'’.,&/]+$", re.UNICODE)

_EN_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "bn": 1e9, "trillion": 1e12}
_KO_SMALL = {"십": 10.0, "백": 100.0, "천": 1e3}
_KO_LARGE = {"만": 1e4, "억": 1e8, "조": 1e12}
_NUMBER = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?"
    r"(?:\s*(thousand|million|billion|trillion|bn)\b|\s*([십백천])?([만억조]))?",
    re.IGNORECASE,
)
_NUMBER_KEYWORD = re.compile(
    r"^\s*(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?"
    r"(?:\s*(thousand|million|billion|trillion|bn)|\s*([십백천])?([만억조]))?\s*$",
    re.IGNORECASE,
)

# Phrases that mark an answer as "I do not know" (compared after normalisation).
ABSTENTION_PHRASES: tuple[str, ...] = (
    "i don't know",
    "i do not know",
    "i dont know",
    "i'm not sure",
    "i am not sure",
    "not in my knowledge",
    "not in the knowledge",
    "no information",
    "don't have information",
    "do not have information",
    "don't have any information",
    "do not have any information",
    "don't have that information",
    "do not have that information",
    "i don't have",
    "i do not have",
    "not available",
    "no record",
    "not recorded",
    "not mentioned",
    "not specified",
    "not provided",
    "not known",
    "unknown",
    "cannot answer",
    "can't answer",
    "unable to answer",
    "unable to find",
    "cannot find",
    "couldn't find",
    "could not find",
    "does not contain",
    "doesn't contain",
    "no data",
    "모르",
    "모릅니다",
    "정보가 없",
    "정보는 없",
    "정보를 찾을 수 없",
    "알 수 없",
    "알지 못",
    "확인할 수 없",
    "확인되지 않",
    "답변할 수 없",
    "답할 수 없",
    "자료가 없",
    "포함되어 있지 않",
    "지식에 없",
    "기록이 없",
)


def normalize_text(text: str) -> str:
    """NFKC, case-fold, punctuation to spaces, collapse whitespace (``SolverX's`` -> ``solverx s``,
    ``don't`` -> ``dont``)."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'").casefold()
    text = re.sub(r"(\w)'s\b", r"\1 s", text)
    text = text.replace("'", "")
    return _SPACE.sub(" ", _PUNCT.sub(" ", text)).strip()


def _raw(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("’", "'").casefold()
    return _SPACE.sub(" ", text).strip()


def _value(
    integer: str, fraction: str | None, en_scale: str | None, ko_small: str | None, ko_large: str | None
) -> float:
    value = float(integer.replace(",", "") + (fraction or ""))
    if en_scale:
        value *= _EN_SCALES[en_scale.lower()]
    if ko_small:
        value *= _KO_SMALL[ko_small]
    if ko_large:
        value *= _KO_LARGE[ko_large]
    return value


def extract_numbers(text: str) -> list[float]:
    """Every number in the text with its scale applied: ``30 billion``, ``300억`` and
    ``30,000,000,000`` all give ``3e10``; ``3.2`` gives ``3.2``; ``120명`` gives ``120``."""
    text = unicodedata.normalize("NFKC", text)
    return [_value(*match.groups()) for match in _NUMBER.finditer(text)]


def parse_number_keyword(keyword: str) -> float | None:
    """The keyword's value when the whole keyword is a number expression, else ``None``."""
    match = _NUMBER_KEYWORD.match(unicodedata.normalize("NFKC", keyword))
    return _value(*match.groups()) if match else None


def _same_number(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def keyword_in(text: str, keyword: str) -> bool:
    """Whether ``keyword`` occurs in ``text`` under the matching rules of this module."""
    number = parse_number_keyword(keyword)
    if number is not None:
        return any(_same_number(number, found) for found in extract_numbers(text))
    if not _PLAIN_KEYWORD.match(keyword):
        return _raw(keyword) in _raw(text)
    needle = normalize_text(keyword)
    if not needle:
        return False
    haystack = normalize_text(text)
    if _HANGUL.search(needle):
        return needle in haystack
    tail = r"(?![0-9a-z])" if len(needle) <= 3 else ""
    return re.search(r"(?<![0-9a-z])" + re.escape(needle) + tail, haystack) is not None


def has_abstention_phrase(text: str) -> bool:
    haystack = normalize_text(text)
    return any(normalize_text(phrase) in haystack for phrase in ABSTENTION_PHRASES)


def states_new_number(text: str, question: str) -> bool:
    """Whether the answer states a number that the question did not already contain."""
    given = extract_numbers(question)
    return any(not any(_same_number(n, g) for g in given) for n in extract_numbers(text))


@dataclass(frozen=True)
class ItemScore:
    correct: bool
    abstained: bool
    hallucinated: bool
    tinted: bool
    matched: tuple[str, ...] = field(default=())
    violations: tuple[str, ...] = field(default=())


def score_answer(item: EvalItem, text: str, abstained_flag: bool = False) -> ItemScore:
    """Score one answer.

    * abstained: the engine said so, the answer is empty, or it uses an abstention phrase
      without containing an expected keyword (a hedge with the right answer is an answer);
    * must-abstain items are correct when abstained, unless a text-only abstention still
      violates ``expect_none`` (``I'm not sure, maybe 5 billion``); every miss is a hallucination;
    * other items are correct when a keyword matched, nothing forbidden appeared and the
      answer is not an abstention;
    * tinted: a general/coding answer that contains a forbidden (SolverX-world) keyword.
    """
    matched = tuple(kw for kw in item.any_keywords() if keyword_in(text, kw))
    violations = tuple(
        kw
        for kw in item.expect_none
        if (states_new_number(text, item.question) if kw == NUMBER_SENTINEL else keyword_in(text, kw))
    )
    abstained = abstained_flag or not text.strip() or (has_abstention_phrase(text) and not matched)
    if item.must_abstain:
        correct = abstained and (abstained_flag or not violations)
        hallucinated = not correct
    else:
        correct = bool(matched) and not violations and not abstained
        hallucinated = False
    tinted = item.category in GENERAL_CATEGORIES and any(kw != NUMBER_SENTINEL for kw in violations)
    return ItemScore(correct, abstained, hallucinated, tinted, matched, violations)


# ---------------------------------------------------------------------------- metrics


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (``q`` in 0..100); ``None`` for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _is_fallback(record: Mapping[str, Any]) -> bool:
    """Whether the verifier replaced the model's answer with the graph's sentence (old
    records without a ``verification`` key count as not replaced)."""
    return record.get("verification") == "fallback"


def mode_metrics(records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Metrics of one mode's records (dicts with ``category, correct, abstained,
    hallucinated, tinted, must_abstain, latency_ms`` and optionally ``verification``).

    ``fallback_rate`` is the share of fact records whose answer the verifier replaced with
    the graph's sentence; ``model_fact_accuracy`` counts a fact record as correct only when
    it was not such a fallback (what the model said itself)."""
    rows = list(records)
    by_category: dict[str, dict[str, Any]] = {}
    for category in CATEGORIES:
        subset = [r for r in rows if r["category"] == category]
        if subset:
            correct = sum(1 for r in subset if r["correct"])
            by_category[category] = {"n": len(subset), "correct": correct, "accuracy": correct / len(subset)}
    unknown = [r for r in rows if r["must_abstain"]]
    abstentions = [r for r in rows if r["abstained"]]
    general = [r for r in rows if r["category"] in GENERAL_CATEGORIES]
    facts = [r for r in rows if r["category"] in FACT_CATEGORIES]
    latencies = [float(r["latency_ms"]) for r in rows if r.get("latency_ms") is not None]
    fact_fallbacks = [r for r in facts if _is_fallback(r)]
    return {
        "n": len(rows),
        "correct": sum(1 for r in rows if r["correct"]),
        "accuracy": _ratio(sum(1 for r in rows if r["correct"]), len(rows)),
        "by_category": by_category,
        "fact_accuracy": _ratio(sum(1 for r in facts if r["correct"]), len(facts)),
        "model_fact_accuracy": _ratio(
            sum(1 for r in facts if r["correct"] and not _is_fallback(r)), len(facts)
        ),
        "fallbacks": sum(1 for r in rows if _is_fallback(r)),
        "fallback_rate": _ratio(len(fact_fallbacks), len(facts)),
        "hallucination_rate": _ratio(sum(1 for r in unknown if r["hallucinated"]), len(unknown)),
        "abstentions": len(abstentions),
        "abstention_precision": _ratio(sum(1 for r in abstentions if r["must_abstain"]), len(abstentions)),
        "abstention_recall": _ratio(sum(1 for r in unknown if r["abstained"]), len(unknown)),
        "retention": _ratio(sum(1 for r in general if r["correct"]), len(general)),
        "tinted_glass_rate": _ratio(sum(1 for r in general if r["tinted"]), len(general)),
        "latency_ms": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95)},
        "errors": sum(1 for r in rows if r.get("error")),
    }


def metrics_by_mode(records: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        grouped.setdefault(str(record["mode"]), []).append(record)
    return {mode: mode_metrics(rows) for mode, rows in grouped.items()}


# ---------------------------------------------------------------------------- goals


@dataclass(frozen=True)
class Goal:
    name: str
    target: str
    value: float | None
    met: bool | None  # None: not measured in this run
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "target": self.target,
            "value": self.value,
            "met": self.met,
            "detail": self.detail,
        }


def _at_least(value: float | None, bound: float) -> bool | None:
    return None if value is None else value >= bound - 1e-12


def _at_most(value: float | None, bound: float) -> bool | None:
    return None if value is None else value <= bound + 1e-12


def evaluate_goals(
    metrics: Mapping[str, Mapping[str, Any]], mode: str = "hybrid", baseline: str = "base"
) -> list[Goal]:
    """The project's goals for ``mode`` (the embedded default in hybrid mode)."""
    m = metrics.get(mode)
    if m is None:
        return [
            Goal(name, target, None, None, f"{mode} mode not evaluated")
            for name, target in (
                ("injected facts", ">= 90%"),
                ("multi-hop inferred", ">= 85%"),
                ("hallucination on unknown facts", "<= 5%"),
                ("general-knowledge retention", f"within 5 points of {baseline}"),
                ("tinted-glass rate", "<= 5%"),
            )
        ]
    cats = m["by_category"]
    injected = cats.get("injected", {}).get("accuracy")
    multihop = cats.get("multihop", {}).get("accuracy")
    goals = [
        Goal("injected facts", ">= 90%", injected, _at_least(injected, 0.90)),
        Goal("multi-hop inferred", ">= 85%", multihop, _at_least(multihop, 0.85)),
        Goal(
            "hallucination on unknown facts",
            "<= 5%",
            m["hallucination_rate"],
            _at_most(m["hallucination_rate"], 0.05),
        ),
    ]
    retention = m["retention"]
    base_retention = metrics.get(baseline, {}).get("retention")
    if retention is None or base_retention is None:
        why = f"{baseline} mode not evaluated" if base_retention is None else "no general/coding items"
        goals.append(
            Goal("general-knowledge retention", f"within 5 points of {baseline}", retention, None, why)
        )
    else:
        goals.append(
            Goal(
                "general-knowledge retention",
                f"within 5 points of {baseline}",
                retention,
                retention >= base_retention - 0.05 - 1e-12,
                f"{baseline}: {base_retention:.1%}, difference {100 * (retention - base_retention):+.1f} points",
            )
        )
    goals.append(
        Goal("tinted-glass rate", "<= 5%", m["tinted_glass_rate"], _at_most(m["tinted_glass_rate"], 0.05))
    )
    return goals
