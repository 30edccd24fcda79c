"""The KnowledgeGraph API the retriever and pipeline call."""

from __future__ import annotations

import networkx as nx
import pytest

from kg import Fact, KnowledgeGraph
from kg.errors import KGError, ReadOnlyError, SparqlSyntaxError
from ontology.errors import KnowledgeFileError
from tests.helpers_kg import KNOWLEDGE, isolated_cache, variant


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    with isolated_cache(tmp_path_factory.mktemp("cache")) as directory:
        yield directory


@pytest.fixture(scope="module")
def kg(cache_dir) -> KnowledgeGraph:
    return KnowledgeGraph.load(engine="owlrl")


def find(facts: list[Fact], s: str, p: str, o: str) -> Fact | None:
    return next((f for f in facts if f.key == (s, p, o)), None)


def test_facts_asserted_and_inferred(kg):
    facts = kg.facts()
    asserted = find(facts, "SeochoDong", "partOf", "SeochoGu")
    assert (
        asserted is not None and not asserted.inferred and asserted.source_rows == ("gazetteer-SeochoDong",)
    )
    seoul = find(facts, "SolverX", "locatedIn", "Seoul")
    assert seoul is not None and seoul.inferred
    assert [step.key for step in seoul.proof] == [
        ("SolverX", "locatedIn", "SeochoDong"),
        ("SeochoDong", "partOf", "SeochoGu"),
        ("SeochoGu", "partOf", "Seoul"),
    ]
    assert seoul.source_rows == ("solverx-headquarters", "gazetteer-SeochoDong", "gazetteer-SeochoGu")
    assert all(not step.inferred for step in seoul.proof)


def test_types_are_most_specific(kg):
    types = {f.object for f in kg.facts() if f.subject == "SolverX" and f.predicate == "type"}
    assert types == {"Company"}
    assert {f.object for f in kg.facts_about("SeochoDong") if f.predicate == "type"} == {"Neighborhood"}


def test_literals(kg):
    founded = find(kg.facts(), "SolverX", "foundedIn", "2019")
    assert founded is not None and founded.object_is_literal and founded.datatype == "gYear"


def test_no_revenue(kg):
    assert not [f for f in kg.facts() if "revenue" in f.predicate.lower()]


def test_facts_about(kg):
    about = kg.facts_about("SolverXEuropeOffice")
    assert find(about, "SolverXEuropeOffice", "locatedIn", "Germany") is not None
    assert find(about, "SolverX", "hasOffice", "SolverXEuropeOffice") is not None
    with pytest.raises(KGError):
        kg.facts_about("NoSuchThing")


def test_labels(kg):
    assert kg.label("SolverX", "ko") == "솔버엑스"
    assert kg.label("SeochoGu") == "Seocho-gu"
    assert kg.label("partOf") == "part of"
    assert kg.label("Neighborhood", "ko") == "동"
    assert kg.entities["SolverX"].class_ == "Company"
    assert kg.knowledge.path == KNOWLEDGE


def test_networkx_and_path(kg):
    graph = kg.to_networkx()
    assert isinstance(graph, nx.MultiDiGraph)
    assert graph.has_edge("SolverX", "Seoul", key="locatedIn")
    assert graph.nodes["SolverX"]["label_ko"] == "솔버엑스"
    steps = kg.path("SolverX", "Germany")
    assert [s.key for s in steps] == [
        ("SolverX", "hasOffice", "SolverXEuropeOffice"),
        ("SolverXEuropeOffice", "locatedIn", "Munich"),
        ("Munich", "partOf", "Bavaria"),
        ("Bavaria", "partOf", "Germany"),
    ]
    assert len(kg.path("SolverX", "Germany", include_inferred=True)) == 1


def test_query_errors(kg):
    with pytest.raises(SparqlSyntaxError):
        kg.query("SELEC ?x WHERE { ?x ?p ?o }")
    with pytest.raises(ReadOnlyError):
        kg.query("INSERT DATA { ax:a ax:b ax:c }")


def test_update_is_in_memory(cache_dir):
    graph = KnowledgeGraph.load(engine="owlrl")
    assert graph.query("INSERT DATA { ax:SolverX ax:hasOfficeIn ax:Europe2 }", update=True) is None
    assert graph.query("ASK { ax:SolverX ax:hasOfficeIn ax:Europe2 }").askAnswer  # type: ignore[union-attr]
    again = KnowledgeGraph.load(engine="owlrl")
    assert not again.query("ASK { ax:SolverX ax:hasOfficeIn ax:Europe2 }").askAnswer  # type: ignore[union-attr]


def test_cache_is_used(cache_dir, kg, monkeypatch):
    """A second load reads the closure from the cache: reasoning again would raise. (How fast
    that is belongs to bench/bench_reasoning.py, not to a timed test on a shared machine.)"""
    import kg.graph as graph_module

    def boom(*args, **kwargs):
        raise AssertionError("reasoned again instead of using the cache")

    monkeypatch.setattr(graph_module, "materialize", boom)
    again = KnowledgeGraph.load(engine="owlrl")
    assert {f.key for f in again.facts()} == {f.key for f in kg.facts()}
    assert list(cache_dir.glob("closure-*.json"))


def test_failed_load_leaves_cache_alone(cache_dir, tmp_path, kg):
    before = {p: p.stat().st_mtime_ns for p in cache_dir.iterdir()}
    path = variant(tmp_path / "k.jsonl", lambda rows: rows.append({"id": "x", "kind": "fact"}))
    with pytest.raises(KnowledgeFileError):
        KnowledgeGraph.load(path, engine="owlrl")
    assert {p: p.stat().st_mtime_ns for p in cache_dir.iterdir()} == before


def test_corrupt_cache_is_recomputed(tmp_path):
    with isolated_cache(tmp_path / "c"):
        first = KnowledgeGraph.load(engine="owlrl")
        for path in (tmp_path / "c").glob("closure-*.json"):
            path.write_text("{not json", encoding="utf-8")
        second = KnowledgeGraph.load(engine="owlrl")
    assert {f.key for f in first.facts()} == {f.key for f in second.facts()}


def test_oxigraph_store(cache_dir):
    from kg.store import open_store

    graph = KnowledgeGraph.load(engine="owlrl", store=open_store("oxigraph"))
    result = graph.query("ASK { ax:SolverX ax:hasOfficeIn ax:Germany }")
    assert result is not None and result.askAnswer
