"""Read-only SPARQL over a copy of the graph in pyoxigraph: Rust evaluation, linear-time regex.

:class:`SnapshotGraph` holds the quads of a :class:`~kg.graph.KnowledgeGraph` (from
:meth:`~kg.graph.KnowledgeGraph.to_nquads`) in an in-memory ``pyoxigraph.Store`` and answers
``query(text)`` with the same rules and errors as ``KnowledgeGraph.query``: the text is parsed
by :func:`kg.sparql.prepare` (syntax errors, the read-only rule and the external-access check
are kg's own), then evaluated by Oxigraph with AX Lab's prefixes and the union of the named
graphs as the default graph, and returned as an rdflib ``Result`` so every result format is
written by the same serialisers as before.

Oxigraph evaluates lazily: with ``row_limit`` a SELECT stops after that many rows (a
CONSTRUCT after that many triples), so a huge result is never built. A simple literal comes
back without a datatype (RDF 1.1: ``"x"`` and ``"x"^^xsd:string`` are the same term).

Oxigraph would call a ``SERVICE`` endpoint itself. kg's check refuses SERVICE in rdflib's
parse; so that no difference between the two parsers can ever reach the network, a text
that contains the word at all (strings and comments included) is evaluated by rdflib instead,
which has just shown there is no SERVICE in it.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from functools import cached_property
from typing import Any

from rdflib import XSD, BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.query import Result
from rdflib.term import Identifier

from kg.errors import ReadOnlyError, SparqlEvaluationError
from kg.sparql import one_line, prepare, refuse_external
from ontology.rdf import PREFIXES

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_SERVICE = re.compile(r"service", re.IGNORECASE)


def _unescaped(text: str) -> str:
    """The text with SPARQL's ``\\uXXXX``/``\\UXXXXXXXX`` escapes decoded (they apply anywhere)."""

    def decode(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else ""

    return _ESCAPE.sub(decode, text)


def mentions_service(text: str) -> bool:
    """Whether ``SERVICE`` appears anywhere in the text, in any case or escaped."""
    return bool(_SERVICE.search(_unescaped(text)))


def from_ox(term: Any) -> Identifier:
    """An rdflib term for a pyoxigraph term."""
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == str(XSD.string) else URIRef(datatype))
    raise ValueError(f"a result term of an unsupported kind: {type(term).__name__}")


class SnapshotGraph:
    """A read-only copy of a graph's quads, queried with pyoxigraph (see the module docstring)."""

    def __init__(self, nquads: bytes, row_limit: int | None = None) -> None:
        import pyoxigraph as ox

        self.nquads = nquads
        self.row_limit = row_limit  # rows (or triples) read from a result at most; None: all
        self.store = ox.Store()
        self.store.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)

    def __len__(self) -> int:
        return len(self.store)

    @cached_property
    def _rdflib(self) -> Dataset:
        """The same quads in rdflib, for texts that mention SERVICE (built on first use)."""
        dataset = Dataset(default_union=True)
        dataset.parse(data=self.nquads, format="nquads")
        return dataset

    def query(self, sparql: str, update: bool = False) -> Result:
        """Evaluate a read query; raise like ``KnowledgeGraph.query`` (updates are refused)."""
        prepared = prepare(sparql)
        if prepared.kind == "update":
            raise ReadOnlyError("this is a SPARQL update (INSERT/DELETE/...); this copy is read-only")
        refuse_external(prepared)
        if mentions_service(sparql):
            return self._rdflib_query(sparql)
        try:
            answer = self.store.query(sparql, prefixes=PREFIXES, use_default_graph_as_union=True)
            return self._result(answer, getattr(getattr(prepared.parsed, "algebra", None), "name", ""))
        except SyntaxError:  # rdflib accepts something Oxigraph does not: let rdflib run it
            return self._rdflib_query(sparql)
        except (ValueError, TypeError) as exc:
            raise SparqlEvaluationError(f"SPARQL query could not be evaluated: {one_line(exc)}") from None

    def _result(self, answer: Any, form: str) -> Result:
        """An rdflib ``Result`` of at most ``row_limit`` rows/triples; ``form``: the algebra's name."""
        import pyoxigraph as ox

        limit = self.row_limit
        if isinstance(answer, ox.QueryBoolean):
            result = Result("ASK")
            result.askAnswer = bool(answer)
            return result
        if isinstance(answer, ox.QuerySolutions):
            result = Result("SELECT")
            variables = [Variable(v.value) for v in answer.variables]
            result.vars = variables
            rows: list[Mapping[Variable, Identifier]] = []
            for solution in answer:
                row: dict[Variable, Identifier] = {}
                for index, variable in enumerate(variables):
                    value = solution[index]
                    if value is not None:
                        row[variable] = from_ox(value)
                rows.append(row)
                if limit is not None and len(rows) >= limit:
                    break
            result.bindings = rows
            return result
        result = Result("DESCRIBE" if form == "DescribeQuery" else "CONSTRUCT")
        graph = Graph()
        for triple in answer:
            graph.add((from_ox(triple.subject), from_ox(triple.predicate), from_ox(triple.object)))
            if limit is not None and len(graph) >= limit:
                break
        result.graph = graph
        return result

    def _rdflib_query(self, sparql: str) -> Result:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                result = self._rdflib.query(sparql, initNs=PREFIXES)
                if result.type == "SELECT":
                    _ = result.bindings
                return result
        except Exception as exc:
            raise SparqlEvaluationError(f"SPARQL query could not be evaluated: {one_line(exc)}") from None
