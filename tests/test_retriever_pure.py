"""Retriever pure functions: linking, intent, verbalisation, coverage, Context JSON (no model, no graph)."""

from __future__ import annotations

import pytest

from kg.facts import Fact
from ontology.knowledge import load_knowledge
from retriever.context import Context, LinkedEntity, ScoredFact
from retriever.coverage import unsupported_sites
from retriever.intent import (
    asked_types,
    detect_intent,
    korean_place_names,
    leftover_words,
    mentioned_classes,
    site_mentions,
    unknown_names,
)
from retriever.linking import AliasIndex, build_alias_index, link_entities
from retriever.text import josa, token_variants, tokenize
from retriever.verbalise import format_amount, format_number, phrase_template, verbalise

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


# --- intent (names and question words only; the encoder's part is tests/test_intent.py) --------


@pytest.mark.parametrize(
    ("question", "predicate"),
    [
        ("Who is the CEO of SolverX?", "ceo"),
        ("Who is SolverX's chief technology officer?", "cto"),
        ("Who founded SolverX?", "foundedBy"),
        ("What is the latest version of SolverX Fusion?", "latestVersion"),
        ("How many employees does SolverX have?", "employeeCount"),
        ("솔버엑스의 직원 수는?", "employeeCount"),
        ("솔버엑스의 대표는 누구인가요?", "ceo"),
        ("솔버엑스 퓨전의 최신 버전은?", "latestVersion"),
    ],
)
def test_a_label_or_alt_label_in_the_question_names_the_property(question: str, predicate: str) -> None:
    assert next(iter(detect_intent(question).predicates)) == predicate


def test_question_words_ask_for_a_kind_of_value() -> None:
    assert asked_types("When was it founded?") == ("when",)
    assert asked_types("Where is it?") == ("where",)
    assert "how_many" in asked_types("How many people work there?")
    assert asked_types("솔버엑스는 언제 설립되었나요?") == ("when",)
    assert "where" in asked_types("연구소는 어디에 있나요?")
    assert asked_types("Write hello world in Python") == ()
    when = detect_intent("When was SolverX founded?").predicates
    assert next(iter(when)) == "foundedIn"


@pytest.mark.parametrize(
    ("question", "answer_class"),
    [
        ("Which country is SolverX in?", "Country"),
        ("솔버엑스 본사는 어느 나라에 있나요?", "Country"),
        ("Which continent is the US office in?", "Continent"),
        ("In which city is SolverX headquartered?", "City"),
        ("솔버엑스 미국 사무소가 있는 주는 어디예요?", "State"),
        ("솔버엑스 연구소는 어느 도에 있나요?", "Province"),
    ],
)
def test_a_class_label_sets_the_answer_class_and_a_place_class_asks_where(
    question: str, answer_class: str
) -> None:
    intent = detect_intent(question)
    assert answer_class in intent.answer_classes
    assert next(iter(intent.predicates)) == "locatedIn"


def test_one_syllable_korean_class_names_need_a_whole_word() -> None:
    assert "Neighborhood" not in mentioned_classes("서초동은 어디에 있나요?")  # 동 inside a name
    assert "Neighborhood" in mentioned_classes("본사는 어느 동에 있나요?")


def test_asked_words_without_entity_names_and_question_words() -> None:
    question = "What is SolverX's revenue?"
    link = link_entities(question, INDEX)[0]
    assert leftover_words(question, [(link.start, link.end)]) == "revenue"
    assert leftover_words("솔버엑스의 매출은 얼마인가요?", [(0, 5)]) == "매출"


def test_unknown_names_are_capitalised_words_no_entity_matched() -> None:
    assert unknown_names("Who is the CEO of Acme Corp?", []) == ("Acme Corp",)
    question = "Who is the CEO of SolverX?"
    assert unknown_names(question, link_entities(question, INDEX)) == ()


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("솔버엑스는 프랑스에 있나요?", ("프랑스",)),
        ("솔버엑스 유럽 사무소는 스페인에도 위치해 있나요?", ("스페인",)),
        ("솔버엑스는 독일에 있나요?", ()),  # linked: the knowledge has Germany
        ("솔버엑스는 어느 나라에 있나요?", ()),  # asks which country
        ("솔버엑스 본사는 어디에 있나요?", ()),
        ("솔버엑스는 해외에도 있나요?", ()),  # "overseas" names no place
        ("솔버엑스 퓨전은 자기 예측 결과에 확신이 없을 때 어떻게 하나요?", ()),  # not where something is
    ],
)
def test_korean_place_names_are_the_unlinked_words_named_as_where(
    question: str, names: tuple[str, ...]
) -> None:
    assert korean_place_names(question, link_entities(question, INDEX)) == names


