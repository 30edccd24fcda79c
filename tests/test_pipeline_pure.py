"""Pure-function tests for the answer side: prompt, gate, verification (no model)."""

from __future__ import annotations

import pytest

from kg.facts import Fact
from pipeline.abstain import abstention_sentence, gate, is_abstention
from pipeline.answering import answering_facts
from pipeline.compose import graph_answer
from pipeline.grounding import EntityInfo, Grounding
from pipeline.prompt import context_limit, detect_lang, grounded_messages, plain_messages
from pipeline.verify import fallback_answer, fallback_fact, numbers_in, verify_answer

ENTITIES = {
    e.id: e
    for e in (
        EntityInfo("SolverX", "Company", "SolverX", "솔버엑스", ("Solver X",)),
        EntityInfo("SolverXHQ", "Office", "SolverX headquarters", "솔버엑스 본사", ("HQ",)),
        EntityInfo("SeochoDong", "Neighborhood", "Seocho-dong", "서초동"),
        EntityInfo("Seoul", "City", "Seoul", "서울"),
        EntityInfo("SouthKorea", "Country", "South Korea", "대한민국"),
        EntityInfo("Germany", "Country", "Germany", "독일"),
        EntityInfo("Munich", "City", "Munich", "뮌헨"),
        EntityInfo("KimDoyun", "Person", "Kim Doyun", "김도윤"),
        EntityInfo("SolverXFusion", "Product", "SolverX Fusion", "솔버엑스 퓨전"),
    )
}

HQ = Fact("SolverX", "headquarters", "SolverXHQ")
HQ_LOC = Fact("SolverXHQ", "locatedIn", "SeochoDong")
DONG = Fact("SeochoDong", "partOf", "SeochoGu")
COUNTRY = Fact("SolverX", "locatedIn", "SouthKorea", inferred=True, proof=(HQ, HQ_LOC, DONG))
FOUNDED = Fact("SolverX", "foundedIn", "2019", object_is_literal=True, datatype="gYear")
CEO = Fact("SolverX", "ceo", "KimDoyun")


def grounding(facts: tuple[Fact, ...], intent: tuple[str, ...] = (), **kw: object) -> Grounding:
    lines = tuple(f"{f.subject} {f.predicate} {f.object}." for f in facts)
    base: dict = dict(
        question_lang="en",
        linked=("SolverX",),
        intent=intent,
        is_domain=True,
        facts=facts,
        lines=lines,
        entities=ENTITIES,
        subject_facts=(FOUNDED, CEO),
    )
    base.update(kw)
    return Grounding(**base)


# --- prompt ---------------------------------------------------------------------------


def test_detect_lang() -> None:
    assert detect_lang("Where is SolverX's headquarters?") == "en"
    assert detect_lang("솔버엑스의 본사는 어디에 있나요?") == "ko"
    assert detect_lang("SolverX의 본사는 어디에 있나요?") == "ko"


def test_grounded_prompt_carries_facts_and_instruction() -> None:
    lines = ["SolverX is located in South Korea.", "SolverX was founded in 2019."]
    messages = grounded_messages("Which country is SolverX in?", lines)
    assert messages[0]["role"] == "system"
    assert "only the facts" in messages[0]["content"] and "do not know" in messages[0]["content"]
    user = messages[1]["content"]
    assert "- SolverX is located in South Korea." in user
    assert user.endswith("Question: Which country is SolverX in?")


def test_korean_prompt_is_korean() -> None:
    messages = grounded_messages("솔버엑스는 어느 나라에 있나요?", ["솔버엑스는 대한민국에 위치한다."])
    assert "사실" in messages[0]["content"]
    assert messages[1]["content"].startswith("사실:")
    assert "질문:" in messages[1]["content"]


def test_prompt_without_facts_is_the_plain_question() -> None:
    assert grounded_messages("Why is the sky blue?", []) == plain_messages("Why is the sky blue?")


