"""Store back-ends chosen by configuration, and a graph view served from the store itself.

Configuration (environment, overridden by the CLI's ``--store/--store-location``):

* ``AXLAB_STORE``: ``memory`` (default), ``oxigraph`` or ``sparql``.
* ``AXLAB_STORE_LOCATION``: a directory for ``oxigraph`` (on disk; none = in memory), an endpoint
  for ``sparql``: a server's base URL (``http://127.0.0.1:7878``: Oxigraph's ``/query`` and
  ``/update`` are assumed) or ``QUERY_URL [UPDATE_URL]`` (Fuseki, GraphDB, Virtuoso ...). Queries
  without ``GRAPH`` see the server's default graph: serve the union of the named graphs there
  (``oxigraph serve --union-default-graph``, Fuseki's ``tdb2:unionDefaultGraph``) to query like
  the other back-ends; everything AX Lab itself asks names its graphs.

:class:`TripleStore` wraps one back-end behind a handful of calls (SPARQL select/update, N-Quads
loading, counting): pyoxigraph natively for ``oxigraph``, rdflib's ``Memory`` for ``memory`` and
rdflib's ``SPARQLUpdateStore`` for ``sparql``. :meth:`TripleStore.rdflib_store` gives an rdflib
``Store`` over the same data for :class:`kg.graph.KnowledgeGraph` and rdflib tooling.

:class:`StoreGraph` is the retriever's graph (``entities``, ``facts()``, ``facts_about()``) read from
the store's named graphs, so a store filled by one process (``axlab kg load``/``materialize``) is
usable by another without the knowledge file. ``facts_about`` costs two SPARQL queries and never
reads the whole store (see :mod:`retriever.scale` for the retriever that relies on it).

Proofs are read in either representation: ``ax:proof`` RDF lists of reified statements (written by
:class:`~kg.graph.KnowledgeGraph`) or the compact ``ax:proofSteps`` JSON literal (one triple per
inferred statement, written by :mod:`kg.incremental` at scale).
"""

from __future__ import annotations

import json
import os
import warnings
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from rdflib import RDF, BNode, ConjunctiveGraph, Dataset, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.query import Result
from rdflib.store import Store
from rdflib.term import Node

from kg.errors import KGError
from kg.facts import Fact
from ontology.knowledge import Entity, Lang
from ontology.owl import statement_node
from ontology.rdf import (
    ASSERTED_GRAPH,
    AX,
    PREFIXES,
    PROOF,
    TYPE,
    datatype_name,
    local_name,
)
from ontology.schema import CLASS_BY_NAME, NAMESPACE, PROPERTY_BY_NAME, class_ancestors
from ontology.statements import Statement

BACKENDS: tuple[str, ...] = ("memory", "oxigraph", "sparql")
ENV_STORE = "AXLAB_STORE"
ENV_LOCATION = "AXLAB_STORE_LOCATION"
PROOF_STEPS = AX.proofSteps  # compact proof: a JSON list of statements (kg.incremental)
_SPARQL_PREFIXES = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
Row = tuple[Node | None, ...]


@dataclass(frozen=True)
class StoreConfig:
    kind: str = "memory"
    location: str | None = None

    def describe(self) -> str:
        return self.kind if not self.location else f"{self.kind} at {self.location}"


def store_config(kind: str | None = None, location: str | None = None) -> StoreConfig:
    """The configured back-end: explicit arguments, else ``$AXLAB_STORE``/``$AXLAB_STORE_LOCATION``."""
    chosen = (kind or os.environ.get(ENV_STORE) or "memory").strip().lower()
    where = location if location is not None else os.environ.get(ENV_LOCATION) or None
    if chosen == "sparql-update":
        chosen = "sparql"
    if chosen not in BACKENDS:
        raise KGError(f"unknown store '{chosen}' (choose one of {', '.join(BACKENDS)})")
    if chosen == "sparql" and not where:
        raise KGError(f"the 'sparql' store needs an endpoint URL (--store-location or ${ENV_LOCATION})")
    return StoreConfig(chosen, where)


