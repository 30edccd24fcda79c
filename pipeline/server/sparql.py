"""SPARQL 1.1 Protocol: execution with a time and size limit, and content negotiation.

:func:`run_query` runs one query through a graph's ``query(text, update=False)`` (so its
read-only rule and error types apply). The service calls it inside worker processes over a
snapshot (:mod:`pipeline.server.sparql_pool`), which the time limit kills; updates, and graphs
that cannot be copied, run here through :class:`QueryRunner`, in a dedicated thread each:

* at most ``sparql_workers`` such threads live at once (a slot is freed only when its
  thread really ends), so SPARQL never queues behind generation and never piles up;
* past ``query_timeout`` the request gets 503 and the thread is interrupted with an
  asynchronous exception (it stops at the next bytecode; C code holding the GIL, such as
  Python's regex, cannot be interrupted: hence the worker processes);
* results above ``max_results`` rows/triples are refused with 413 (read lazily, so a
  huge result is never materialised);
* ``SERVICE``, ``FROM``/``FROM NAMED``, ``USING`` and ``LOAD`` are refused (403) by kg's own
  check on the parsed algebra (:func:`kg.sparql.refuse_external`): the server never fetches a
  URL or a local file on behalf of a client (rdflib would).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import io
import itertools
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from rdflib.query import Result
from rdflib.term import BNode, Literal, Node, URIRef

from kg.errors import ExternalAccessError, KGError, ReadOnlyError, SparqlSyntaxError
from kg.sparql import prepare, refuse_external

T = TypeVar("T")

# ---------------------------------------------------------------------------- formats
JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
RDFXML = "application/rdf+xml"
JSONLD = "application/ld+json"

# media type offered -> (canonical Content-Type, serializer name)
SOLUTION_FORMATS: dict[str, tuple[str, str]] = {
    JSON: (JSON, "json"),
    "application/json": (JSON, "json"),
    XML: (XML, "xml"),
    "application/xml": (XML, "xml"),
    "text/xml": (XML, "xml"),
    CSV: (CSV, "csv"),
    TSV: (TSV, "tsv"),
}
GRAPH_FORMATS: dict[str, tuple[str, str]] = {
    TURTLE: (TURTLE, "turtle"),
    "application/x-turtle": (TURTLE, "turtle"),
    NTRIPLES: (NTRIPLES, "nt"),
    "text/plain": (NTRIPLES, "nt"),
    RDFXML: (RDFXML, "xml"),
    JSONLD: (JSONLD, "json-ld"),
}
TEXT_TYPES = {CSV, TSV, TURTLE, NTRIPLES, "text/plain"}
READ_ONLY_MESSAGE = (
    "SPARQL updates are not allowed on /sparql (read-only); send them to /sparql/update with the update token"
)


class SparqlHTTPError(Exception):
    """An error with its HTTP status; the message is the response body."""

    status: int = 400

    def __init__(
        self, message: str, status: int | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status
        self.headers = headers or {}


class QueryTimeout(SparqlHTTPError):
    status = 503


class ResultTooLarge(SparqlHTTPError):
    status = 413


class NotAcceptable(SparqlHTTPError):
    status = 406


class Forbidden(SparqlHTTPError):
    status = 403


class QueryableGraph(Protocol):
    def query(self, sparql: str, update: bool = False) -> Any: ...


@dataclass(frozen=True)
class SparqlResponse:
    body: bytes
    media_type: str
    result_type: str
    count: int  # rows, triples, or 1 for ASK


# ----------------------------------------------------------------- content negotiation
def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """``Accept`` as (media type, q) in the client's order, q=0 entries dropped."""
    if not header or not header.strip():
        return [("*/*", 1.0)]
    accepted: list[tuple[str, float]] = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0:
            accepted.append((media, q))
    return accepted


def negotiate(accept_header: str | None, offered: dict[str, tuple[str, str]]) -> tuple[str, str]:
    """The offered (Content-Type, serializer) the client prefers; the first offer wins ties."""
    accepted = parse_accept(accept_header)
    best: tuple[float, int, int, tuple[str, str]] | None = None
    for position, (media, q) in enumerate(accepted):
        for offer_index, (offer, target) in enumerate(offered.items()):
            if media == offer:
                specificity = 2
            elif media.endswith("/*") and (media == "*/*" or offer.startswith(media[:-1])):
                specificity = 0 if media == "*/*" else 1
            else:
                continue
            # higher q, then more specific, then client's order, then our order
            key = (q, specificity, -position * 100 - offer_index)
            if best is None or key > best[:3]:
                best = (*key, target)
    if best is None:
        kinds = ", ".join(dict.fromkeys(target[0] for target in offered.values()))
        raise NotAcceptable(f"none of the requested media types can be produced; available: {kinds}")
    return best[3]