def test_prompt_caps_context_lines() -> None:
    lines = [f"fact {i}." for i in range(30)]
    user = grounded_messages("q?", lines)[1]["content"]
    assert user.count("\n- ") == context_limit("en") == 6
    korean = grounded_messages("솔버엑스는 어디에 있나요?", lines)[1]["content"]
    assert korean.count("\n- ") == context_limit("ko") == 3


# --- gate -----------------------------------------------------------------------------


def test_gate_general_question() -> None:
    g = Grounding(question_lang="en")
    assert gate(g).route == "general"


def test_gate_place_only_question_is_general() -> None:
    # "Which city is the capital of Bavaria?" links a gazetteer place, not SolverX's world.
    g = grounding((), linked=("Munich", "Germany"))
    assert not g.anchored
    assert gate(g).route == "general"


def test_gate_office_or_person_anchors_the_question() -> None:
    assert gate(grounding((FOUNDED,), linked=("SolverXHQ", "Seoul"))).route != "general"
    assert grounding((), linked=("KimDoyun",)).anchored


def test_gate_unsupported_attribute_abstains_with_sentence() -> None:
    g = grounding((FOUNDED,), unsupported=("revenue",))
    decision = gate(g)
    assert decision.route == "abstain"
    sentence = abstention_sentence(decision.attribute, decision.subject, "en")
    assert sentence == "I don't know: the SolverX knowledge has no information about its revenue."


def test_gate_korean_abstention() -> None:
    # the retriever reports the asked words in the question's language
    g = grounding((FOUNDED,), unsupported=("매출",), question_lang="ko")
    decision = gate(g)
    sentence = abstention_sentence(decision.attribute, decision.subject, "ko")
    assert sentence.startswith("모르겠습니다") and "솔버엑스" in sentence and "매출" in sentence


def test_gate_intent_without_matching_fact_abstains() -> None:
    decision = gate(grounding((FOUNDED,), intent=("latestVersion",)))
    assert decision.route == "abstain"
    assert decision.attribute == "latest version"


def test_gate_intent_with_fact_is_grounded() -> None:
    g = grounding((COUNTRY, FOUNDED), intent=("locatedIn",))
    assert gate(g).route == "grounded"
    assert answering_facts(g) == [COUNTRY]


def test_gate_sub_property_counts() -> None:
    assert gate(grounding((HQ,), intent=("hasOffice",))).route == "grounded"


def test_gate_fact_about_other_entity_does_not_count() -> None:
    other = Fact("SolverXFusion", "latestVersion", "3.2", object_is_literal=True)
    g = grounding((other,), intent=("latestVersion",), linked=("SolverX",))
    assert gate(g).route == "abstain"


def test_is_abstention() -> None:
    assert is_abstention("I don't know: the facts do not say.")
    assert is_abstention("모르겠습니다.")
    assert not is_abstention("SolverX is in South Korea.")


# --- verification ---------------------------------------------------------------------


def test_numbers_in() -> None:
    found = dict(
        numbers_in("Founded in 2019, it raised 30 billion KRW and 300억 원; it is 100 times faster.")
    )
    assert 2019.0 in found["2019"]
    assert 30e9 in found["30 billion"]
    assert 3e10 in found["300억"]
    assert numbers_in("1. first 2. second") == []


def test_supported_country_answer() -> None:
    g = grounding((COUNTRY,), intent=("locatedIn",))
    result = verify_answer("SolverX is in South Korea.", g, "Which country is SolverX in?")
    assert result.status == "supported"
    assert any(c.text == "South Korea" and c.status == "supported" for c in result.claims)


def test_proof_entities_are_supported_claims_but_not_the_answer() -> None:
    g = grounding((COUNTRY,), intent=("locatedIn",), answer_classes=("Country",))
    result = verify_answer("It is in Seocho-dong.", g)
    assert [c.status for c in result.claims] == ["supported"]
    assert result.states_answer is False and result.status == "unsupported"


