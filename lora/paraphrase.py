"""Template paraphrases: several questions, in English and Korean, for one fact row.

Questions come from hand-written templates per predicate (what a person would ask
to get that fact), with a generic fallback built from the predicate's labels in
``ontology.schema``. The answer is always the row's own statement, so training
teaches the model the exact wording the knowledge file uses.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ontology.knowledge import Knowledge, Lang, Row, Triple
from ontology.schema import PROPERTY_BY_NAME

# predicate -> language -> templates. {s}: subject label, {o}: object label.
TEMPLATES: dict[str, dict[Lang, tuple[str, ...]]] = {
    "businessArea": {
        "en": (
            "What does {s} do?",
            "What kind of company is {s}?",
            "What is {s}'s business?",
            "Describe {s} in one sentence.",
            "What field does {s} work in?",
        ),
        "ko": (
            "{s}는 어떤 회사인가요?",
            "{s}는 무슨 일을 하나요?",
            "{s}의 사업 분야는 무엇인가요?",
            "{s}를 한 문장으로 소개해 주세요.",
        ),
    },
    "foundedIn": {
        "en": (
            "When was {s} founded?",
            "Who founded {s}, and when?",
            "In what year was {s} established?",
            "Who are the founders of {s}?",
            "Tell me about the founding of {s}.",
        ),
        "ko": (
            "{s}는 언제 설립되었나요?",
            "{s}는 누가 설립했나요?",
            "{s}의 창업자는 누구인가요?",
            "{s}의 설립 연도는?",
        ),
    },
    "ceo": {
        "en": (
            "Who is the CEO of {s}?",
            "Who runs {s}?",
            "Who is {s}'s chief executive?",
            "Who leads {s} as CEO?",
            "Name the CEO of {s}.",
        ),
        "ko": (
            "{s}의 CEO는 누구인가요?",
            "{s}의 대표이사는 누구인가요?",
            "{s}를 이끄는 대표는 누구인가요?",
            "{s} 대표가 누구야?",
        ),
    },
    "cto": {
        "en": (
            "Who is the CTO of {s}?",
            "Who is {s}'s chief technology officer?",
            "Who leads technology at {s}?",
            "Name the CTO of {s}.",
            "Who heads engineering at {s} as CTO?",
        ),
        "ko": (
            "{s}의 CTO는 누구인가요?",
            "{s}의 최고기술책임자는 누구인가요?",
            "{s}의 기술 책임자는 누구야?",
            "{s} CTO가 누구인가요?",
        ),
    },
    "employeeCount": {
        "en": (
            "How many employees does {s} have?",
            "How big is {s}?",
            "What is the headcount of {s}?",
            "How many people work at {s}?",
            "What is the size of {s}'s workforce?",
        ),
        "ko": (
            "{s}의 직원 수는 몇 명인가요?",
            "{s}에는 몇 명이 일하나요?",
            "{s}의 규모는 어떻게 되나요?",
            "{s} 직원은 몇 명이야?",
        ),
    },
    "headquarters": {
        "en": (
            "Where is {s}'s headquarters?",
            "Where is {s} based?",
            "Where is the head office of {s}?",
            "In which city is {s} headquartered?",
            "Where are {s}'s main offices located?",
        ),
        "ko": (
            "{s}의 본사는 어디에 있나요?",
            "{s} 본사 위치는?",
            "{s}는 어디에 본사를 두고 있나요?",
            "{s}의 본사 주소는 어디인가요?",
        ),
    },
    "coreProduct": {
        "en": (
            "What is {s}'s core product?",
            "What is the main product of {s}?",
            "What is {s}'s flagship product?",
            "Which product is central to {s}?",
            "What does {s} mainly sell?",
        ),
        "ko": (
            "{s}의 핵심 제품은 무엇인가요?",
            "{s}의 주력 제품은 뭐야?",
            "{s}의 대표 제품은 무엇인가요?",
            "{s}가 주로 판매하는 제품은?",
        ),
    },
    "combinesTechnology": {
        "en": (
            "What technologies does {s} combine?",
            "How does {s} work?",
            "What approach does {s} use?",
            "What is {s} built on?",
            "What is special about {s}'s technology?",
        ),
        "ko": (
            "{s}는 어떤 기술을 결합하나요?",
            "{s}는 어떻게 작동하나요?",
            "{s}의 기술적 접근 방식은?",
            "{s}는 무엇을 기반으로 하나요?",
        ),
    },
    "coversDomain": {
        "en": (
            "Which simulation domains does {s} cover?",
            "What kinds of simulation does {s} support?",
            "What can {s} simulate?",
            "Which engineering areas does {s} handle?",
            "What physics does {s} cover?",
        ),
        "ko": (
            "{s}는 어떤 시뮬레이션 분야를 지원하나요?",
            "{s}로 어떤 해석을 할 수 있나요?",
            "{s}가 다루는 분야는 무엇인가요?",
            "{s}는 어떤 공학 분야를 지원해?",
        ),
    },
    "speedupFactor": {
        "en": (
            "How fast is {s}?",
            "How much faster is {s} than a conventional solver?",
            "What speedup does {s} give?",
            "Is {s} faster than traditional solvers?",
            "How quick is {s} compared with classical solvers?",
        ),
        "ko": (
            "{s}는 얼마나 빠른가요?",
            "{s}는 기존 솔버보다 얼마나 빠른가요?",
            "{s}의 속도 향상은 어느 정도인가요?",
            "{s}는 기존 방식보다 빨라?",
        ),
    },
    "suggestsOnLowConfidence": {
        "en": (
            "What does {s} do when its confidence is low?",
            "What happens when {s} is not confident?",
            "How does {s} handle low confidence scores?",
            "What does {s} suggest when it is unsure?",
            "Does {s} fall back to a conventional solver?",
        ),
        "ko": (
            "{s}는 신뢰도가 낮으면 어떻게 하나요?",
            "{s}의 신뢰도 점수가 낮을 때 무슨 일이 일어나나요?",
            "{s}는 확신이 없을 때 무엇을 제안하나요?",
            "{s}는 기존 솔버를 호출하기도 하나요?",
        ),
    },
    "latestVersion": {
        "en": (
            "What is the latest version of {s}?",
            "Which version of {s} is the newest?",
            "When was the latest {s} released?",
            "What is the current release of {s}?",
            "Which {s} version came out most recently?",
        ),
        "ko": (
            "{s}의 최신 버전은 무엇인가요?",
            "{s} 최신 버전은 몇이야?",
            "{s}의 최신 버전은 언제 출시되었나요?",
            "{s}의 현재 버전은?",
        ),
    },
    "productFunction": {
        "en": (
            "What is {s}?",
            "What does {s} do?",
            "What is {s} used for?",
            "Tell me about {s}.",
            "What kind of product is {s}?",
        ),
        "ko": (
            "{s}는 무엇인가요?",
            "{s}는 무슨 일을 하나요?",
            "{s}는 어디에 쓰이나요?",
            "{s}에 대해 알려 주세요.",
        ),
    },
    "hasOffice": {
        "en": (
            "Where is the {o}?",
            "Where is {o} located?",
            "In which city is the {o}?",
            "Where can I find the {o}?",
            "What is the location of the {o}?",
        ),
        "ko": (
            "{o}는 어디에 있나요?",
            "{o}의 위치는 어디인가요?",
            "{o}는 어느 도시에 있나요?",
            "{o} 주소가 어떻게 돼?",
        ),
    },
    "raisedFunding": {
        "en": (
            "How much funding has {s} raised?",
            "What was {s}'s Series B?",
            "Who invested in {s}, and how much?",
            "When did {s} raise its Series B?",
            "Tell me about {s}'s funding.",
        ),
        "ko": (
            "{s}는 투자를 얼마나 유치했나요?",
            "{s}의 시리즈 B 투자 규모는?",
            "{s}는 언제 시리즈 B 투자를 받았나요?",
            "{s}의 투자 유치 현황을 알려 주세요.",
        ),
    },
    "customerIndustry": {
        "en": (
            "Who are {s}'s customers?",
            "Which industries does {s} serve?",
            "Who buys from {s}?",
            "What industries use {s}'s products?",
            "Which sectors are {s}'s customers in?",
        ),
        "ko": (
            "{s}의 고객은 누구인가요?",
            "{s}는 어떤 산업을 고객으로 두고 있나요?",
            "{s}의 제품을 쓰는 산업은?",
            "{s}의 주요 고객 산업은 무엇인가요?",
        ),
    },
}
# Predicates whose natural question is about the object (``SolverX hasOffice X`` -> "Where is X?").
ABOUT_OBJECT = {"hasOffice", "hasProduct"}
ALIASES = {
    "foundedBy": "foundedIn",
    "lowConfidenceBehavior": "suggestsOnLowConfidence",
    "hasProduct": "productFunction",
    "employeeCountYear": "employeeCount",
    "latestVersionYear": "latestVersion",
    "speedupCondition": "speedupFactor",
    "fundingAmount": "raisedFunding",
    "fundingSeries": "raisedFunding",
    "fundingCurrency": "raisedFunding",
    "fundingYear": "raisedFunding",
}
TEMPLATES["locatedIn"] = {
    "en": ("Where is {s} located?", "Where is the {s}?"),
    "ko": ("{s}는 어디에 있나요?", "{s}의 위치는?"),
}
# Korean particles that depend on whether the word before them ends in a consonant.
_JOSA = {
    "은": ("은", "는"),
    "는": ("은", "는"),
    "이": ("이", "가"),
    "가": ("이", "가"),
    "을": ("을", "를"),
    "를": ("을", "를"),
    "과": ("과", "와"),
    "와": ("과", "와"),
    "으로": ("으로", "로"),
    "로": ("으로", "로"),
}
_JOSA_AFTER_SLOT = re.compile(r"\{(s|o)\}(으로|은|는|이|가|을|를|과|와|로)")


def josa(word: str, particle: str) -> str:
    """The right form of a Korean particle after ``word`` (은/는, 이/가, 을/를, 과/와, 으로/로)."""
    with_final, without_final = _JOSA[particle]
    last = word[-1:] if word else ""
    if not ("가" <= last <= "힣"):
        return without_final
    final = (ord(last) - 0xAC00) % 28
    if with_final == "으로" and final == 8:  # ㄹ takes 로
        return without_final
    return with_final if final else without_final


def _generic(predicate: str, lang: Lang) -> tuple[str, ...]:
    prop = PROPERTY_BY_NAME.get(predicate)
    label = (prop.label_en if lang == "en" else prop.label_ko) if prop else predicate
    if lang == "en":
        return (
            f"What is the {label} of {{s}}?",
            f"Tell me about {{s}}'s {label}.",
            f"What do you know about {{s}}'s {label}?",
        )
    return (f"{{s}}의 {label}은(는) 무엇인가요?", f"{{s}}의 {label}에 대해 알려 주세요.")


def questions_for(row: Row, knowledge: Knowledge, lang: Lang) -> list[str]:
    """Distinct questions in ``lang`` whose answer is ``row.text[lang]``, in a stable order."""
    label: Callable[[str], str] = lambda entity: knowledge.label(entity, lang)  # noqa: E731
    out: list[str] = []
    seen_predicates: set[str] = set()
    for triple in row.triples:
        predicate = ALIASES.get(triple.p, triple.p)
        if predicate in seen_predicates:
            continue
        seen_predicates.add(predicate)
        templates = TEMPLATES.get(predicate, {}).get(lang) or _generic(triple.p, lang)
        for template in templates:
            slots = _slots(triple, label)
            if lang == "ko":
                template = _with_josa(template, slots)
            question = template.format(**slots)
            if question not in out:
                out.append(question)
    return out


def _with_josa(template: str, slots: dict[str, str]) -> str:
    """Resolve the particle after each ``{s}``/``{o}`` for the label that fills it."""
    return _JOSA_AFTER_SLOT.sub(lambda m: "{" + m[1] + "}" + josa(slots[m[1]], m[2]), template)


def _slots(triple: Triple, label: Callable[[str], str]) -> dict[str, str]:
    subject = label(triple.s)
    obj = label(triple.o) if triple.o else str(triple.value)
    if triple.p in ABOUT_OBJECT and triple.o:
        return {"s": obj, "o": obj}
    return {"s": subject, "o": obj}
