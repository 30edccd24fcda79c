"""The active vocabulary: the classes and properties of the selected knowledge's ontology.

A process answers over one knowledge (``--knowledge`` / ``$AXLAB_KNOWLEDGE``, see
:mod:`ontology.paths`); its OWL file is read once, here, by :func:`ontology.vocabulary.load_vocabulary`.
The loader rejects any predicate or class not declared there; the OWL builder, the reasoners,
the retriever and the prompt builder read the tables below. Nothing here names a domain term.
"""

from __future__ import annotations

from ontology.paths import ontology_path
from ontology.vocabulary import DATATYPES, ClassDef, PropertyDef, Vocabulary, load_vocabulary

__all__ = [
    "CLASSES",
    "CLASS_BY_NAME",
    "DATATYPES",
    "DATA_PROPERTIES",
    "NAMESPACE",
    "OBJECT_PROPERTIES",
    "PREFIX",
    "PROPERTIES",
    "PROPERTY_BY_NAME",
    "VOCABULARY",
    "ClassDef",
    "PropertyDef",
    "class_ancestors",
    "property_ancestors",
]

VOCABULARY: Vocabulary = load_vocabulary(ontology_path())
NAMESPACE = VOCABULARY.namespace
PREFIX = "ax"  # every knowledge's own terms answer to ``ax:`` in SPARQL (besides the file's own prefixes)

CLASSES: tuple[ClassDef, ...] = VOCABULARY.classes
PROPERTIES: tuple[PropertyDef, ...] = VOCABULARY.properties
CLASS_BY_NAME: dict[str, ClassDef] = {c.name: c for c in CLASSES}
PROPERTY_BY_NAME: dict[str, PropertyDef] = {p.name: p for p in PROPERTIES}
OBJECT_PROPERTIES = frozenset(p.name for p in PROPERTIES if p.kind == "object")
DATA_PROPERTIES = frozenset(p.name for p in PROPERTIES if p.kind == "data")


def class_ancestors(name: str) -> list[str]:
    """``name`` and its superclasses, nearest first."""
    chain: list[str] = []
    current: str | None = name
    while current is not None and current not in chain:
        chain.append(current)
        current = CLASS_BY_NAME[current].parent if current in CLASS_BY_NAME else None
    return chain


def property_ancestors(name: str) -> list[str]:
    """``name`` and its super-properties (``rdfs:subPropertyOf``), nearest first."""
    chain: list[str] = []
    current: str | None = name
    while current is not None and current not in chain:
        chain.append(current)
        current = PROPERTY_BY_NAME[current].parent if current in PROPERTY_BY_NAME else None
    return chain
