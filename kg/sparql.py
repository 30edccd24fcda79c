"""SPARQL helpers: parse once (cached), refuse external access, one-line errors, W3C result formats.

:func:`prepare` parses and translates a text into rdflib's algebra once and keeps the
result in a small LRU keyed by the text, so telling queries from updates, the
external-access check and evaluation share one parse (rdflib's parser is the expensive
part of a small query). :func:`refuse_external` inspects that algebra, not the text.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from rdflib.plugins.sparql.sparql import Query, Update
from rdflib.query import Result

from kg.errors import ExternalAccessError, SparqlSyntaxError
from ontology.rdf import PREFIXES

OutputFormat = Literal["table", "json", "csv"]
CACHE_SIZE = 128

# algebra node -> why it is refused (each would make rdflib fetch a URL or read a file)
EXTERNAL_OPERATIONS = {
    "DatasetClause": "FROM / FROM NAMED is not allowed: queries run over the AX Lab graph only "
    "(rdflib would fetch the URL or read the local file)",
    "ServiceGraphPattern": "SERVICE is not allowed: queries never call other endpoints",
    "Load": "LOAD is not allowed: updates never fetch URLs or read local files",
    "UsingClause": "USING / USING NAMED is not allowed: updates run over the AX Lab graph only",
}


def one_line(exc: BaseException) -> str:
    """An exception as one line of at most 300 characters."""
    text = " ".join(str(exc).split())
    return text[:300] or type(exc).__name__


@dataclass(eq=False)
class Prepared:
    """A parsed and translated SPARQL text. rdflib writes evaluation state into the algebra
    (``Expr.ctx``), so one evaluation at a time uses ``parsed``: see :meth:`checkout`."""

    text: str
    kind: Literal["query", "update"]
    parsed: Query | Update
    external: tuple[str, ...]  # the refused operations it contains (messages), in order
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @contextmanager
    def checkout(self) -> Iterator[Query | Update]:
        """The parsed form for one evaluation: the cached one if free, else a private parse."""
        if not self._lock.acquire(blocking=False):
            yield _parse(self.text)[1]
            return
        try:
            yield self.parsed
        finally:
            self._lock.release()


def _parse(text: str) -> tuple[Literal["query", "update"], Query | Update]:
    from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    if not text.strip():
        raise SparqlSyntaxError("SPARQL syntax error: the query is empty")
    try:
        tree = parseQuery(text)
    except Exception as query_error:
        try:
            update_tree = parseUpdate(text)
        except Exception:
            raise SparqlSyntaxError(f"SPARQL syntax error: {one_line(query_error)}") from None
        try:
            update = translateUpdate(update_tree, initNs=PREFIXES)
        except Exception as exc:  # e.g. an unknown prefix
            raise SparqlSyntaxError(f"SPARQL syntax error: {one_line(exc)}") from None
        if not isinstance(update, Update):  # only comments: rdflib returns an empty list
            raise SparqlSyntaxError(
                "SPARQL syntax error: the query has no operation (only comments?)"
            ) from None
        return "update", update
    try:
        return "query", translateQuery(tree, initNs=PREFIXES)
    except Exception as exc:
        raise SparqlSyntaxError(f"SPARQL syntax error: {one_line(exc)}") from None


def _node_names(node: Any) -> Iterator[str]:
    """Names of all algebra nodes under ``node`` (expressions included, e.g. ``EXISTS``)."""
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            yield item.name
            stack.extend(OrderedDict.values(item))
        elif isinstance(item, list | tuple):
            stack.extend(item)


def _external(parsed: Query | Update) -> tuple[str, ...]:
    roots: Iterable[Any] = [parsed.algebra] if isinstance(parsed, Query) else parsed.algebra
    names = {name for root in roots for name in _node_names(root)}
    return tuple(message for name, message in EXTERNAL_OPERATIONS.items() if name in names)


_cache: OrderedDict[str, Prepared] = OrderedDict()
_cache_lock = threading.Lock()


def prepare(text: str) -> Prepared:
    """The parsed form of ``text`` (from the LRU when seen before); raise on a syntax error."""
    with _cache_lock:
        hit = _cache.get(text)
        if hit is not None:
            _cache.move_to_end(text)
            return hit
    kind, parsed = _parse(text)
    prepared = Prepared(text, kind, parsed, _external(parsed))
    with _cache_lock:
        _cache[text] = prepared
        _cache.move_to_end(text)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return prepared


def refuse_external(prepared: Prepared) -> None:
    """Raise :class:`ExternalAccessError` if the text uses FROM, SERVICE, LOAD or USING."""
    if prepared.external:
        raise ExternalAccessError(prepared.external[0])


def kind_of(text: str) -> Literal["query", "update"]:
    """``"query"`` (SELECT/ASK/CONSTRUCT/DESCRIBE) or ``"update"``; raise on a syntax error."""
    return prepare(text).kind


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