def test_wrong_entity_of_the_asked_kind_is_contradicted() -> None:
    core = Fact("SolverX", "coreProduct", "SolverXFusion")
    cloud = Fact("SolverX", "hasProduct", "SolverXCloud")
    entities = {
        **ENTITIES,
        "SolverXCloud": EntityInfo("SolverXCloud", "Product", "SolverX Cloud", "솔버엑스 클라우드"),
    }
    g = grounding((core, cloud), intent=("hasProduct", "coreProduct"), entities=entities)
    assert verify_answer("The core product of SolverX is SolverX Cloud.", g).status == "contradicted"
    assert verify_answer("SolverX's core product is SolverX Fusion.", g).status == "supported"
    assert fallback_answer(g) == "SolverX coreProduct SolverXFusion."
    only_products = grounding((core, cloud), intent=("hasProduct",), entities=entities)
    assert verify_answer("SolverX makes SolverX Cloud.", only_products).status == "supported"


def test_literal_answers_are_checked_for_coverage() -> None:
    behaviour = Fact(
        "SolverXFusion",
        "lowConfidenceBehavior",
        "automatically suggests calling the conventional solver",
        object_is_literal=True,
        lang="en",
    )
    g = grounding((behaviour,), intent=("lowConfidenceBehavior",), linked=("SolverXFusion",))
    good = verify_answer("It suggests calling the conventional solver.", g)
    assert good.states_answer is True and good.status == "supported"
    bad = verify_answer("It is up to 100 times faster.", g)
    assert bad.states_answer is False and bad.status == "unsupported"


def test_unknown_place_is_contradicted() -> None:
    g = grounding((COUNTRY,), intent=("locatedIn",))
    result = verify_answer("SolverX is in Japan.", g, "Which country is SolverX in?")
    assert result.status == "contradicted"
    assert any(c.text == "Japan" and c.kind == "place" for c in result.claims)


def test_known_wrong_place_is_contradicted() -> None:
    g = grounding((COUNTRY,), intent=("locatedIn",))
    result = verify_answer("SolverX is located in Germany.", g)
    assert result.status == "contradicted"


def test_korean_unknown_place_is_contradicted() -> None:
    g = grounding((COUNTRY,), intent=("locatedIn",), question_lang="ko")
    assert verify_answer("솔버엑스는 일본에 있습니다.", g).status == "contradicted"
    assert verify_answer("솔버엑스는 대한민국에 있습니다.", g).status == "supported"


def test_wrong_year_is_contradicted_even_outside_the_context() -> None:
    g = grounding((COUNTRY,), intent=("locatedIn",))
    result = verify_answer("SolverX was founded in 2017 in Seoul.", g)
    assert result.status == "contradicted"
    assert any(c.text == "2017" and c.status == "contradicted" for c in result.claims)
    assert verify_answer("SolverX was founded in 2019.", grounding((FOUNDED,), ("foundedIn",))).status == (
        "supported"
    )


def test_unrelated_claims_are_unsupported_not_contradicted() -> None:
    g = grounding((FOUNDED,), intent=("foundedIn",))
    assert verify_answer("It is a company.", g).status == "unsupported"


def test_fallback_answer_is_the_top_answering_fact_sentence() -> None:
    g = grounding((FOUNDED, COUNTRY), intent=("locatedIn",))
    assert fallback_answer(g) == "SolverX locatedIn SouthKorea."


def test_verification_json_shape() -> None:
    g = grounding((COUNTRY,), intent=("locatedIn",))
    data = verify_answer("SolverX is in Japan.", g).to_json()
    assert data["status"] == "contradicted"
    assert {"text", "kind", "status"} <= set(data["claims"][0])


def test_fallback_prefers_the_asked_class_then_the_asserted_fact() -> None:
    seoul = Fact("SolverX", "locatedIn", "Seoul", inferred=True, proof=(HQ_LOC,))
    dong = Fact("SolverX", "locatedIn", "SeochoDong")
    facts = (seoul, COUNTRY, dong)
    asked_country = grounding(facts, intent=("locatedIn",), answer_classes=("Country",))
    assert fallback_answer(asked_country) == "SolverX locatedIn SouthKorea."
    assert fallback_answer(grounding(facts, intent=("locatedIn",))) == "SolverX locatedIn SeochoDong."


