"""Example SPARQL queries for the page's console, built from the loaded ontology itself.

Nothing here names a class or property: the chain query comes from the schema's own
``owl:propertyChainAxiom`` and ``owl:TransitiveProperty`` statements, read with SPARQL, and
the graph names and provenance properties come from :mod:`ontology.rdf`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ontology.rdf import ASSERTED_GRAPH, INFERRED_GRAPH, PROVENANCE_GRAPH, SOURCE_ROW

_CHAINS = """
SELECT ?property ?first ?second WHERE {
  ?property owl:propertyChainAxiom ?list .
  ?list rdf:first ?first ; rdf:rest ?rest .
  ?rest rdf:first ?second ; rdf:rest rdf:nil .
}"""
_TRANSITIVE = "SELECT ?property WHERE { ?property a owl:TransitiveProperty }"


@dataclass(frozen=True)
class ExampleQuery:
    id: str
    title: str
    query: str

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "title": self.title, "query": self.query}


def compact(iri: str, prefixes: Mapping[str, str]) -> str:
    """``prefix:local`` for an IRI under one of ``prefixes`` (the longest match), else ``<iri>``."""
    best = max(
        ((p, ns) for p, ns in prefixes.items() if iri.startswith(ns) and iri[len(ns) :].isidentifier()),
        key=lambda item: len(item[1]),
        default=None,
    )
    return f"{best[0]}:{iri[len(best[1]) :]}" if best else f"<{iri}>"


def with_prefixes(body: str, prefixes: Mapping[str, str]) -> str:
    """``body`` preceded by the PREFIX lines of the prefixes it uses."""
    used = [p for p in prefixes if f"{p}:" in body]
    header = "".join(f"PREFIX {p}: <{prefixes[p]}>\n" for p in used)
    return header + body.strip() + "\n"


def _rows(kg: Any, query: str) -> list[tuple[str, ...]]:
    try:
        result = kg.query(query)
    except Exception:  # a store without the schema graph: no such examples
        return []
    return sorted(tuple(str(term) for term in row) for row in result or ())


def _has_rows(kg: Any, query: str) -> bool:
    return bool(_rows(kg, query.rstrip() + "\nLIMIT 1"))


def chain_query(kg: Any, prefixes: Mapping[str, str]) -> ExampleQuery | None:
    """A property chain ``p1 o t -> p`` whose second step ``t`` is transitive: each asserted
    ``p1`` and the ``t+`` chain above it, i.e. the steps the reasoner follows to entail ``p``.
    The first such chain (in IRI order) with asserted ``p1`` facts; else the transitive closure."""
    transitive = {row[0] for row in _rows(kg, _TRANSITIVE)}
    chains = [row for row in _rows(kg, _CHAINS) if row[2] in transitive and row[1] != row[2]]
    asserted = compact(str(ASSERTED_GRAPH), prefixes)
    for chain in chains:
        entailed, first, second = (compact(term, prefixes) for term in chain)
        body = f"""
# each asserted {first}, then the transitive {second} chain above it: the steps that entail {entailed}
SELECT ?subject ?start ?reaches WHERE {{
  GRAPH {asserted} {{ ?subject {first} ?start }}
  ?start {second}+ ?reaches .
}}
ORDER BY ?subject ?start ?reaches"""
        query = with_prefixes(body, prefixes)
        if _has_rows(kg, query):
            return ExampleQuery("chain", f"Chain: {first} then {second}+", query)
    for prop_iri in sorted(transitive):
        prop = compact(prop_iri, prefixes)
        body = f"""
# the asserted {prop} links and everything each one reaches through the transitive closure
SELECT ?from ?via ?reaches WHERE {{
  GRAPH {asserted} {{ ?from {prop} ?via }}
  ?via {prop}* ?reaches .
}}
ORDER BY ?from ?via ?reaches"""
        query = with_prefixes(body, prefixes)
        if _has_rows(kg, query):
            return ExampleQuery("chain", f"Transitive chain: {prop}", query)
    return None


def example_queries(kg: Any, prefixes: Mapping[str, str]) -> list[ExampleQuery]:
    """The console's examples: the ontology's chain, inferred facts, facts with their source rows."""
    inferred = compact(str(INFERRED_GRAPH), prefixes)
    provenance = compact(str(PROVENANCE_GRAPH), prefixes)
    source_row = compact(str(SOURCE_ROW), prefixes)
    examples = [
        ExampleQuery(
            "inferred",
            "All inferred facts",
            with_prefixes(
                f"""
# what the reasoner added (class memberships left out)
SELECT ?subject ?predicate ?object WHERE {{
  GRAPH {inferred} {{ ?subject ?predicate ?object }}
  FILTER (?predicate != rdf:type)
}}
ORDER BY ?subject ?predicate ?object""",
                prefixes,
            ),
        ),
        ExampleQuery(
            "sources",
            "Facts with their source rows",
            with_prefixes(
                f"""
# every asserted statement with the knowledge row it comes from
SELECT ?subject ?predicate ?object ?row WHERE {{
  GRAPH {provenance} {{
    ?statement rdf:subject ?subject ; rdf:predicate ?predicate ; rdf:object ?object ;
               {source_row} ?row .
  }}
}}
ORDER BY ?row ?subject ?predicate
LIMIT 500""",
                prefixes,
            ),
        ),
        ExampleQuery(
            "graphs",
            "Triples per named graph",
            "SELECT ?graph (COUNT(*) AS ?triples) WHERE { GRAPH ?graph { ?s ?p ?o } }\n"
            "GROUP BY ?graph ORDER BY DESC(?triples)\n",
        ),
        ExampleQuery(
            "properties",
            "Properties of the ontology",
            with_prefixes(
                """
SELECT ?property ?kind ?label WHERE {
  VALUES ?kind { owl:ObjectProperty owl:DatatypeProperty }
  ?property a ?kind ; rdfs:label ?label .
  FILTER (lang(?label) = "en")
}
ORDER BY ?kind ?property""",
                prefixes,
            ),
        ),
    ]
    chain = chain_query(kg, prefixes)
    return [chain, *examples] if chain else examples
