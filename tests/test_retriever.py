"""Retriever on the real knowledge graph with the real embedding model (loaded once for the module)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kg import KnowledgeGraph
from retriever import Context, Retriever, RetrieverError
from retriever import embedding as emb


@pytest.fixture(scope="module")
def kg() -> KnowledgeGraph:
    return KnowledgeGraph.load()


@pytest.fixture(scope="module")
def retriever(kg: KnowledgeGraph, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Retriever]:
    """A retriever whose embedding cache lives in a fresh folder, so the first one computes."""
    patch = pytest.MonkeyPatch()
    patch.setenv("AXLAB_CACHE", str(tmp_path_factory.mktemp("axlab-cache")))
    emb.clear_memory_cache()
    emb.STATS.reset()
    r = Retriever(kg)
    r.warm()
    yield r
    patch.undo()


def keys(context: Context) -> list[tuple[str, str, str]]:
    return [sf.fact.key for sf in context.facts]


def test_first_retriever_computes_fact_embeddings(retriever: Retriever) -> None:
    # every distinct fact sentence (English and Korean) is encoded exactly once
    assert emb.STATS.fact_texts_encoded == len({*retriever.texts_en, *retriever.texts_ko})
    assert emb.STATS.model_loads <= 1


def test_which_country_top_fact_is_inferred_south_korea(retriever: Retriever) -> None:
    context = retriever.retrieve("Which country is SolverX in?")
    top = context.facts[0].fact
    assert top.key == ("SolverX", "locatedIn", "SouthKorea")
    assert top.inferred
    steps = [step.key for step in top.proof]
    assert steps[0] == ("SolverX", "locatedIn", "SeochoDong")
    assert steps[-2:] == [("SeochoGu", "partOf", "Seoul"), ("Seoul", "partOf", "SouthKorea")]
    assert context.as_prompt_lines()[0] == "SolverX is located in South Korea."
    assert context.is_domain and context.answer_classes == ("Country",)


def test_korean_headquarters_country(retriever: Retriever) -> None:
    context = retriever.retrieve("솔버엑스 본사는 어느 나라에 있나요?")
    assert context.lang == "ko"
    assert [e.id for e in context.entities] == ["SolverXHQ", "SolverX"]  # the office brings its company
    top = context.facts[0].fact
    assert top.key == ("SolverX", "locatedIn", "SouthKorea") and top.inferred
    assert [s.key for s in top.proof][-2:] == [
        ("SeochoGu", "partOf", "Seoul"),
        ("Seoul", "partOf", "SouthKorea"),
    ]
    assert context.as_prompt_lines()[0] == "솔버엑스는 대한민국에 위치한다."


def test_office_in_germany_is_inferred(retriever: Retriever) -> None:
    context = retriever.retrieve("Does SolverX have an office in Germany?")
    top = context.facts[0].fact
    assert top.key == ("SolverX", "hasOfficeIn", "Germany") and top.inferred
    assert top.proof[0].key == ("SolverX", "hasOffice", "SolverXEuropeOffice")
    assert context.unsupported_attributes == ()


def test_office_in_japan_is_unsupported(retriever: Retriever) -> None:
    context = retriever.retrieve("Does SolverX have an office in Japan?")
    assert "office in Japan" in context.unsupported_attributes


def test_revenue_is_unsupported(retriever: Retriever) -> None:
    context = retriever.retrieve("What was SolverX's revenue last year?")
    assert "revenue" in context.unsupported_attributes
    assert context.is_domain
    context_ko = retriever.retrieve("솔버엑스의 매출은 얼마인가요?")
    assert context_ko.unsupported_attributes == ("매출",)  # reported in the question's language
    assert context.unsupported_kinds == context_ko.unsupported_kinds == ("unknown_attribute",)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who is the CEO of SolverX?", ("SolverX", "ceo", "KimDoyun")),
        ("솔버엑스의 CTO는 누구인가요?", ("SolverX", "cto", "LeeSeoyeon")),
        ("When was SolverX founded?", ("SolverX", "foundedIn", "2019")),
        (
            "How much faster is SolverX Fusion than a conventional solver?",
            ("SolverXFusion", "speedupFactor", "100"),
        ),
        ("What is the latest version of SolverX Fusion?", ("SolverXFusion", "latestVersion", "3.2")),
        ("Which continent is the US office in?", ("SolverXUSOffice", "locatedIn", "NorthAmerica")),
        ("Where is the European office?", ("SolverXEuropeOffice", "locatedIn", "Munich")),
        ("솔버엑스의 직원은 몇 명인가요?", ("SolverX", "employeeCount", "120")),
        ("Who founded Solverx?", ("SolverX", "foundedBy", "LeeSeoyeon")),
        ("Where is the R&D center?", ("SolverXRnDCenter", "locatedIn", "Pangyo")),
    ],
)
def test_top_fact(retriever: Retriever, question: str, expected: tuple[str, str, str]) -> None:
    assert keys(retriever.retrieve(question))[0] == expected


def test_funding_amount_for_people(retriever: Retriever) -> None:
    en = retriever.retrieve("How much did SolverX raise in its Series B round?")
    assert "The SolverX Series B round amounts to 30 billion KRW." in en.as_prompt_lines()
    ko = retriever.retrieve("솔버엑스의 시리즈 B 투자 금액은 얼마인가요?")
    assert any("300억 원" in line for line in ko.as_prompt_lines())


def test_korean_question_gets_korean_literals(retriever: Retriever) -> None:
    context = retriever.retrieve("솔버엑스 메시는 무엇을 위한 제품인가요?")
    functions = [sf.fact for sf in context.facts if sf.fact.predicate == "productFunction"]
    assert functions and all(f.lang == "ko" for f in functions)


def test_general_question_links_nothing_and_needs_no_ranking(retriever: Retriever) -> None:
    before = emb.STATS.queries_encoded
    context = retriever.retrieve("What is the capital of France?")
    assert not context.is_domain and context.facts == () and context.entities == ()
    assert context.to_json() == [] and context.as_prompt_lines() == []
    assert emb.STATS.queries_encoded == before


def test_context_json_has_readable_labels(retriever: Retriever) -> None:
    data = retriever.retrieve("Which country is SolverX in?", k=3).to_json()
    assert len(data) == 3
    assert set(data[0]) == {"subject", "predicate", "object", "inferred", "proof"}
    assert data[0]["subject"] == "SolverX" and data[0]["object"] == "South Korea"
    assert data[0]["proof"][-1] == {"subject": "Seoul", "predicate": "part of", "object": "South Korea"}


def test_empty_question_raises(retriever: Retriever) -> None:
    with pytest.raises(RetrieverError) as info:
        retriever.retrieve("   ")
    assert info.value.exit_code == 1
    with pytest.raises(RetrieverError):
        retriever.retrieve("Who is the CEO?", k=0)


def test_embedding_cache_is_reused(kg: KnowledgeGraph, retriever: Retriever) -> None:
    # same process: the in-memory cache serves a new Retriever
    emb.STATS.reset()
    Retriever(kg).warm()
    assert emb.STATS.fact_texts_encoded == 0 and emb.STATS.memory_hits == 1
    # a fresh process (simulated by forgetting memory) reads the disk cache written by the first
    emb.clear_memory_cache()
    emb.STATS.reset()
    again = Retriever(kg)
    again.warm()
    assert emb.STATS.fact_texts_encoded == 0 and emb.STATS.disk_hits == 1
    assert emb.STATS.model_loads == 0  # the model is loaded once per process
    assert keys(again.retrieve("Which country is SolverX in?"))[0] == ("SolverX", "locatedIn", "SouthKorea")


def test_named_office_ranks_its_own_facts_above_the_company(retriever: Retriever) -> None:
    context = retriever.retrieve("연구소는 어디에 있나요?")
    assert [e.id for e in context.entities] == ["SolverXRnDCenter", "SolverX"]
    assert all(sf.fact.subject == "SolverXRnDCenter" for sf in context.facts[:4])


def test_funding_round_reached_in_one_hop(retriever: Retriever) -> None:
    for question in ("How much funding did SolverX raise?", "솔버엑스는 얼마나 투자를 받았나요?"):
        context = retriever.retrieve(question)
        # "how much" asks for the amount: it is near the top, with the round that links it
        assert ("SolverXSeriesB", "fundingAmount", "30000000000") in keys(context)[:3]
        assert ("SolverX", "raisedFunding", "SolverXSeriesB") in keys(context)[:3]
