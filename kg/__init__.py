"""AX Lab kg package: the knowledge graph (asserted + inferred triples) and its views.

Entry point: ``KnowledgeGraph.load()`` (see :mod:`kg.graph`); ``Fact`` is the unit handed to the retriever.
"""

from kg.facts import Fact
from kg.graph import KnowledgeGraph

__all__ = ["Fact", "KnowledgeGraph"]