def test_korean_site_places_follow_the_place_particle() -> None:
    assert site_mentions("솔버엑스는 일본에 사무소가 있나요?") == (True, ("일본",))
    assert site_mentions("솔버엑스는 캐나다에도 지사가 있나요?") == (True, ("캐나다",))
    assert site_mentions("솔버엑스는 어느 나라에 사무소가 있나요?") == (True, ())


def test_a_class_named_in_a_count_question_is_what_is_counted() -> None:
    people = detect_intent("2024년에 솔버엑스에서 근무한 사람은 몇 명이었나요?")  # how many people: a number
    assert next(iter(people.predicates)) == "employeeCount" and people.answer_classes == ()
    offices = detect_intent("솔버엑스의 사무소는 몇 개인가요?")  # how many offices: counted by their links
    assert next(iter(offices.predicates)) == "hasOffice" and offices.answer_classes == ("Office",)


def test_general_questions_ask_no_property() -> None:
    assert detect_intent("Why is the sky blue?").predicates == {}
    assert detect_intent("Write hello world in Python").predicates == {}


# --- coverage -------------------------------------------------------------------------------------


def test_unsupported_offices() -> None:
    classes = {eid: e.class_ for eid, e in KNOWLEDGE.entities.items()}
    with_office = {"Germany", "Munich", "SouthKorea"}

    def check(question: str) -> list[str]:
        return unsupported_sites(
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


def test_a_short_code_is_not_a_typo() -> None:
    """ "UK office" is another office, not a misspelt "U.S. office"; a real typo still links."""
    assert "SolverXUSOffice" not in [
        link.entity_id for link in link_entities("Where is the UK office?", INDEX)
    ]
    assert "SolverXUSOffice" in [link.entity_id for link in link_entities("Where is the US office?", INDEX)]
    assert "SolverX" in [link.entity_id for link in link_entities("Where is SolverrX based?", INDEX)]


def test_this_many_in_a_phrase_marks_where_the_number_goes() -> None:
    assert phrase_template("has this many beds:") == "{s} has {o} beds."
    assert phrase_template("admits this many trainees a year") == "{s} admits {o} trainees a year."
    assert phrase_template("is located in") == "{s} is located in {o}."


def test_a_country_adjective_names_the_knowledges_place() -> None:
    """Irregular adjectives through countryinfo's demonyms, matched against the knowledge's own
    place names; a city or a country the knowledge does not hold names nothing."""
    from retriever.place_words import place_of

    places = {"NL": ("Netherlands", "Holland"), "JP": ("Japan",), "US": ("United States", "USA")}
    assert place_of("Dutch", places) == "NL" and place_of("american", places) == "US"
    assert place_of("Tokyo", places) is None and place_of("Spanish", places) is None


def test_a_rare_partial_alias_links_in_any_case_an_everyday_one_only_as_written() -> None:
    """ "hanbit" names Hanbit University however it is typed; "fusion" is an English word and
    names SolverX Fusion only capitalised (wordfreq's Zipf frequency tells them apart)."""
    from ontology.knowledge import Entity

    uni = Entity.model_validate(
        {
            "id": "Hanbit",
            "class": "Company",
            "label": {"en": "Hanbit University", "ko": "한빛대학교"},
            "aliases": {"en": ["Hanbit"]},
        }
    )
    index = build_alias_index({"Hanbit": uni, **KNOWLEDGE.entities})
    assert [link.entity_id for link in link_entities("how many students go to hanbit?", index)] == ["Hanbit"]
    assert not link_entities("how does fusion work?", index)
    assert [link.entity_id for link in link_entities("How fast is Fusion?", index)] == ["SolverXFusion"]


def test_the_asked_word_in_one_propertys_value_names_that_property() -> None:
    """ "what kind of care" asks the property whose value holds "care"; in a yes/no or either-or
    question every content word counts, a word many values share counting less; a tie names none."""
    from retriever.intent import STOPWORDS_EN, STOPWORDS_KO
    from retriever.value_words import asked_words, property_by_value

    def text(p: str, value: str, lang: str = "en") -> Fact:
        return Fact("Clinic", p, value, object_is_literal=True, lang=lang)

    facts = [
        text("focus", "health screening and outpatient care"),
        text("kind", "non-profit hospital network"),
        text("motto", "care for every port"),
        text("focus", "외래 진료", "ko"),
    ]
    assert asked_words("What kind of care is given?", "What kind of care is given?", False, STOPWORDS_EN) == (
        "care",
    )
    assert asked_words("Who founded it?", "Who founded it?", False, STOPWORDS_EN) == ()
    polar = asked_words("Is it a for-profit company?", "Is it a for-profit company?", True, STOPWORDS_EN)
    assert property_by_value(polar, facts, STOPWORDS_EN) == "kind"
    assert property_by_value(["outpati", "care"], facts, STOPWORDS_EN) == "focus"  # care is shared
    assert property_by_value(["care"], facts, STOPWORDS_EN) is None  # focus and motto tie
    ko = asked_words("어떤 진료를 받을 수 있나요?", "어떤 진료를 받을 수 있나요?", False, STOPWORDS_KO)
    assert ko == ("진료",) and property_by_value(ko, facts, STOPWORDS_KO) == "focus"


def test_an_inflected_verb_names_its_agent_noun() -> None:
    """ "who founded it" asks its founder, "who leads it" its leader (SolverX's property names use
    both); an agent noun no property name uses ("manager" here), a bare noun ("outside work") and a
    stopword name none."""
    from retriever.intent import _agent_nouns

    assert _agent_nouns("Who founded SolverX?") == {"founder"}
    assert _agent_nouns("Who leads it?") == {"leader"}
    assert _agent_nouns("Who manages the depot?") == set()
    assert _agent_nouns("What are her hobbies outside work?") == set()


def test_a_time_of_day_is_asked_apart_from_a_year_or_a_duration() -> None:
    from retriever.intent import asks_clock_time

    assert asks_clock_time("What time does the clinic open?") and asks_clock_time("몇 시에 문을 열어요?")
    assert not asks_clock_time("몇 시간 걸려요?") and not asks_clock_time("When was it founded?")
    assert not asks_clock_time("몇 시설을 운영해요?")


def test_two_places_as_start_and_end() -> None:
    """ "from X to Y", "between X and Y", "X에서 Y까지" give a start and an end; one place, or two
    places not framed so, give none."""
    from retriever.ends import from_to

    classes = {"Seoul": "City", "Munich": "City", "SolverX": "Company"}

    def ends(question: str, names: list[str]) -> tuple[str, str] | None:
        spans = [(n, question.index(n), question.index(n) + len(n), n) for n in names]
        return from_to(question, spans, classes)

    assert ends("How long is the flight from Seoul to Munich?", ["Seoul", "Munich"]) == ("Seoul", "Munich")
    assert ends("Is there a route between Seoul and Munich?", ["Seoul", "Munich"]) == ("Seoul", "Munich")
    korean = "Seoul에서 Munich까지 며칠 걸려요?"
    assert ends(korean, ["Seoul", "Munich"]) == ("Seoul", "Munich")
    assert ends("Is SolverX in Seoul or Munich?", ["SolverX", "Seoul", "Munich"]) is None
    assert ends("How far is it from Seoul?", ["Seoul"]) is None
    assert ends("From Seoul, how many hours does a flight to Munich take?", ["Seoul", "Munich"]) is None


def test_a_korean_name_right_before_a_site_word_is_the_sites_place() -> None:
    """ "솔버엑스 도쿄 사무소": 도쿄 is where the asked office would be; an adjective ("새로운
    사무소") or a word for "abroad" ("해외 사무소") names no place."""
    assert site_mentions("솔버엑스 도쿄 사무소 주소 알려줘") == (True, ("도쿄",))
    assert site_mentions("솔버엑스의 새로운 사무소는 어디에 있나요?") == (True, ())
    assert site_mentions("솔버엑스 해외 사무소는 몇 개예요?") == (True, ())
    assert site_mentions("솔버엑스의 모든 사무소는 어디에 있나요?") == (True, ())


def test_british_and_american_spellings_of_a_name_meet() -> None:
    """ "research centre" names the alias "research center"; spelling is normalised on both sides."""
    from retriever.text import american

    assert american("frequent flier programme") == "frequent flyer program"
    assert american("Harbour") == "Harbor" and american("hour") == "hour"
    links = link_entities("Where is SolverX's research centre?", INDEX)
    assert "SolverXRnDCenter" in [link.entity_id for link in links]


def test_what_kind_of_thing_it_is_is_what_the_knowledge_says_it_is() -> None:
    """ "What sort of offering is X?": the one text property of X stated as what X is ("is for")."""
    from retriever.value_words import describing_property

    facts = [
        Fact("SolverXCloud", "productFunction", "hosted cloud service", object_is_literal=True, lang="en"),
        Fact("SolverX", "hasProduct", "SolverXCloud"),
    ]
    assert describing_property("What sort of offering is SolverX Cloud?", facts) == "productFunction"
    assert describing_property("Who makes SolverX Cloud?", facts) is None