def test_gate_unsupported_wins_over_matching_facts() -> None:
    offices = Fact("SolverX", "hasOfficeIn", "Germany", inferred=True)
    g = grounding((offices,), intent=("hasOfficeIn",), unsupported=("office in Japan",))
    decision = gate(g)
    assert decision.route == "abstain"
    assert decision.attribute == "office in Japan"
    ko = gate(
        grounding(
            (offices,),
            intent=("hasOfficeIn",),
            unsupported=("Japan 사무소",),
            unsupported_kinds=("not_in_knowledge",),
            known_sites=("대한민국", "독일"),
            question_lang="ko",
        )
    )
    assert ko.kind == "not_in_knowledge" and ko.known == ("대한민국", "독일")
    sentence = abstention_sentence(ko.attribute, ko.subject, "ko", ko.kind, ko.known)
    assert "Japan 사무소" in sentence and "대한민국" in sentence


def test_where_question_wants_a_place_not_the_office() -> None:
    seocho = Fact("SolverX", "locatedIn", "SeochoDong")
    g = grounding((HQ, seocho), intent=("locatedIn", "headquarters"))
    result = verify_answer("SolverX has its headquarters at the SolverX headquarters.", g)
    assert result.states_answer is False and result.status == "unsupported"
    assert verify_answer("It is in Seocho-dong.", g).status == "supported"
    assert fallback_answer(g) == "SolverX locatedIn SeochoDong."


def test_copying_a_fact_that_does_not_answer_is_not_stating_the_answer() -> None:
    suggests = Fact("SolverXFusion", "suggestsOnLowConfidence", "NumericalSolver")
    combines = Fact("SolverXFusion", "combinesTechnology", "NumericalSolver")
    entities = {
        **ENTITIES,
        "NumericalSolver": EntityInfo(
            "NumericalSolver", "Technology", "conventional numerical solver", "수치 해석 솔버"
        ),
    }
    g = Grounding(
        question_lang="en",
        linked=("SolverXFusion",),
        intent=("suggestsOnLowConfidence",),
        is_domain=True,
        facts=(combines, suggests),
        lines=(
            "SolverX Fusion combines the conventional numerical solver with other methods.",
            "When its confidence score is low, SolverX Fusion suggests calling the conventional numerical solver.",
        ),
        entities=entities,
    )
    wrong = verify_answer("SolverX Fusion combines the conventional numerical solver with other methods.", g)
    assert wrong.states_answer is False and wrong.status == "unsupported"
    right = verify_answer(
        "When its confidence is low, SolverX Fusion suggests calling the conventional numerical solver.", g
    )
    assert right.states_answer is True and right.status == "supported"


def test_short_aliases_match_whole_words_only() -> None:
    entities = {
        **ENTITIES,
        "UnitedStates": EntityInfo("UnitedStates", "Country", "United States", "미국", ("US",)),
    }
    us = Fact("SolverX", "hasOfficeIn", "UnitedStates", inferred=True)
    g = grounding(
        (COUNTRY, us), intent=("locatedIn", "hasOfficeIn"), answer_classes=("Country",), entities=entities
    )
    rambling = verify_answer(
        "They have been using games for the past year.", g, "Which country is SolverX in?"
    )
    assert rambling.states_answer is False and rambling.status == "unsupported"


def test_naming_only_the_question_entity_is_no_evidence() -> None:
    g = grounding((FOUNDED,), unsupported=("revenue",))
    result = verify_answer("SolverX's revenue comes from SolverX.", g, "What is SolverX's revenue?")
    assert result.status == "unsupported"


