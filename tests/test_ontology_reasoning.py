"""OWL build, both reasoners, and the proof finder."""

from __future__ import annotations

import shutil

import pytest
from rdflib import RDF, RDFS, Graph
from rdflib.collection import Collection
from rdflib.namespace import OWL

from ontology.justify import closure_with_proofs, inferred_proofs
from ontology.knowledge import load_knowledge
from ontology.materialize import Closure, materialize, ontology_graph
from ontology.owl import schema_graph, serialize
from ontology.rdf import AX
from ontology.statements import Statement, asserted_statements

needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java")


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge()


@pytest.fixture(scope="module")
def owlrl_closure(knowledge) -> Closure:
    return materialize(knowledge, "owlrl")


@pytest.fixture(scope="module")
def hermit_closure(knowledge) -> Closure:
    if shutil.which("java") is None:
        pytest.skip("HermiT needs Java")
    return materialize(knowledge, "hermit")


def test_schema_axioms():
    g = schema_graph()
    assert (AX.partOf, RDF.type, OWL.TransitiveProperty) in g
    assert (AX.headquarters, RDF.type, OWL.FunctionalProperty) in g
    assert (AX.coreProduct, RDFS.subPropertyOf, AX.hasProduct) in g
    chains = {tuple(Collection(g, head)) for head in g.objects(AX.locatedIn, OWL.propertyChainAxiom)}
    assert (AX.locatedIn, AX.partOf) in chains
    assert (AX.headquarters, AX.locatedIn) in chains
    assert (AX.Neighborhood, RDF.type, OWL.Class) in g


@pytest.mark.parametrize("fmt,parser", [("ttl", "turtle"), ("xml", "xml")])
def test_serialisations_round_trip(knowledge, fmt, parser):
    g = ontology_graph(knowledge)
    again = Graph().parse(data=serialize(g, fmt), format=parser)
    assert len(again) == len(g)


def test_owlrl_inferences_all_have_proofs(owlrl_closure):
    assert owlrl_closure.engine == "owlrl"
    assert Statement("SolverX", "locatedIn", "Asia") in owlrl_closure.inferred
    assert all(owlrl_closure.inferred.values())
    assert owlrl_closure.unconfirmed == ()


@needs_java
def test_hermit_and_owlrl_agree(hermit_closure, owlrl_closure):
    assert hermit_closure.engine == "hermit"
    assert set(hermit_closure.inferred) == set(owlrl_closure.inferred)
    assert hermit_closure.inferred == owlrl_closure.inferred  # same proofs: the finder is deterministic
    assert hermit_closure.unconfirmed == ()


def test_proof_is_the_chain_in_order(owlrl_closure):
    proof = owlrl_closure.inferred[Statement("SolverX", "locatedIn", "Seoul")]
    assert proof == (
        Statement("SolverX", "locatedIn", "SeochoDong"),
        Statement("SeochoDong", "partOf", "SeochoGu"),
        Statement("SeochoGu", "partOf", "Seoul"),
    )


def test_proof_steps_are_asserted(owlrl_closure):
    asserted = owlrl_closure.asserted
    for proof in owlrl_closure.inferred.values():
        assert all(step in asserted for step in proof)


def test_no_noise_in_inferred(owlrl_closure):
    for st in owlrl_closure.inferred:
        assert "sameAs" not in st.p and st.o not in ("Thing", "NamedIndividual")
        assert st.s != st.o


def test_finder_is_pure_and_minimal():
    facts = [
        Statement("a", "locatedIn", "b"),
        Statement("b", "partOf", "c"),
        Statement("c", "partOf", "d"),
        Statement("b", "partOf", "d"),
    ]
    proofs = inferred_proofs(facts)
    assert proofs[Statement("a", "locatedIn", "d")] == (facts[0], facts[3])
    assert Statement("b", "partOf", "d") not in proofs  # asserted, so not inferred
    closed = closure_with_proofs(facts)
    assert closed[facts[0]] == (facts[0],)


def test_finder_sub_property_and_chain():
    facts = [
        Statement("co", "headquarters", "hq"),
        Statement("hq", "locatedIn", "dong"),
        Statement("dong", "partOf", "city"),
    ]
    proofs = inferred_proofs(facts)
    assert proofs[Statement("co", "hasOffice", "hq")] == (facts[0],)
    assert proofs[Statement("co", "hasOfficeIn", "city")] == tuple(facts)
    assert proofs[Statement("co", "locatedIn", "city")] == tuple(facts)


def test_asserted_provenance(knowledge):
    provenance = asserted_statements(knowledge)
    assert provenance[Statement("SeochoDong", "partOf", "SeochoGu")] == ("gazetteer-SeochoDong",)
    assert provenance[Statement("SolverX", "type", "Company")] == ("entity-SolverX",)
    founded = Statement("SolverX", "foundedIn", "2019", True, "gYear", None)
    assert provenance[founded] == ("solverx-founding",)