# -------------------------------------------------------------------- serialisation
def _tsv_term(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        text = (
            str(term)
            .replace("\\", "\\\\")
            .replace('"', '\\"')
            .replace("\n", "\\n")
            .replace("\r", "\\r")
            .replace("\t", "\\t")
        )
        if term.language:
            return f'"{text}"@{term.language}'
        if term.datatype:
            return f'"{text}"^^<{term.datatype}>'
        return f'"{text}"'
    return str(term)


def serialize_solutions(result: Result, fmt: str) -> bytes:
    if result.type == "ASK":
        value = "true" if result.askAnswer else "false"
        if fmt == "csv":
            return f"_askResult\r\n{value}\r\n".encode()
        if fmt == "tsv":
            return f"?_askResult\n{value}\n".encode()
    if fmt == "tsv":
        variables = list(result.vars or [])
        lines = ["\t".join(f"?{v}" for v in variables)]
        for row in result.bindings:
            lines.append("\t".join(_tsv_term(row.get(v)) for v in variables))
        return ("\n".join(lines) + "\n").encode("utf-8")
    stream = io.BytesIO()
    result.serialize(stream, format=fmt, encoding="utf-8")
    return stream.getvalue()


# ----------------------------------------------------------------------- policy check
def check_policy(text: str, update: bool) -> None:
    """Refuse operations that make the server fetch things (kg's check on the parsed algebra,
    :func:`kg.sparql.refuse_external`; the parse is cached, so the graph does not parse again).
    A query that does not parse is left to the graph, which reports the syntax error."""
    try:
        prepared = prepare(text)
    except SparqlSyntaxError as exc:
        if update:
            raise SparqlSyntaxError(_syntax_message(text, str(exc))) from None
        return
    if update and prepared.kind == "query":
        raise SparqlSyntaxError("this is a SPARQL query, not an update: send it to /sparql")
    if not update and prepared.kind == "update":
        return  # the graph refuses it (read-only)
    try:
        refuse_external(prepared)
    except ExternalAccessError as exc:
        raise Forbidden(str(exc)) from None


def _syntax_message(text: str, fallback: str) -> str:
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        parseUpdate(text)
    except Exception as exc:
        try:
            parseQuery(text)
        except Exception:
            return f"not a SPARQL update: {exc}"
        return "this is a SPARQL query, not an update: send it to /sparql"
    return fallback  # it parses but does not translate (e.g. an unknown prefix)


# ---------------------------------------------------------------------- execution
def run_query(kg: QueryableGraph, text: str, accept: str | None, max_results: int) -> SparqlResponse:
    """Parse-check, execute, cap and serialise one query (runs in a worker thread)."""
    check_policy(text, update=False)
    result = kg.query(text)
    if not isinstance(result, Result):
        raise SparqlHTTPError(f"the graph returned {type(result).__name__}, not a SPARQL result", 500)
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        graph = result.graph
        count = len(graph) if graph is not None else 0
        if count > max_results:
            raise ResultTooLarge(
                f"result too large: more than {max_results} triples (this server's --max-results); "
                "narrow the query or add LIMIT"
            )
        media, fmt = negotiate(accept, GRAPH_FORMATS)
        body = graph.serialize(format=fmt, encoding="utf-8") if graph is not None else b""
        return SparqlResponse(body, media, result.type, count)
    media, fmt = negotiate(accept, SOLUTION_FORMATS)
    if result.type == "ASK":
        return SparqlResponse(serialize_solutions(result, fmt), media, "ASK", 1)
    rows = sum(1 for _ in itertools.islice(iter(result), max_results + 1))
    if rows > max_results:
        raise ResultTooLarge(
            f"result too large: more than {max_results} rows (this server's --max-results); "
            "add LIMIT or narrow the query"
        )
    return SparqlResponse(serialize_solutions(result, fmt), media, "SELECT", rows)


WARM_UP_QUERIES = (  # cheap on any store size: every pattern is LIMITed first
    "SELECT ?s (COUNT(*) AS ?n) WHERE { { SELECT * WHERE { ?s ?p ?o } LIMIT 1 } "
    'FILTER(isIRI(?s) && STRLEN(STR(?p)) > 0 && LANG(?o) != "xx") } GROUP BY ?s ORDER BY DESC(?n)',
    "ASK { ?s ?p ?o }",
    "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1",
    "DESCRIBE <urn:axlab:warm-up>",
)


def warm_up(kg: QueryableGraph) -> None:
    """Import everything a query touches (parsers, evaluators, every result serialiser)
    before serving, so query threads -- which may be interrupted -- rarely import modules."""
    for query in WARM_UP_QUERIES:
        try:
            result = kg.query(query)
            if not isinstance(result, Result):
                continue
            if result.type in ("CONSTRUCT", "DESCRIBE") and result.graph is not None:
                for _, fmt in GRAPH_FORMATS.values():
                    result.graph.serialize(format=fmt, encoding="utf-8")
            else:
                list(result)
                for _, fmt in SOLUTION_FORMATS.values():
                    serialize_solutions(result, fmt)
        except Exception:  # a store that cannot run one of them: nothing to warm
            continue
    for text, update in (
        ("SELECT * FROM <urn:axlab:warm-up> WHERE { SERVICE <urn:axlab:warm-up> { ?s ?p ?o } }", False),
        ("LOAD <urn:axlab:warm-up>", True),
        ("SELEC", True),
    ):
        with contextlib.suppress(Exception):
            check_policy(text, update)


def run_update(kg: QueryableGraph, text: str) -> None:
    check_policy(text, update=True)
    kg.query(text, update=True)


def error_status(exc: BaseException) -> tuple[int, str]:
    """The HTTP status and message for an error raised while running SPARQL."""
    if isinstance(exc, SparqlHTTPError):
        return exc.status, str(exc)
    if isinstance(exc, ReadOnlyError):
        return 403, READ_ONLY_MESSAGE
    if isinstance(exc, ExternalAccessError):
        return 403, str(exc)
    if isinstance(exc, SparqlSyntaxError):
        message = str(exc)
        return 400, message if message.lower().startswith("sparql") else f"SPARQL syntax error: {message}"
    if isinstance(exc, KGError):
        return 400, str(exc)
    if isinstance(exc, (ValueError, TypeError, NotImplementedError, KeyError)):
        # rdflib's evaluator raises these for queries it cannot evaluate
        return 400, f"query could not be evaluated: {type(exc).__name__}: {exc}"
    return 500, "internal error while running the query"


# --------------------------------------------------------------- interruptible threads
class _Interrupted(BaseException):
    """Raised asynchronously inside a query thread whose deadline passed."""


class RWLock:
    """Many readers or one writer (rdflib's in-memory store is not safe otherwise);
    waiting writers go first. Never interrupted: see ``QueryRunner._interrupt``."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    def acquire_read(self) -> None:
        with self._cond:
            while self._writer or self._writers_waiting:
                self._cond.wait(0.05)
            self._readers += 1

    def release_read(self) -> None:
        with self._cond:
            self._readers -= 1
            self._cond.notify_all()

    def acquire_write(self) -> None:
        with self._cond:
            self._writers_waiting += 1
            try:
                while self._writer or self._readers:
                    self._cond.wait(0.05)
            finally:
                self._writers_waiting -= 1
            self._writer = True

    def release_write(self) -> None:
        with self._cond:
            self._writer = False
            self._cond.notify_all()


class QueryRunner:
    """Runs SPARQL work in dedicated, interruptible threads with a bounded count."""

    def __init__(self, workers: int, timeout: float) -> None:
        self.workers = workers
        self.timeout = timeout
        self.lock = RWLock()
        self._slots: asyncio.Semaphore | None = None
        self._live = 0
        self._interrupted = 0
        self._timeouts = 0
        self._stats_lock = threading.Lock()

    def stats(self) -> dict[str, Any]:
        with self._stats_lock:
            return {
                "running": self._live,
                "workers": self.workers,
                "timeouts": self._timeouts,
                "interrupted": self._interrupted,
            }

    async def run(self, work: Callable[[], T], *, write: bool = False, interruptible: bool = True) -> T:
        loop = asyncio.get_running_loop()
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.workers)
        slots = self._slots
        deadline = loop.time() + self.timeout
        try:
            await asyncio.wait_for(slots.acquire(), timeout=self.timeout)
        except TimeoutError:
            raise QueryTimeout(
                f"server busy: {self.workers} SPARQL queries already running for {self.timeout:g} s; retry later",
                headers={"Retry-After": str(max(1, round(self.timeout)))},
            ) from None

        future: asyncio.Future[T] = loop.create_future()
        state = _ThreadState()

        def finish(value: Any, error: BaseException | None) -> None:  # on the loop
            slots.release()
            if future.done():
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(value)

        def guarded_work() -> tuple[Any, BaseException | None]:
            """The only place an asynchronous interrupt can be delivered (see _interrupt)."""
            try:
                with state.lock:  # C-level lock methods: no interrupt can land in between
                    if state.cancelled:
                        return None, QueryTimeout("cancelled before it started")
                    state.working = True
                try:
                    return work(), None
                finally:
                    with state.lock:
                        state.working = False
                    if state.interrupted:
                        _checkpoint()  # a still-pending interrupt is raised here, inside this try
            except _Interrupted:
                return None, QueryTimeout("query interrupted")
            except BaseException as exc:
                return None, exc

        def main() -> None:
            value: Any = None
            error: BaseException | None = None
            try:
                acquire = self.lock.acquire_write if write else self.lock.acquire_read
                release = self.lock.release_write if write else self.lock.release_read
                acquire()
                try:
                    value, error = guarded_work()
                finally:
                    release()
            except BaseException as exc:
                error = exc
            finally:
                with self._stats_lock:
                    self._live -= 1
                with contextlib.suppress(RuntimeError):  # the loop is gone (shutdown)
                    loop.call_soon_threadsafe(finish, value, error)

        thread = threading.Thread(target=main, name="axlab-sparql", daemon=True)
        with self._stats_lock:
            self._live += 1
        thread.start()
        remaining = max(0.0, deadline - loop.time())
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout=remaining)
        except TimeoutError:
            future.cancel()  # the thread's late result is dropped
            with self._stats_lock:
                self._timeouts += 1
            if interruptible:
                self._interrupt_soon(thread, state)
            else:
                self._interrupt(thread, state, inject=False)
            if write:
                raise QueryTimeout(
                    f"the update did not finish within {self.timeout:g} s (this server's --query-timeout); "
                    "it was dropped if it had not started, otherwise it completes in the background"
                ) from None
            raise QueryTimeout(
                f"query exceeded the time limit of {self.timeout:g} s (this server's --query-timeout); "
                "simplify it or add LIMIT"
            ) from None
        except asyncio.CancelledError:  # client gone: stop the work too
            future.cancel()
            if interruptible:
                self._interrupt_soon(thread, state)
            else:
                self._interrupt(thread, state, inject=False)
            raise

    @staticmethod
    def _interrupt(thread: threading.Thread, state: _ThreadState, inject: bool) -> bool:
        """Cancel the work: if it has not started it never will; if it is running (and
        ``inject``) raise :class:`_Interrupted` in its thread. Injection happens only while
        the thread is inside ``work()`` (``state.working``, checked under ``state.lock``),
        so the exception can never land in lock bookkeeping or thread teardown."""
        with state.lock:
            state.cancelled = True
            if not inject or not state.working or state.interrupted or thread.ident is None:
                return False
            if not _safe_to_interrupt(thread.ident):
                return False
            state.interrupted = True
            changed = ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(thread.ident), ctypes.py_object(_Interrupted)
            )
            return bool(changed == 1)

    def _interrupt_soon(self, thread: threading.Thread, state: _ThreadState, attempts: int = 500) -> None:
        """Interrupt now, or retry every 20 ms while the thread is somewhere unsafe."""
        if self._interrupt(thread, state, inject=True):
            with self._stats_lock:
                self._interrupted += 1
            return
        with state.lock:
            retry = state.working and not state.interrupted and attempts > 0
        if retry:
            asyncio.get_running_loop().call_later(0.02, self._interrupt_soon, thread, state, attempts - 1)


# Code where an exception between two statements can leave a lock held or state broken
# (module imports, explicit acquire/release in threading and logging): never interrupt there.
_UNSAFE_CODE = (
    "<frozen importlib",
    f"{os.sep}importlib{os.sep}",
    f"{os.sep}threading.py",
    f"{os.sep}logging{os.sep}",
)


def _safe_to_interrupt(ident: int) -> bool:
    """Whether no frame of thread ``ident`` is in :data:`_UNSAFE_CODE`. The interrupt is
    delivered at the thread's next function entry, so entering such code afterwards is
    harmless: the exception is raised on entry, before any lock is taken."""
    frame = sys._current_frames().get(ident)
    while frame is not None:
        code = frame.f_code
        if code.co_name == "guarded_work" and code.co_filename == __file__:
            return True  # below this: the runner's own frames and the thread's bootstrap
        if any(marker in code.co_filename for marker in _UNSAFE_CODE):
            return False
        frame = frame.f_back
    return False  # not inside work() at all


def _checkpoint() -> None:
    """A Python-level call: the interpreter delivers pending async exceptions on entry."""


class _ThreadState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.cancelled = False  # the caller gave up: do not start
        self.working = False  # inside work(): the only window for an injected interrupt
        self.interrupted = False
