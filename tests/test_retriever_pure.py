"""Retriever pure functions: linking, intent, verbalisation, coverage, Context JSON (no model, no graph)."""

from __future__ import annotations

import pytest

from kg.facts import Fact
from ontology.knowledge import load_knowledge
from retriever.context import Context, LinkedEntity, ScoredFact
from retriever.coverage import unsupported_offices, unsupported_rounds
from retriever.intent import detect_intent
from retriever.linking import AliasIndex, build_alias_index, link_entities
from retriever.text import josa, token_variants, tokenize
from retriever.verbalise import format_amount, format_number, verbalise

KNOWLEDGE = load_knowledge()
INDEX: AliasIndex = build_alias_index(KNOWLEDGE.entities)


def ids(question: str) -> list[str]:
    return [link.entity_id for link in link_entities(question, INDEX)]


def label(entity_id: str, lang: str) -> str:
    return KNOWLEDGE.label(entity_id, "ko" if lang == "ko" else "en")


# --- linking --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which country is SolverX in?", ["SolverX"]),
        ("where is solverx based", ["SolverX"]),
        ("SOLVERX founders", ["SolverX"]),
        ("What is SolverX's core product?", ["SolverX"]),
        ("Tell me about Solver X", ["SolverX"]),
        ("Does SolverX have an office in Germany?", ["SolverX", "Germany"]),
        ("Is Seocho dong in Seoul?", ["SeochoDong", "Seoul"]),
    ],
)
def test_link_english(question: str, expected: list[str]) -> None:
    assert ids(question) == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("솔버엑스는 언제 설립되었나요?", ["SolverX"]),
        ("솔버엑스의 대표는 누구인가요?", ["SolverX"]),
        ("솔버엑스가 투자를 유치했나요?", ["SolverX"]),
        ("판교에 무엇이 있나요?", ["Pangyo"]),
        ("독일에도 사무소가 있나요?", ["Germany"]),
        ("솔버엑스 퓨전의 최신 버전은?", ["SolverXFusion"]),
        ("서울특별시는 어느 나라에 속하나요?", ["Seoul"]),
    ],
)
def test_link_korean_with_particles(question: str, expected: list[str]) -> None:
    assert ids(question) == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What does Solverx make?", "SolverX"),
        ("Who founded Solvrx?", "SolverX"),
        ("How fast is SolverX Fuson?", "SolverXFusion"),
        ("솔버엑스퓨전은 얼마나 빠른가요?", "SolverXFusion"),
        ("Where is the reserch center?", "SolverXRnDCenter"),
    ],
)
def test_link_fuzzy_and_unspaced(question: str, expected: str) -> None:
    links = link_entities(question, INDEX)
    assert [link.entity_id for link in links] == [expected]
    assert 0.75 <= links[0].score <= 1.0


def test_fuzzy_scores_below_exact() -> None:
    exact = link_entities("What is SolverX Fusion?", INDEX)[0]
    fuzzy = link_entities("What is SolverX Fuson?", INDEX)[0]
    assert exact.entity_id == fuzzy.entity_id == "SolverXFusion"
    assert exact.method == "exact" and fuzzy.method == "fuzzy"
    assert fuzzy.score < exact.score == 1.0


def test_possessive_inside_a_span_is_not_a_typo() -> None:
    assert ids("Where are SolverX's offices?") == ["SolverX"]
    assert ids("Where is SolverX's US office?") == ["SolverXUSOffice"]


def test_longest_match_wins_over_nested() -> None:
    assert ids("Tell me about SolverX Fusion") == ["SolverXFusion"]
    assert ids("솔버엑스 본사는 어디에 있나요?") == ["SolverXHQ"]
    assert ids("Where is the SolverX US office?") == ["SolverXUSOffice"]
    assert ids("미국 사무소는 어디에 있나요?") == ["SolverXUSOffice"]


