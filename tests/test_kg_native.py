"""``kg.native.SnapshotGraph``: Oxigraph over a copy of the graph answers like ``KnowledgeGraph``
(same serialised results), stops at its row limit, and never evaluates a text naming SERVICE."""

from __future__ import annotations

import time

import pytest

from kg import KnowledgeGraph
from kg.errors import ExternalAccessError, ReadOnlyError, SparqlSyntaxError
from kg.native import SnapshotGraph, mentions_service
from pipeline.server.sparql import run_query

PREFIX = "PREFIX ax: <https://axlab.dev/ontology/solverx#>\n"
SAME_AS_RDFLIB = [
    PREFIX + "SELECT ?year WHERE { ax:SolverX ax:foundedIn ?year }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?p ?o WHERE { ax:SolverX ?p ?o } ORDER BY ?p ?o",  # predeclared prefixes
    "SELECT ?s ?l WHERE { ?s rdfs:label ?l FILTER(lang(?l) = 'ko') } ORDER BY ?s ?l",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    "SELECT ?x WHERE { ?s ?p ?x FILTER(REGEX(STR(?x), '^Solver')) } ORDER BY ?x",
    PREFIX + "ASK { ax:SolverX ax:foundedIn 2020 }",
    "PREFIX ax: <urn:other:> ASK { ax:SolverX ?p ?o }",  # the query's own prefix wins
]
ACCEPT = [
    "application/sparql-results+json",
    "text/csv",
    "text/tab-separated-values",
    "application/sparql-results+xml",
]


@pytest.fixture(scope="module")
def kg() -> KnowledgeGraph:
    return KnowledgeGraph.load()


@pytest.fixture(scope="module")
def snapshot(kg: KnowledgeGraph) -> SnapshotGraph:
    return SnapshotGraph(kg.to_nquads())


def test_the_copy_holds_every_quad(kg: KnowledgeGraph, snapshot: SnapshotGraph) -> None:
    assert len(snapshot) == len(kg) > 2000


@pytest.mark.parametrize("query", SAME_AS_RDFLIB)
@pytest.mark.parametrize("accept", ACCEPT)
def test_results_are_serialised_as_by_rdflib(
    kg: KnowledgeGraph, snapshot: SnapshotGraph, query: str, accept: str
) -> None:
    assert run_query(snapshot, query, accept, 10_000).body == run_query(kg, query, accept, 10_000).body


def test_a_simple_literal_has_no_datatype(snapshot: SnapshotGraph) -> None:
    """RDF 1.1: "3.2" and "3.2"^^xsd:string are one term; rdflib kept the datatype it was given."""
    body = run_query(snapshot, PREFIX + "SELECT ?v WHERE { ax:SolverXFusion ax:latestVersion ?v }", None, 10)
    assert (
        body.body
        == b'{"results": {"bindings": [{"v": {"type": "literal", "value": "3.2"}}]}, "head": {"vars": ["v"]}}'
    )


def test_the_row_limit_stops_a_cross_product_early(snapshot: SnapshotGraph) -> None:
    snapshot.row_limit = 11
    try:
        started = time.monotonic()
        rows = list(snapshot.query("SELECT * { ?s ?p ?o . ?s2 ?p2 ?o2 . ?s3 ?p3 ?o3 }"))
        triples = snapshot.query("CONSTRUCT { ?s ?p ?o3 } WHERE { ?s ?p ?o . ?s2 ?p2 ?o2 . ?s3 ?p3 ?o3 }")
    finally:
        snapshot.row_limit = None
    assert len(rows) == 11 and triples.graph is not None and len(triples.graph) == 11
    assert time.monotonic() - started < 2  # 1.5e10 rows were never built


def test_a_catastrophic_regex_is_linear(snapshot: SnapshotGraph) -> None:
    started = time.monotonic()
    result = snapshot.query('SELECT ?x { BIND("' + "a" * 5000 + '!" AS ?x) FILTER(REGEX(?x, "^(a+)+$")) }')
    assert list(result) == [] and time.monotonic() - started < 1


def test_kg_rules_apply(snapshot: SnapshotGraph) -> None:
    with pytest.raises(SparqlSyntaxError, match="SELEC"):
        snapshot.query("SELEC * WHERE { ?s ?p ?o }")
    with pytest.raises(ReadOnlyError):
        snapshot.query('INSERT DATA { <urn:x> <urn:y> "z" }')
    with pytest.raises(ExternalAccessError, match="SERVICE"):
        snapshot.query("SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")


@pytest.mark.parametrize(
    ("text", "mentions"),
    [
        ("SELECT * { SERVICE <x> {} }", True),
        ("select * { service <x> {} }", True),
        ("SELECT * { \\u0053ERVICE <x> {} }", True),
        ("SELECT * { \\U00000073ervice <x> {} }", True),
        ('ASK { ?s ?p "the hosted Service" }', True),  # conservative: strings too
        ("# service\nASK {}", True),
        ("ASK { ?s ?p ?o }", False),
    ],
)
def test_mentions_service(text: str, mentions: bool) -> None:
    assert mentions_service(text) is mentions


def test_a_text_naming_service_is_evaluated_by_rdflib(
    snapshot: SnapshotGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Oxigraph would call a SERVICE endpoint itself: it never sees such a text."""

    class NoOxigraph:
        def query(self, *args: object, **kwargs: object) -> object:
            raise AssertionError("Oxigraph evaluated a text that names SERVICE")

    monkeypatch.setattr(snapshot, "store", NoOxigraph())
    result = snapshot.query('ASK { ?s rdfs:label ?l FILTER(?l != "service") }')
    assert result.askAnswer is True