def test_primary_intent_decides_what_the_answer_must_say() -> None:
    lee = EntityInfo("LeeSeoyeon", "Person", "Lee Seoyeon", "이서연")
    entities = {**ENTITIES, "LeeSeoyeon": lee}
    founders = (Fact("SolverX", "foundedBy", "KimDoyun"), Fact("SolverX", "foundedBy", "LeeSeoyeon"))
    g = grounding(
        (CEO, *founders),
        intent=("ceo", "foundedBy"),
        intent_weights={"ceo": 1.0, "foundedBy": 0.3},
        entities=entities,
    )
    assert verify_answer("The CEO of SolverX is Lee Seoyeon.", g).status == "contradicted"
    assert verify_answer("The CEO of SolverX is Kim Doyun.", g).status == "supported"
    counted = Fact("SolverX", "employeeCountYear", "2025", object_is_literal=True, datatype="gYear")
    when = grounding(
        (FOUNDED, counted),
        intent=("foundedIn", "employeeCountYear"),
        intent_weights={"foundedIn": 1.0, "employeeCountYear": 0.6},
    )
    assert verify_answer("The answer is 2025.", when).states_answer is False
    assert fallback_answer(when) == "SolverX foundedIn 2019."


def test_refining_needs_the_question_to_name_the_sub_property() -> None:
    core = Fact("SolverX", "coreProduct", "SolverXFusion")
    cloud = Fact("SolverX", "hasProduct", "SolverXCloud")
    entities = {
        **ENTITIES,
        "SolverXCloud": EntityInfo("SolverXCloud", "Product", "SolverX Cloud", "솔버엑스 클라우드"),
    }
    weights = {"hasProduct": 1.0, "coreProduct": 1.0}
    intent = ("hasProduct", "coreProduct")
    products = grounding(
        (core, cloud),
        intent,
        intent_weights=weights,
        entities=entities,
        question="What products does SolverX make?",
    )
    assert verify_answer("SolverX makes SolverX Cloud.", products).status == "supported"
    asked_core = grounding(
        (core, cloud),
        intent,
        intent_weights=weights,
        entities=entities,
        question="What is SolverX's core product?",
    )
    assert verify_answer("SolverX's core product is SolverX Cloud.", asked_core).status == "contradicted"
    korean = grounding(
        (core, cloud), intent, intent_weights=weights, entities=entities, question="솔버엑스의 핵심 제품은?"
    )
    assert verify_answer("솔버엑스의 핵심 제품은 솔버엑스 클라우드이다.", korean).status == "contradicted"


@pytest.mark.parametrize(
    ("question", "lang", "polar"),
    [
        ("Does SolverX have an office in Germany?", "en", True),
        ("Is SolverX's US office located in Europe?", "en", True),
        ("Is SolverX a biotech firm, or does it work on something else?", "en", False),
        ("Which city is SolverX in?", "en", False),
        ("솔버엑스는 독일에 사무소가 있나요?", "ko", True),
        ("솔버엑스는 어느 나라에 있나요?", "ko", False),
    ],
)
def test_is_polar(question: str, lang: str, polar: bool) -> None:
    from pipeline.compose import is_polar

    assert is_polar(question, lang) is polar  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("answer", "lang", "polarity"),
    [
        ("Yes, in Munich.", "en", True),
        ("No, it is in Palo Alto.", "en", False),
        ("SolverX does not have an office there.", "en", False),
        ("SolverX has an office in Munich.", "en", True),
        ("", "en", None),
        ("네, 뮌헨에 있습니다.", "ko", True),
        ("아니요.", "ko", False),
        ("독일에는 사무소가 없습니다.", "ko", False),
        ("뮌헨에 사무소가 있습니다.", "ko", True),
    ],
)
def test_answer_polarity(answer: str, lang: str, polarity: bool | None) -> None:
    from pipeline.compose import answer_polarity

    assert answer_polarity(answer, lang) is polarity  # type: ignore[arg-type]


def test_polar_questions_in_both_languages() -> None:
    from retriever.polar import is_polar_question

    assert is_polar_question("Does SolverX have an office in Japan?")
    assert is_polar_question("Is the clinic in Asia?")
    assert not is_polar_question("Where is the clinic?")
    assert is_polar_question("솔버엑스는 일본에 사무소가 있나요?")
    assert not is_polar_question("솔버엑스 사무소는 어디에 있나요?")