def test_short_aliases_need_whole_word_and_case() -> None:
    assert ids("Is SolverX in the US?") == ["SolverX", "UnitedStates"]
    assert ids("Tell us about SolverX") == ["SolverX"]  # "us" is not "US"
    assert ids("Where in CA is the office?") == ["California"]
    assert ids("Where can I find the cafe?") == []
    assert ids("Where is the HQ?") == ["SolverXHQ"]
    assert ids("the hq of it") == []
    assert ids("focus on USB cables") == []


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of France?",
        "Why is the sky blue?",
        "Write hello world in Python",
        "What is nuclear fusion?",
        "How do I bake bread?",
        "Who wrote Hamlet?",
        "하늘은 왜 파란가요?",
        "프랑스의 수도는 어디인가요?",
        "What is a solver in mathematics?",
    ],
)
def test_general_questions_link_nothing(question: str) -> None:
    assert ids(question) == []


def test_office_aliases_link_to_offices() -> None:
    assert ids("Where is the headquarters?") == ["SolverXHQ"]
    assert ids("Headquarters location?") == ["SolverXHQ"]
    assert ids("Where is the R&D center?") == ["SolverXRnDCenter"]
    assert ids("What city is the European office in?") == ["SolverXEuropeOffice"]
    assert ids("연구소는 어디에 있나요?") == ["SolverXRnDCenter"]


def test_tokens_and_variants() -> None:
    assert [t.text for t in tokenize("SolverX's U.S. office, R&D center.")] == [
        "SolverX's",
        "U.S.",
        "office",
        "R&D",
        "center",
    ]
    assert "솔버엑스" in token_variants("솔버엑스에서는")
    assert "SolverX" in token_variants("SolverX's")


# --- intent ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "predicate", "answer_class"),
    [
        ("Which country is SolverX in?", "locatedIn", "Country"),
        ("솔버엑스 본사는 어느 나라에 있나요?", "locatedIn", "Country"),
        ("Which continent is the US office in?", "locatedIn", "Continent"),
        ("솔버엑스는 어느 대륙에 있나요?", "locatedIn", "Continent"),
        ("In which city is SolverX headquartered?", "locatedIn", "City"),
        ("Which state is the US office in?", "locatedIn", "State"),
        ("Where is SolverX based?", "locatedIn", None),
        ("솔버엑스는 어디에 위치해 있나요?", "locatedIn", None),
        ("When was SolverX founded?", "foundedIn", None),
        ("솔버엑스는 언제 설립되었나요?", "foundedIn", None),
        ("Who founded SolverX?", "foundedBy", None),
        ("Who is the CEO of SolverX?", "ceo", None),
        ("솔버엑스의 대표는 누구인가요?", "ceo", None),
        ("Who is SolverX's CTO?", "cto", None),
        ("What products does SolverX make?", "hasProduct", None),
        ("솔버엑스의 제품은 무엇인가요?", "coreProduct", None),
        ("What is the latest version of SolverX Fusion?", "latestVersion", None),
        ("솔버엑스 퓨전의 최신 버전은?", "latestVersion", None),
        ("How much faster is SolverX Fusion?", "speedupFactor", None),
        ("솔버엑스 퓨전은 몇 배 빠른가요?", "speedupFactor", None),
        ("What does Fusion do when its confidence is low?", "lowConfidenceBehavior", None),
        ("신뢰도가 낮으면 어떻게 되나요?", "suggestsOnLowConfidence", None),
        ("How much funding has SolverX raised?", "raisedFunding", None),
        ("솔버엑스는 얼마나 투자를 받았나요?", "fundingAmount", None),
        ("Who are SolverX's customers?", "customerIndustry", None),
        ("솔버엑스의 고객은 누구인가요?", "customerIndustry", None),
        ("How many employees does SolverX have?", "employeeCount", None),
        ("솔버엑스의 직원은 몇 명인가요?", "employeeCount", None),
        ("Does SolverX have an office in Germany?", "hasOfficeIn", None),
    ],
)
def test_intent_predicates_and_answer_class(question: str, predicate: str, answer_class: str | None) -> None:
    intent = detect_intent(question)
    assert predicate in intent.predicates
    if answer_class is not None:
        assert answer_class in intent.answer_classes
    assert intent.unsupported_attributes == ()


