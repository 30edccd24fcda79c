"""SPARQL helpers: tell queries from updates, one-line syntax errors, W3C result formats."""

from __future__ import annotations

from typing import Literal

from rdflib.query import Result

from kg.errors import SparqlSyntaxError
from ontology.rdf import PREFIXES

OutputFormat = Literal["table", "json", "csv"]


def _one_line(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text[:300] or type(exc).__name__


def kind_of(text: str) -> Literal["query", "update"]:
    """``"query"`` (SELECT/ASK/CONSTRUCT/DESCRIBE) or ``"update"``; raise on a syntax error."""
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    if not text.strip():
        raise SparqlSyntaxError("SPARQL syntax error: the query is empty")
    try:
        parseQuery(text)
        return "query"
    except Exception as query_error:
        try:
            parseUpdate(text)
            return "update"
        except Exception:
            raise SparqlSyntaxError(f"SPARQL syntax error: {_one_line(query_error)}") from None


def serialize_result(result: Result, fmt: Literal["json", "csv", "turtle"]) -> str:
    """W3C SPARQL 1.1 JSON/CSV results; a CONSTRUCT/DESCRIBE graph is always Turtle."""
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        assert result.graph is not None
        for prefix, namespace in PREFIXES.items():
            result.graph.bind(prefix, namespace, override=True, replace=True)
        return result.graph.serialize(format="turtle")
    data = result.serialize(format=fmt)
    assert data is not None
    text = data.decode("utf-8")
    return text if text.endswith("\n") else text + "\n"