def endpoints(location: str) -> tuple[str, str]:
    """``(query_url, update_url)`` of a ``sparql`` location (see the module docstring)."""
    parts = location.split()
    if len(parts) == 2:
        return parts[0], parts[1]
    url = parts[0].rstrip("/")
    path = url.split("://", 1)[-1].partition("/")[2]
    if not path:  # a bare server: Oxigraph's layout
        return f"{url}/query", f"{url}/update"
    return url, url


def sparql_term(node: Node) -> str:
    """A term in N-Triples/SPARQL syntax."""
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, BNode):
        return f"_:{node}"
    if isinstance(node, Literal):
        return node.n3()
    raise KGError(f"cannot write term {node!r}")


class TripleStore:
    """One back-end: SPARQL select/update, N-Quads loading and counting (see the module docstring)."""

    def __init__(self, config: StoreConfig) -> None:
        self.config = config
        self.kind = config.kind
        self._ox: Any = None
        self._rdflib: Store | None = None
        if config.kind == "oxigraph":
            import pyoxigraph

            if config.location:
                Path(config.location).mkdir(parents=True, exist_ok=True)
                try:
                    self._ox = pyoxigraph.Store(config.location)
                except OSError as exc:
                    raise KGError(f"cannot open the Oxigraph store at {config.location}: {exc}") from None
            else:
                self._ox = pyoxigraph.Store()
        elif config.kind == "memory":
            from rdflib.plugins.stores.memory import Memory

            self._rdflib = Memory()
        else:
            from rdflib.plugins.stores.sparqlstore import SPARQLUpdateStore

            assert config.location is not None
            query_url, update_url = endpoints(config.location)
            self._rdflib = SPARQLUpdateStore(
                query_endpoint=query_url, update_endpoint=update_url, returnFormat="json", method="POST"
            )

    @classmethod
    def open(cls, kind: str | None = None, location: str | None = None) -> TripleStore:
        return cls(store_config(kind, location))

    @property
    def oxigraph(self) -> Any:
        """The native ``pyoxigraph.Store`` (``oxigraph`` back-end only)."""
        if self._ox is None:
            raise KGError(f"the {self.kind} back-end is not Oxigraph")
        return self._ox

    def rdflib_store(self) -> Store:
        """An rdflib ``Store`` over the same data (oxrdflib's for Oxigraph)."""
        if self._rdflib is None:
            from oxrdflib import OxigraphStore

            self._rdflib = OxigraphStore(store=self._ox)
        return self._rdflib

    def _dataset(self) -> Dataset:
        return Dataset(store=self.rdflib_store(), default_union=True)

    # --- SPARQL -------------------------------------------------------------------------------

    def select(self, query: str) -> list[Row]:
        """Rows of a SELECT query (``None`` for unbound); prefixes of :data:`PREFIXES` are declared."""
        text = _SPARQL_PREFIXES + query
        try:
            if self._ox is not None:
                from oxrdflib._converter import from_ox

                return [
                    tuple(None if v is None else cast(Node, from_ox(v)) for v in solution)
                    for solution in self._ox.query(text, use_default_graph_as_union=True)
                ]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                return [tuple(row) for row in self._dataset().query(text)]  # type: ignore[arg-type]
        except KGError:
            raise
        except Exception as exc:
            raise KGError(_store_error(self.config, exc)) from None

    def ask(self, query: str) -> bool:
        text = _SPARQL_PREFIXES + query
        try:
            if self._ox is not None:
                return bool(self._ox.query(text, use_default_graph_as_union=True))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                return bool(self._dataset().query(text).askAnswer)
        except Exception as exc:
            raise KGError(_store_error(self.config, exc)) from None

    def update(self, update: str) -> None:
        text = _SPARQL_PREFIXES + update
        try:
            if self._ox is not None:
                self._ox.update(text)
            elif self.kind == "memory":
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DeprecationWarning)
                    view = ConjunctiveGraph(store=self.rdflib_store(), identifier=DATASET_DEFAULT_GRAPH_ID)
                    view.update(text)
            else:
                remote: Any = self.rdflib_store()
                remote.update(text)
        except Exception as exc:
            raise KGError(_store_error(self.config, exc)) from None

    # --- writing ------------------------------------------------------------------------------

    def add_quads(self, quads: Iterable[tuple[Node, Node, Node, URIRef]]) -> int:
        """Add quads (one transaction on Oxigraph, one ``INSERT DATA`` on a remote endpoint)."""
        lines = [
            f"{sparql_term(s)} {sparql_term(p)} {sparql_term(o)} {sparql_term(g)} .\n" for s, p, o, g in quads
        ]
        if lines:
            self.add_nquads("".join(lines).encode("utf-8"))
        return len(lines)

    def add_nquads(self, data: bytes, bulk: bool = False) -> None:
        """Add N-Quads text; ``bulk`` uses Oxigraph's bulk loader (fast, not transactional)."""
        try:
            if self._ox is not None:
                from pyoxigraph import RdfFormat

                if bulk:
                    self._ox.bulk_load(data, format=RdfFormat.N_QUADS)
                else:
                    self._ox.load(data, format=RdfFormat.N_QUADS)
            elif self.kind == "memory":
                self._dataset().parse(data=data, format="nquads")
            else:
                self.update(_insert_data(data))
        except KGError:
            raise
        except Exception as exc:
            raise KGError(_store_error(self.config, exc)) from None

    def add_ntriples(self, data: bytes, graph: URIRef, bulk: bool = False) -> None:
        """Add N-Triples text to the named graph ``graph``."""
        try:
            if self._ox is not None:
                from pyoxigraph import NamedNode, RdfFormat

                target = NamedNode(str(graph))
                if bulk:
                    self._ox.bulk_load(data, format=RdfFormat.N_TRIPLES, to_graph=target)
                else:
                    self._ox.load(data, format=RdfFormat.N_TRIPLES, to_graph=target)
            elif self.kind == "memory":
                self._dataset().graph(graph).parse(data=data, format="nt")
            else:
                self.update(f"INSERT DATA {{ GRAPH <{graph}> {{\n{data.decode('utf-8')}\n}} }}")
        except KGError:
            raise
        except Exception as exc:
            raise KGError(_store_error(self.config, exc)) from None

    def flush(self) -> None:
        if self._ox is not None and self.config.location:
            self._ox.flush()

    # --- reading ------------------------------------------------------------------------------

    def count(self, graph: URIRef | None = None) -> int:
        """Quads in the store (or in one named graph)."""
        if self._ox is not None and graph is None:
            return len(self._ox)
        where = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph is not None else "GRAPH ?g { ?s ?p ?o }"
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")
        first = rows[0][0] if rows else None
        return int(first.toPython()) if isinstance(first, Literal) else 0

    def close(self) -> None:
        if self._ox is not None:
            self.flush()
            self._ox = None
        self._rdflib = None