@pytest.mark.parametrize(
    ("question", "attribute"),
    [
        ("What is SolverX's revenue?", "revenue"),
        ("How much revenue did SolverX make in 2024?", "revenue"),
        ("솔버엑스의 매출은 얼마인가요?", "revenue"),
        ("What is SolverX's stock ticker?", "stock ticker"),
        ("솔버엑스는 상장했나요?", "stock ticker"),
        ("How many patents does SolverX hold?", "patents"),
        ("솔버엑스의 특허는 몇 개인가요?", "patents"),
        ("Who is the CFO of SolverX?", "other executives"),
        ("Who is SolverX's COO?", "other executives"),
    ],
)
def test_unsupported_attributes(question: str, attribute: str) -> None:
    intent = detect_intent(question)
    assert attribute in intent.unsupported_attributes
    # vague cues ("how much", "when") do not turn an unsupported question into a supported one
    assert "fundingAmount" not in intent.predicates


def test_office_places_asked() -> None:
    assert detect_intent("Does SolverX have an office in Japan?").office_places == ("Japan",)
    assert detect_intent("Does SolverX have offices in London?").office_places == ("London",)
    assert "도쿄" in detect_intent("솔버엑스는 도쿄에 지사가 있나요?").office_places
    assert detect_intent("Where is SolverX based?").office_places == ()


def test_general_questions_have_no_location_class() -> None:
    assert detect_intent("Why is the sky blue?").predicates == {}
    assert detect_intent("Write hello world in Python").predicates == {}


# --- coverage -------------------------------------------------------------------------------------


def test_unsupported_offices() -> None:
    classes = {eid: e.class_ for eid, e in KNOWLEDGE.entities.items()}
    with_office = {"Germany", "Munich", "SouthKorea"}

    def check(question: str) -> list[str]:
        return unsupported_offices(
            detect_intent(question), link_entities(question, INDEX), classes, with_office
        )

    assert check("Does SolverX have an office in Japan?") == ["office in Japan"]
    assert check("Does SolverX have an office in Germany?") == []
    assert check("Does SolverX have an office in Gangnam-gu?") == ["office in Gangnam-gu"]
    assert check("Is the European office in Germany?") == []  # a named office: its facts answer
    assert check("Who is the CEO of SolverX?") == []


# --- verbalisation --------------------------------------------------------------------------------


def test_numbers_for_people() -> None:
    assert format_number(30_000_000_000, "en") == "30 billion"
    assert format_number(30_000_000_000, "ko") == "300억"
    assert format_number(1_500_000, "en") == "1.5 million"
    assert format_number(2019, "en") == "2019"
    assert format_amount(30_000_000_000, "KRW", "en") == "30 billion KRW"
    assert format_amount(30_000_000_000, "KRW", "ko") == "300억 원"


def test_josa() -> None:
    assert josa("솔버엑스", "은/는") == "솔버엑스는"
    assert josa("서울", "은/는") == "서울은"
    assert josa("김도윤", "이/가") == "김도윤이"
    assert josa("서울", "으로/로") == "서울로"
    assert josa("판교", "을/를") == "판교를"


SOUTH_KOREA = Fact(
    "SolverX",
    "locatedIn",
    "SouthKorea",
    inferred=True,
    proof=(
        Fact("SolverX", "locatedIn", "SeochoDong"),
        Fact("SeochoDong", "partOf", "SeochoGu"),
        Fact("SeochoGu", "partOf", "Seoul"),
        Fact("Seoul", "partOf", "SouthKorea"),
    ),
    source_rows=("solverx-headquarters", "gazetteer-SeochoDong", "gazetteer-SeochoGu", "gazetteer-Seoul"),
)
AMOUNT = Fact("SolverXSeriesB", "fundingAmount", "30000000000", object_is_literal=True, datatype="integer")
FOUNDED = Fact("SolverX", "foundedIn", "2019", object_is_literal=True, datatype="gYear")


def test_inferred_fact_is_a_direct_statement() -> None:
    assert verbalise(SOUTH_KOREA, "en", label) == "SolverX is located in South Korea."
    assert verbalise(SOUTH_KOREA, "ko", label) == "솔버엑스는 대한민국에 위치한다."


def test_literals_verbalised_for_people() -> None:
    companions = {("SolverXSeriesB", "fundingCurrency"): "KRW"}
    assert "30 billion KRW" in verbalise(AMOUNT, "en", label, companions)
    assert "300억 원" in verbalise(AMOUNT, "ko", label, companions)
    assert verbalise(FOUNDED, "en", label) == "SolverX was founded in 2019."
    assert verbalise(FOUNDED, "ko", label) == "솔버엑스는 2019년에 설립되었다."