def test_a_whole_decimal_is_one_statement_with_the_reasoners_form() -> None:
    from ontology.knowledge import Triple
    from ontology.statements import canonical_decimal, from_triple

    stated = from_triple(Triple(s="Estate", p="area", value=62, datatype="decimal"))
    assert stated.o == "62.0" and canonical_decimal("62.50") == "62.5"


def test_two_part_questions() -> None:
    from retriever.parts import asks_two_things

    assert asks_two_things("What's SolverX's headcount, and which year is that figure from?", "en")
    assert not asks_two_things("Which year was SolverX founded?", "en")
    assert asks_two_things("솔버엑스는 언제 얼마를 투자받았나요?", "ko")


def test_a_yes_no_fact_answers_a_yes_no_question_and_checks_the_model() -> None:
    """A boolean value is said as yes/no, the graph's answer leads with it, and a model answer
    saying the opposite is caught."""
    from pipeline.compose import graph_answer, polarity_conflict
    from retriever.verbalise import boolean_value, format_literal

    listed = Fact("SolverX", "isListed", "false", object_is_literal=True, datatype="boolean")
    assert format_literal(listed, "en") == "no" and format_literal(listed, "ko") == "아니요"
    assert boolean_value("1") is True and boolean_value("maybe") is None
    g = grounding((listed,), ("isListed",), lines=("SolverX is listed: no.",))
    question = "Is SolverX listed on a stock exchange?"
    assert graph_answer(g, question).startswith("No. ")
    assert polarity_conflict("Yes, it is listed.", g, question)
    assert not polarity_conflict("No, it is not listed.", g, question)


def test_a_yes_no_question_is_not_answered_by_another_subject_holding_the_named_value() -> None:
    """ "Is Kim Doyun the CEO of SolverX?" where the graph has him as another company's CEO
    (reached backwards from him): that fact does not answer; the asked property has no value."""
    entities = {**ENTITIES, "OtherCo": EntityInfo("OtherCo", "Company", "OtherCo", "다른회사")}
    other = Fact("OtherCo", "ceo", "KimDoyun")
    question = "Is Kim Doyun the CEO of SolverX?"
    g = grounding(
        (other,),
        intent=("ceo",),
        linked=("SolverX", "KimDoyun", "OtherCo"),
        named=("SolverX", "KimDoyun"),
        entities=entities,
        question=question,
    )
    assert answering_facts(g) == []
    assert gate(g).kind == "no_value"
    which = grounding(
        (other,), intent=("ceo",), linked=("KimDoyun", "OtherCo"), named=("KimDoyun",), entities=entities
    )
    assert answering_facts(which) == [other]  # "Which company does Kim Doyun lead?" names no subject


def test_a_fact_linking_the_two_named_things_says_yes() -> None:
    g = grounding(
        (CEO,), intent=("ceo",), named=("SolverX", "KimDoyun"), question="Is Kim Doyun the CEO of SolverX?"
    )
    assert graph_answer(g).startswith("Yes.")
    assert not graph_answer(
        grounding((CEO,), intent=("ceo",), named=("SolverX",), question="Who is the CEO of SolverX?")
    ).startswith("Yes")


def test_a_value_named_and_asked_backwards_is_the_fact_about_it() -> None:
    """ "Who makes SolverX Fusion?": the maker's fact about Fusion, not about another product."""
    entities = {
        **ENTITIES,
        "SolverXCloud": EntityInfo("SolverXCloud", "Product", "SolverX Cloud", "솔버엑스 클라우드"),
    }
    cloud = Fact("SolverX", "hasProduct", "SolverXCloud")
    fusion = Fact("SolverX", "hasProduct", "SolverXFusion", inferred=True)
    g = grounding(
        (cloud, fusion),
        intent=("hasProduct",),
        linked=("SolverXFusion", "SolverX"),
        named=("SolverXFusion",),
        entities=entities,
        question="Who makes SolverX Fusion?",
    )
    assert fallback_fact(g) == fusion
    assert (
        fallback_fact(
            grounding((cloud, fusion), intent=("hasProduct",), named=("SolverX",), entities=entities)
        )
        == cloud
    )