def _insert_data(nquads: bytes) -> str:
    """One ``INSERT DATA`` with a ``GRAPH`` block per graph (blank nodes stay shared)."""
    by_graph: dict[str, list[str]] = defaultdict(list)
    for raw in nquads.decode("utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        body = line[:-1].rstrip()  # drop the final '.'
        if body.endswith(">") and _term_count(body) == 4:  # a graph IRI closes the line
            start = body.rfind("<")
            by_graph[body[start:]].append(body[:start].rstrip() + " .")
            continue
        by_graph[""].append(body + " .")
    blocks = []
    for graph, lines in by_graph.items():
        text = "\n".join(lines)
        blocks.append(f"GRAPH {graph} {{\n{text}\n}}" if graph else text)
    return "INSERT DATA {\n" + "\n".join(blocks) + "\n}"


def _term_count(text: str) -> int:
    """How many RDF terms a line of N-Triples syntax holds (quotes and IRIs respected)."""
    count, i, n = 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        count += 1
        if ch == "<":
            i = text.index(">", i) + 1
        elif ch == '"':
            i += 1
            while text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
            if i < n and text[i] == "@":
                while i < n and not text[i].isspace():
                    i += 1
            elif text.startswith("^^<", i):
                i = text.index(">", i) + 1
        else:
            while i < n and not text[i].isspace():
                i += 1
    return count


def _store_error(config: StoreConfig, exc: Exception) -> str:
    text = " ".join(str(exc).split())[:300] or type(exc).__name__
    if config.kind == "sparql" and any(
        word in text
        for word in ("Connection refused", "Errno 111", "timed out", "URLError", "Name or service")
    ):
        return f"cannot reach the SPARQL endpoint {config.location}: {text}"
    return f"{config.describe()}: {text}"


# --- statements <-> RDF terms -------------------------------------------------------------------


def node_statement(s: Node, p: Node, o: Node) -> Statement | None:
    """The statement of an RDF triple in our vocabulary (``None`` otherwise)."""
    subject = local_name(s)
    if subject is None:
        return None
    if p == RDF.type:
        cls = local_name(o)
        return Statement(subject, TYPE, cls) if cls in CLASS_BY_NAME else None
    prop = local_name(p)
    if prop not in PROPERTY_BY_NAME:
        return None
    if isinstance(o, Literal):
        # RDF 1.1: a simple literal is an xsd:string (SPARQL JSON results often omit that datatype)
        dt = datatype_name(o.datatype) or (None if o.language else "string")
        return Statement(subject, prop, str(o), True, dt, o.language)
    obj = local_name(o)
    return Statement(subject, prop, obj) if obj is not None else None


def decode_proof(text: str) -> tuple[Statement, ...]:
    return tuple(Statement(*step) for step in json.loads(text))


def encode_proof(proof: Sequence[Statement]) -> str:
    return json.dumps([list(step) for step in proof], ensure_ascii=False, separators=(",", ":"))


def _values(nodes: Iterable[URIRef]) -> str:
    return " ".join(f"<{n}>" for n in nodes)


# --- the graph view -----------------------------------------------------------------------------


class StoreGraph:
    """Asserted and inferred facts read from a store (the retriever's ``GraphLike``)."""

    def __init__(self, store: TripleStore) -> None:
        self.store = store
        self._entities: dict[str, Entity] | None = None
        self._all: list[Fact] | None = None

    @classmethod
    def open(cls, kind: str | None = None, location: str | None = None) -> StoreGraph:
        return cls(TripleStore.open(kind, location))

    # --- entities -----------------------------------------------------------------------------

    @property
    def entities(self) -> dict[str, Entity]:
        if self._entities is None:
            self._entities = self._load_entities()
        return self._entities

    def _load_entities(self) -> dict[str, Entity]:
        classes: dict[str, list[str]] = defaultdict(list)
        for e, c in self.store.select(
            "SELECT ?e ?c WHERE { GRAPH ax:asserted { ?e a owl:NamedIndividual ; a ?c } }"
        ):
            eid, cls = local_name(e), local_name(c)
            if eid is not None and cls in CLASS_BY_NAME:
                classes[eid].append(cls)
        labels: dict[str, dict[str, str]] = defaultdict(dict)
        for e, label in self.store.select("SELECT ?e ?l WHERE { GRAPH ax:asserted { ?e rdfs:label ?l } }"):
            eid = local_name(e)
            if eid in classes and isinstance(label, Literal) and label.language in ("en", "ko"):
                labels[eid].setdefault(label.language, str(label))
        aliases: dict[str, dict[str, list[str]]] = defaultdict(lambda: {"en": [], "ko": []})
        for e, alias in self.store.select("SELECT ?e ?l WHERE { GRAPH ax:asserted { ?e skos:altLabel ?l } }"):
            eid = local_name(e)
            if eid in classes and isinstance(alias, Literal) and alias.language in ("en", "ko"):
                aliases[eid][alias.language].append(str(alias))
        out: dict[str, Entity] = {}
        for eid in sorted(classes):
            names = labels.get(eid, {})
            cls = max(classes[eid], key=lambda name: len(class_ancestors(name)))
            out[eid] = Entity.model_validate(
                {
                    "id": eid,
                    "class": cls,
                    "label": {"en": names.get("en", eid), "ko": names.get("ko", names.get("en", eid))},
                    "aliases": {k: sorted(v) for k, v in aliases.get(eid, {"en": [], "ko": []}).items()},
                }
            )
        return out

    def label(self, entity_id: str, lang: Lang = "en") -> str:
        entity = self.entities.get(entity_id)
        if entity is not None:
            return str(getattr(entity.label, lang))
        if entity_id in CLASS_BY_NAME:
            cls = CLASS_BY_NAME[entity_id]
            return cls.label_en if lang == "en" else cls.label_ko
        if entity_id in PROPERTY_BY_NAME:
            prop = PROPERTY_BY_NAME[entity_id]
            return prop.label_en if lang == "en" else prop.label_ko
        return entity_id

    # --- facts --------------------------------------------------------------------------------

    def facts(self) -> list[Fact]:
        """Every fact in the store (reads it all: for small stores; use :meth:`facts_about` at scale)."""
        if self._all is None:
            rows = self.store.select(
                "SELECT ?g ?s ?p ?o WHERE { VALUES ?g { ax:asserted ax:inferred } GRAPH ?g { ?s ?p ?o } }"
            )
            self._all = self._facts_from_rows(rows)
        return list(self._all)

    def facts_about(self, entity_id: str, limit: int | None = None) -> list[Fact]:
        """Facts with ``entity_id`` as subject or (entity) object, asserted and inferred, with proofs.

        ``limit`` caps the facts with the entity as *object* (a continent is the object of every
        place below it); facts about it as subject are always complete.
        """
        node = f"<{NAMESPACE}{entity_id}>"
        incoming = f"GRAPH ?g {{ ?s ?p {node} }} FILTER(?p != rdf:type)"
        if limit is not None:
            incoming = f"{{ SELECT ?g ?s ?p WHERE {{ VALUES ?g {{ ax:asserted ax:inferred }} {incoming} }} LIMIT {int(limit)} }}"
        rows = self.store.select(
            "SELECT ?g ?s ?p ?o WHERE { VALUES ?g { ax:asserted ax:inferred } "
            f"{{ GRAPH ?g {{ {node} ?p ?o }} BIND({node} AS ?s) }} UNION "
            f"{{ {incoming} BIND({node} AS ?o) }} }}"
        )
        return [f for f in self._facts_from_rows(rows) if f.subject == entity_id or f.object == entity_id]

    def _facts_from_rows(self, rows: Iterable[Row]) -> list[Fact]:
        asserted: dict[Statement, None] = {}
        inferred: dict[Statement, None] = {}
        for g, s, p, o in rows:
            if s is None or p is None or o is None:
                continue
            st = node_statement(s, p, o)
            if st is None:
                continue
            (asserted if g == ASSERTED_GRAPH else inferred)[st] = None
        inferred = {st: None for st in inferred if st not in asserted}
        types: dict[str, set[str]] = defaultdict(set)
        for st in (*asserted, *inferred):
            if st.p == TYPE:
                types[st.s].add(st.o)
        specific = {e: cs - {a for c in cs for a in class_ancestors(c)[1:]} for e, cs in types.items()}
        kept = [st for st in inferred if st.p != TYPE or st.o in specific.get(st.s, ())]
        rows_of, proofs = self._provenance(list(asserted), kept)
        asserted_facts = [self._fact(st, rows_of) for st in sorted(asserted, key=_order)]
        inferred_facts: list[Fact] = []
        for st in kept:
            steps = tuple(self._fact(step, rows_of) for step in proofs.get(st, ()))
            source = tuple(dict.fromkeys(row for step in steps for row in step.source_rows))
            inferred_facts.append(
                Fact(st.s, st.p, st.o, st.literal, st.datatype, st.lang, True, steps, source)
            )
        inferred_facts.sort(key=lambda f: (f.subject, f.predicate, len(f.proof), f.object))
        return [*asserted_facts, *inferred_facts]

    @staticmethod
    def _fact(st: Statement, rows_of: dict[Statement, tuple[str, ...]]) -> Fact:
        return Fact(st.s, st.p, st.o, st.literal, st.datatype, st.lang, False, (), rows_of.get(st, ()))

    def _provenance(
        self, asserted: list[Statement], inferred: list[Statement]
    ) -> tuple[dict[Statement, tuple[str, ...]], dict[Statement, tuple[Statement, ...]]]:
        """Source rows of asserted statements (and of proof steps) and proofs of inferred ones."""
        proofs: dict[Statement, tuple[Statement, ...]] = {}
        by_node = {statement_node(st): st for st in inferred}
        for chunk in _chunks(list(by_node), 500):
            for n, steps in self.store.select(
                "SELECT ?n ?j WHERE { GRAPH ax:provenance { VALUES ?n { "
                + _values(chunk)
                + " } ?n ax:proofSteps ?j } }"
            ):
                if n in by_node and steps is not None:
                    proofs[by_node[n]] = decode_proof(str(steps))  # type: ignore[index]
        missing = [n for n in by_node if by_node[n] not in proofs]
        for chunk in _chunks(missing, 200):
            proofs.update(self._list_proofs(chunk, by_node))
        wanted = set(asserted) | {step for proof in proofs.values() for step in proof}
        rows: dict[Statement, list[str]] = defaultdict(list)
        step_nodes = {statement_node(st): st for st in wanted}
        for chunk in _chunks(list(step_nodes), 500):
            for n, row in self.store.select(
                "SELECT ?n ?r WHERE { GRAPH ax:provenance { VALUES ?n { "
                + _values(chunk)
                + " } ?n ax:sourceRow ?r } }"
            ):
                if n in step_nodes and row is not None:
                    rows[step_nodes[n]].append(str(row))  # type: ignore[index]
        return {st: tuple(sorted(r)) for st, r in rows.items()}, proofs

    def _list_proofs(
        self, nodes: list[URIRef], by_node: dict[URIRef, Statement]
    ) -> dict[Statement, tuple[Statement, ...]]:
        """Proofs stored as ``ax:proof`` RDF lists of reified statements (KnowledgeGraph's form)."""
        heads: dict[Node, URIRef] = {}
        cells: dict[Node, tuple[Node | None, Statement | None]] = {}
        for n, head in self.store.select(
            f"SELECT ?n ?h WHERE {{ GRAPH ax:provenance {{ VALUES ?n {{ {_values(nodes)} }} ?n <{PROOF}> ?h }} }}"
        ):
            if head is not None:
                heads[head] = n  # type: ignore[assignment]
        if not heads:
            return {}
        for cell, rest, s, p, o in self.store.select(
            f"SELECT ?cell ?rest ?s ?p ?o WHERE {{ GRAPH ax:provenance {{ VALUES ?n {{ {_values(nodes)} }} "
            f"?n <{PROOF}>/rdf:rest* ?cell . ?cell rdf:first ?step ; rdf:rest ?rest . "
            "?step rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o } }"
        ):
            if cell is not None and s is not None and p is not None and o is not None:
                cells[cell] = (rest, node_statement(s, p, o))
        out: dict[Statement, tuple[Statement, ...]] = {}
        for head, n in heads.items():
            steps: list[Statement] = []
            cursor: Node | None = head
            while cursor is not None and cursor != RDF.nil and cursor in cells and len(steps) < 10_000:
                rest, step = cells[cursor]
                if step is not None:
                    steps.append(step)
                cursor = rest
            out[by_node[n]] = tuple(steps)
        return out

    # --- misc ---------------------------------------------------------------------------------

    def select(self, query: str) -> list[Row]:
        return self.store.select(query)

    def __len__(self) -> int:
        return self.store.count()


def _order(st: Statement) -> tuple[int, str, str, str]:
    return (0 if st.p == TYPE else 1, st.s, st.p, st.o)


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


__all__ = [
    "BACKENDS",
    "ENV_LOCATION",
    "ENV_STORE",
    "PROOF_STEPS",
    "StoreConfig",
    "StoreGraph",
    "TripleStore",
    "endpoints",
    "node_statement",
    "store_config",
]


def query_store(store: TripleStore, sparql: str, update: bool = False) -> Result | None:
    """Run a user's SPARQL query (an rdflib ``Result``) or, with ``update=True``, an update (``None``)
    against the store; the default graph is the union of the named graphs, as in ``KnowledgeGraph``."""
    from kg.errors import ReadOnlyError, SparqlSyntaxError
    from kg.sparql import kind_of

    kind = kind_of(sparql)
    if kind == "update":
        if not update:
            raise ReadOnlyError("this is a SPARQL update (INSERT/DELETE/...); pass --update to allow it")
        store.update(sparql)
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            result = store._dataset().query(sparql, initNs=PREFIXES)
            if result.type == "SELECT":
                _ = result.bindings
            return result
    except Exception as exc:
        message = _store_error(store.config, exc)
        if message.startswith("cannot reach"):
            raise KGError(message) from None
        raise SparqlSyntaxError(f"SPARQL query failed: {message}") from None
