"""Mapping between knowledge ids and RDF terms (IRIs in :data:`ontology.schema.NAMESPACE`)."""

from __future__ import annotations

from rdflib import RDF, RDFS, SKOS, XSD, Literal, Namespace, URIRef
from rdflib.namespace import OWL

from ontology.knowledge import Triple
from ontology.schema import NAMESPACE, PREFIX

AX = Namespace(NAMESPACE)

#: Prefixes bound on every graph and query.
PREFIXES: dict[str, str] = {
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    PREFIX: NAMESPACE,
}

#: Provenance / meta vocabulary (kept in the same namespace, outside the schema's properties).
SOURCE_ROW = AX.sourceRow
SOURCE_LINE = AX.sourceLine
INFERRED = AX.inferred
PROOF = AX.proof
ASSERTED_GRAPH = AX.asserted
INFERRED_GRAPH = AX.inferred
SCHEMA_GRAPH = AX.schema
PROVENANCE_GRAPH = AX.provenance

#: The predicate name used for class membership in :class:`kg.facts.Fact`.
TYPE = "type"

_XSD_BY_NAME = {
    "string": XSD.string,
    "integer": XSD.integer,
    "decimal": XSD.decimal,
    "boolean": XSD.boolean,
    "gYear": XSD.gYear,
    "date": XSD.date,
}


def iri(name: str) -> URIRef:
    """The IRI of an entity, class or property id."""
    return AX[name]


def local_name(term: object) -> str | None:
    """The id of an IRI in our namespace, else ``None``."""
    text = str(term)
    if isinstance(term, URIRef) and text.startswith(NAMESPACE):
        return text[len(NAMESPACE) :]
    return None


def xsd(name: str) -> URIRef:
    """The XSD datatype IRI for a schema datatype name."""
    return _XSD_BY_NAME[name]


def datatype_name(uri: URIRef | None) -> str | None:
    """The schema datatype name of an XSD IRI (``None`` if unknown or absent)."""
    if uri is None:
        return None
    for name, candidate in _XSD_BY_NAME.items():
        if candidate == uri:
            return name
    return None


def literal_datatype(triple: Triple) -> str | None:
    """The schema datatype of a literal triple: explicit, else from the JSON value's type."""
    if triple.datatype:
        return triple.datatype
    if triple.lang:
        return None
    value = triple.value
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "decimal"
    return "string"


def literal(triple: Triple) -> Literal:
    """The RDF literal of a data-property triple."""
    value = triple.value
    lexical = str(value).lower() if isinstance(value, bool) else str(value)
    if triple.lang:
        return Literal(lexical, lang=triple.lang)
    dt = literal_datatype(triple)
    return Literal(lexical, datatype=xsd(dt) if dt else None)
