"""The ontology as a document: schema, individuals, provenance, optionally the inferred closure."""

from __future__ import annotations

from pathlib import Path

from kg.graph import KnowledgeGraph
from ontology.knowledge import load_knowledge
from ontology.owl import (
    ExportFormat,
    abox_graph,
    merge,
    proof_graph,
    provenance_graph,
    schema_graph,
    serialize,
    statement_triple,
)
from ontology.statements import asserted_statements


def export_ontology(
    knowledge_path: Path | str | None,
    fmt: ExportFormat,
    inferred: bool = False,
    engine: str = "auto",
    cache: bool = True,
) -> str:
    """Serialise the ontology; with ``inferred`` add inferred triples and reified proofs."""
    knowledge = load_knowledge(knowledge_path)
    asserted = asserted_statements(knowledge)
    parts = [schema_graph(), abox_graph(knowledge, asserted), provenance_graph(asserted, knowledge.lines)]
    if inferred:
        closure = KnowledgeGraph.load(knowledge.path, engine=engine, cache=cache).closure
        graph = merge(*parts, proof_graph(closure.inferred))
        for st in closure.inferred:
            graph.add(statement_triple(st))
    else:
        graph = merge(*parts)
    return serialize(graph, fmt)
