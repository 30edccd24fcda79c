"""Build the OWL ontology (schema + individuals) as rdflib graphs, and serialise it.

The schema (TBox) comes from :mod:`ontology.schema`; the individuals and their
assertions (ABox) from a loaded :class:`~ontology.knowledge.Knowledge`. Provenance
is a separate graph of reified statements (``rdf:Statement`` with ``ax:sourceRow``)
so that reasoners never see it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Literal as TypingLiteral

from rdflib import RDF, RDFS, SKOS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL

from ontology.knowledge import Knowledge
from ontology.rdf import (
    AX,
    INFERRED,
    PREFIXES,
    PROOF,
    SOURCE_LINE,
    SOURCE_ROW,
    TYPE,
    iri,
    xsd,
)
from ontology.schema import CLASSES, NAMESPACE, PROPERTIES, VOCABULARY, PropertyDef
from ontology.statements import Statement

ONTOLOGY_IRI = URIRef(NAMESPACE.rstrip("#/"))
PHRASE = AX.phrase

#: rdfs:range for the schema's ``string`` data properties: language-tagged values must
#: conform, and rdf:langString is not in xsd:string's value space.
_PLAIN_LITERAL = RDF.PlainLiteral


def new_graph() -> Graph:
    """An empty in-memory graph with the standard prefixes bound."""
    graph = Graph()
    bind_prefixes(graph)
    return graph


def bind_prefixes(graph: Graph) -> None:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)


def schema_graph() -> Graph:
    """The TBox: classes, properties, their characteristics and labels."""
    g = new_graph()
    g.add((ONTOLOGY_IRI, RDF.type, OWL.Ontology))
    g.add((ONTOLOGY_IRI, RDFS.label, Literal(VOCABULARY.title_en, lang="en")))
    for annotation in (PHRASE, SOURCE_ROW, SOURCE_LINE, INFERRED, PROOF):
        g.add((annotation, RDF.type, OWL.AnnotationProperty))
    for cls in CLASSES:
        node = iri(cls.name)
        g.add((node, RDF.type, OWL.Class))
        g.add((node, RDFS.subClassOf, iri(cls.parent) if cls.parent else OWL.Thing))
        g.add((node, RDFS.label, Literal(cls.label_en, lang="en")))
        g.add((node, RDFS.label, Literal(cls.label_ko, lang="ko")))
        _add_descriptions(g, node, cls.alt_en, cls.alt_ko, cls.comment_en, cls.comment_ko)
    for prop in PROPERTIES:
        _add_property(g, prop)
    return g


def _add_property(g: Graph, prop: PropertyDef) -> None:
    node = iri(prop.name)
    is_object = prop.kind == "object"
    g.add((node, RDF.type, OWL.ObjectProperty if is_object else OWL.DatatypeProperty))
    if prop.domain:
        g.add((node, RDFS.domain, iri(prop.domain)))
    if prop.range:
        if is_object:
            g.add((node, RDFS.range, iri(prop.range)))
        else:
            g.add((node, RDFS.range, _PLAIN_LITERAL if prop.range == "string" else xsd(prop.range)))
    if prop.transitive:
        g.add((node, RDF.type, OWL.TransitiveProperty))
    if prop.functional:
        g.add((node, RDF.type, OWL.FunctionalProperty))
    if prop.symmetric:
        g.add((node, RDF.type, OWL.SymmetricProperty))
    if prop.inverse:
        g.add((node, OWL.inverseOf, iri(prop.inverse)))
    if prop.parent:
        g.add((node, RDFS.subPropertyOf, iri(prop.parent)))
    for first, second in prop.chains:
        head = BNode(f"chain_{prop.name}_{first}_{second}")
        Collection(g, head, [iri(first), iri(second)])
        g.add((node, OWL.propertyChainAxiom, head))
    g.add((node, RDFS.label, Literal(prop.label_en, lang="en")))
    g.add((node, RDFS.label, Literal(prop.label_ko, lang="ko")))
    g.add((node, PHRASE, Literal(prop.phrase_en, lang="en")))
    g.add((node, PHRASE, Literal(prop.phrase_ko, lang="ko")))
    _add_descriptions(g, node, prop.alt_en, prop.alt_ko, prop.comment_en, prop.comment_ko)


def _add_descriptions(
    g: Graph, node: URIRef, alt_en: Iterable[str], alt_ko: Iterable[str], comment_en: str, comment_ko: str
) -> None:
    for lang, alts in (("en", alt_en), ("ko", alt_ko)):
        for alt in alts:
            g.add((node, SKOS.altLabel, Literal(alt, lang=lang)))
    for lang, comment in (("en", comment_en), ("ko", comment_ko)):
        if comment:
            g.add((node, RDFS.comment, Literal(comment, lang=lang)))


def statement_triple(statement: Statement) -> tuple[URIRef, URIRef, URIRef | Literal]:
    """The RDF triple of a statement."""
    subject = iri(statement.s)
    if statement.p == TYPE:
        return subject, RDF.type, iri(statement.o)
    if statement.literal:
        if statement.lang:
            obj: URIRef | Literal = Literal(statement.o, lang=statement.lang)
        else:
            obj = Literal(statement.o, datatype=xsd(statement.datatype) if statement.datatype else None)
        return subject, iri(statement.p), obj
    return subject, iri(statement.p), iri(statement.o)


def abox_graph(knowledge: Knowledge, statements: Iterable[Statement], unique_names: bool = True) -> Graph:
    """Individuals with labels and aliases, and the given statements.

    ``unique_names`` declares all individuals pairwise different (``owl:AllDifferent``):
    distinct ids are distinct things, so a functional property with two values is an
    inconsistency rather than a silent ``owl:sameAs``.
    """
    g = new_graph()
    for entity in knowledge.entities.values():
        node = iri(entity.id)
        g.add((node, RDF.type, OWL.NamedIndividual))
        g.add((node, RDFS.label, Literal(entity.label.en, lang="en")))
        g.add((node, RDFS.label, Literal(entity.label.ko, lang="ko")))
        for lang in ("en", "ko"):
            for alias in getattr(entity.aliases, lang):
                g.add((node, SKOS.altLabel, Literal(alias, lang=lang)))
    for statement in statements:
        g.add(statement_triple(statement))
    if unique_names and len(knowledge.entities) > 1:
        members = BNode("all_individuals")
        Collection(g, members, [iri(e) for e in knowledge.entities])
        different = BNode("all_different")
        g.add((different, RDF.type, OWL.AllDifferent))
        g.add((different, OWL.members, members))
    return g


def provenance_graph(provenance: Mapping[Statement, tuple[str, ...]], lines: Mapping[str, int]) -> Graph:
    """Reified asserted statements, each with the row id(s) and line(s) stating it."""
    g = new_graph()
    for statement, rows in provenance.items():
        node = statement_node(statement)
        subject, predicate, obj = statement_triple(statement)
        g.add((node, RDF.type, RDF.Statement))
        g.add((node, RDF.subject, subject))
        g.add((node, RDF.predicate, predicate))
        g.add((node, RDF.object, obj))
        for row in rows:
            g.add((node, SOURCE_ROW, Literal(row)))
            if row in lines:
                g.add((node, SOURCE_LINE, Literal(lines[row])))
    return g


def proof_graph(proofs: Mapping[Statement, tuple[Statement, ...]]) -> Graph:
    """Reified inferred statements, each with ``ax:proof``: the list of asserted statements entailing it."""
    g = new_graph()
    for statement, proof in proofs.items():
        node = statement_node(statement)
        subject, predicate, obj = statement_triple(statement)
        g.add((node, RDF.type, RDF.Statement))
        g.add((node, RDF.subject, subject))
        g.add((node, RDF.predicate, predicate))
        g.add((node, RDF.object, obj))
        g.add((node, INFERRED, Literal(True)))
        head = BNode()
        Collection(g, head, [statement_node(step) for step in proof])
        g.add((node, PROOF, head))
    return g


def statement_node(statement: Statement) -> URIRef:
    """A stable IRI naming a (reified) statement."""
    digest = hashlib.sha1(repr(tuple(statement)).encode("utf-8")).hexdigest()[:16]
    return AX[f"statement_{digest}"]


def merge(*graphs: Graph) -> Graph:
    """A new graph holding all triples of ``graphs``."""
    out = new_graph()
    for graph in graphs:
        for triple in graph:
            out.add(triple)
    return out


ExportFormat = TypingLiteral["ttl", "xml", "nt"]
_RDFLIB_FORMAT = {"ttl": "turtle", "xml": "xml", "nt": "nt"}


def serialize(graph: Graph, fmt: ExportFormat) -> str:
    """Turtle, RDF/XML or N-Triples text of ``graph``."""
    return graph.serialize(format=_RDFLIB_FORMAT[fmt])