def test_context_json_shape() -> None:
    facts = (
        ScoredFact(
            SOUTH_KOREA, 1.8, verbalise(SOUTH_KOREA, "en", label), verbalise(SOUTH_KOREA, "ko", label)
        ),
        ScoredFact(FOUNDED, 1.2, verbalise(FOUNDED, "en", label), verbalise(FOUNDED, "ko", label)),
    )
    ids_shown = ["SolverX", "SouthKorea", "SeochoDong", "SeochoGu", "Seoul"]
    context = Context(
        question="Which country is SolverX in?",
        lang="en",
        entities=(LinkedEntity("SolverX", "SolverX", "솔버엑스", 1.0, "SolverX"),),
        intent_predicates=("locatedIn",),
        answer_classes=("Country",),
        unsupported_attributes=(),
        facts=facts,
        labels={i: (label(i, "en"), label(i, "ko")) for i in ids_shown},
    )
    assert context.is_domain
    data = context.to_json()
    assert data[0] == {
        "subject": "SolverX",
        "predicate": "located in",
        "object": "South Korea",
        "inferred": True,
        "proof": [
            {"subject": "SolverX", "predicate": "located in", "object": "Seocho-dong"},
            {"subject": "Seocho-dong", "predicate": "part of", "object": "Seocho-gu"},
            {"subject": "Seocho-gu", "predicate": "part of", "object": "Seoul"},
            {"subject": "Seoul", "predicate": "part of", "object": "South Korea"},
        ],
    }
    assert data[1]["object"] == "2019" and data[1]["proof"] == []
    assert context.as_prompt_lines("en") == [
        "SolverX is located in South Korea.",
        "SolverX was founded in 2019.",
    ]
    assert context.as_prompt_lines("ko")[0] == "솔버엑스는 대한민국에 위치한다."
    assert context.to_json("ko")[0]["object"] == "대한민국"


@pytest.mark.parametrize(
    ("question", "present", "absent"),
    [
        # a longer cue shadows the shorter one inside it
        ("What city is SolverX's head office in?", "locatedIn", "hasOffice"),
        ("솔버엑스에서 기술 총괄을 맡은 사람은 누구예요?", "cto", "combinesTechnology"),
        ("Who is the chief technology officer?", "cto", "combinesTechnology"),
        ("What is SolverX's core product?", "coreProduct", "hasProduct"),
        # but only the cues it names: "얼마나 투자" is an amount *and* funding
        ("솔버엑스는 얼마나 투자를 받았나요?", "raisedFunding", "combinesTechnology"),
        ("Is SolverX a biotech firm? Describe its field", "businessArea", "coversDomain"),
    ],
)
def test_intent_shadowing(question: str, present: str, absent: str) -> None:
    predicates = detect_intent(question).predicates
    assert present in predicates and absent not in predicates


def test_when_and_named_sub_property_set_the_strongest_predicate() -> None:
    founded = detect_intent("솔버엑스가 세워진 해는 언제예요?").predicates
    assert founded["foundedIn"] == 1.0 and founded["foundedBy"] < 0.85
    core = detect_intent("솔버엑스가 가장 중요하게 내세우는 제품은 무엇인가요?").predicates
    assert core["coreProduct"] == 1.0 and core["hasProduct"] < 0.85
    every = detect_intent("What products does SolverX make?").predicates
    assert every["hasProduct"] == every["coreProduct"] == 1.0


def test_a_short_code_is_not_a_typo() -> None:
    """ "UK office" is another office, not a misspelt "U.S. office"; a real typo still links."""
    assert "SolverXUSOffice" not in [
        link.entity_id for link in link_entities("Where is the UK office?", INDEX)
    ]
    assert "SolverXUSOffice" in [link.entity_id for link in link_entities("Where is the US office?", INDEX)]
    assert "SolverX" in [link.entity_id for link in link_entities("Where is SolverrX based?", INDEX)]


def test_funding_series_the_knowledge_lacks() -> None:
    assert unsupported_rounds("How much did SolverX raise in its Series C?", {"B"}) == ["Series C round"]
    assert unsupported_rounds("솔버엑스는 시리즈 A 투자를 받았나요?", {"B"}) == ["Series A round"]
    assert unsupported_rounds("How big was the Series B?", {"B"}) == []
    assert unsupported_rounds("What series of products?", {"B"}) == []
