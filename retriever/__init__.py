"""AX Lab retriever: entity linking, intent, graph expansion and embedding ranking of facts.

Entry point: ``Retriever(kg).retrieve(question, k=6) -> Context`` (see :mod:`retriever.retrieve`).
"""

from retriever.context import Context, LinkedEntity, ScoredFact
from retriever.errors import RetrieverError
from retriever.retrieve import Retriever

__all__ = ["Context", "LinkedEntity", "Retriever", "RetrieverError", "ScoredFact"]
