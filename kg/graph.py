"""The knowledge graph: asserted + inferred triples in an rdflib store, and fact views.

Named graphs separate what was said from what follows: ``ax:schema`` (the TBox),
``ax:asserted`` (individuals, labels, asserted triples), ``ax:inferred`` (the reasoner's
closure, kept to meaningful statements) and ``ax:provenance`` (reified statements with
``ax:sourceRow`` / ``ax:proof``). SPARQL sees their union as the default graph.

``facts()`` and friends are served from the closure in memory, not from the store,
so they cost nothing after :meth:`KnowledgeGraph.load`.
"""

from __future__ import annotations

import contextlib
import itertools
import warnings
from collections import defaultdict
from functools import cached_property
from pathlib import Path
from typing import Any

import networkx as nx
from rdflib import ConjunctiveGraph, Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.sparql.sparql import Query, Update
from rdflib.plugins.stores.memory import Memory
from rdflib.query import Result
from rdflib.store import Store

from kg import cache as closure_cache
from kg.errors import KGError, ReadOnlyError, SparqlEvaluationError
from kg.facts import Fact
from kg.sparql import one_line, prepare, refuse_external
from kg.store import open_store
from ontology.knowledge import Entity, Knowledge, Lang, load_knowledge
from ontology.materialize import Closure, materialize
from ontology.owl import abox_graph, proof_graph, provenance_graph, schema_graph, statement_triple
from ontology.paths import default_knowledge_path
from ontology.rdf import (
    ASSERTED_GRAPH,
    INFERRED_GRAPH,
    PREFIXES,
    PROVENANCE_GRAPH,
    SCHEMA_GRAPH,
    TYPE,
)
from ontology.reasoning import resolve_engine
from ontology.schema import CLASS_BY_NAME, PROPERTY_BY_NAME, class_ancestors
from ontology.statements import Statement, asserted_statements


class KnowledgeGraph:
    """Asserted and inferred facts about the knowledge, queryable with SPARQL."""

    def __init__(
        self, knowledge: Knowledge, closure: Closure, store: Store | None = None, fill: bool = True
    ) -> None:
        """``fill=False`` uses ``store`` as it is (an Oxigraph directory or a remote endpoint
        already holding these graphs); the fact views never read the store."""
        self.knowledge = knowledge
        self.closure = closure
        self.dataset = Dataset(store=store if store is not None else open_store("memory"), default_union=True)
        for prefix, namespace in PREFIXES.items():
            self.dataset.bind(prefix, namespace, override=True, replace=True)
        if fill:
            self._fill()

    # --- construction -------------------------------------------------------------------------

    @classmethod
    def load(
        cls,
        knowledge_path: Path | str | None = None,
        engine: str = "auto",
        cache: bool = True,
        store: Store | None = None,
        fill: bool = True,
    ) -> KnowledgeGraph:
        """Load, validate and reason (or reuse the cached closure) and build the graph.

        All-or-nothing: an invalid knowledge file raises before anything is cached or built.
        """
        path = Path(knowledge_path) if knowledge_path is not None else default_knowledge_path()
        knowledge = load_knowledge(path)
        path = knowledge.path
        resolved = resolve_engine(engine)
        closure = None
        cache_file = closure_cache.cache_path(closure_cache.cache_key(path, resolved)) if cache else None
        if cache_file is not None:
            closure = closure_cache.load(cache_file, asserted_statements(knowledge))
        if closure is None:
            closure = materialize(knowledge, resolved)
            if cache_file is not None:
                with contextlib.suppress(OSError):  # a read-only cache directory only costs speed
                    closure_cache.save(closure, cache_file)
        return cls(knowledge, closure, store, fill)

    def _fill(self) -> None:
        closure = self.closure
        self._add(SCHEMA_GRAPH, schema_graph())
        self._add(ASSERTED_GRAPH, abox_graph(self.knowledge, closure.asserted, unique_names=False))
        inferred = self.dataset.graph(INFERRED_GRAPH)
        inferred.addN((*statement_triple(st), inferred) for st in closure.inferred)
        self._add(PROVENANCE_GRAPH, provenance_graph(closure.asserted, self.knowledge.lines))
        self._add(PROVENANCE_GRAPH, proof_graph(closure.inferred))

    def _add(self, name: URIRef, source: Graph) -> None:
        target = self.dataset.graph(name)
        target.addN((s, p, o, target) for s, p, o in source)

    # --- fact views ---------------------------------------------------------------------------

    @property
    def entities(self) -> dict[str, Entity]:
        return self.knowledge.entities

    @property
    def engine(self) -> str:
        return self.closure.engine

    def _asserted_fact(self, st: Statement) -> Fact:
        return Fact(
            subject=st.s,
            predicate=st.p,
            object=st.o,
            object_is_literal=st.literal,
            datatype=st.datatype,
            lang=st.lang,
            source_rows=self.closure.asserted.get(st, ()),
        )

    @cached_property
    def _facts(self) -> tuple[Fact, ...]:
        asserted = [self._asserted_fact(st) for st in self.closure.asserted]
        most_specific = _most_specific_types(set(self.closure.asserted) | set(self.closure.inferred))
        inferred: list[Fact] = []
        for st, proof in self.closure.inferred.items():
            if st.p == TYPE and st.o not in most_specific.get(st.s, ()):
                continue
            steps = tuple(self._asserted_fact(step) for step in proof)
            rows = tuple(dict.fromkeys(row for step in steps for row in step.source_rows))
            inferred.append(
                Fact(
                    subject=st.s,
                    predicate=st.p,
                    object=st.o,
                    object_is_literal=st.literal,
                    datatype=st.datatype,
                    lang=st.lang,
                    inferred=True,
                    proof=steps,
                    source_rows=rows,
                )
            )
        inferred.sort(key=lambda f: (f.subject, f.predicate, len(f.proof), f.object))
        return (*asserted, *inferred)

    def facts(self) -> list[Fact]:
        """All asserted and inferred facts; class membership as ``type`` with the most specific classes."""
        return list(self._facts)

    @cached_property
    def _by_entity(self) -> dict[str, list[Fact]]:
        index: dict[str, list[Fact]] = defaultdict(list)
        for fact in self._facts:
            index[fact.subject].append(fact)
            if not fact.object_is_literal and fact.predicate != TYPE and fact.object != fact.subject:
                index[fact.object].append(fact)
        return index

    def facts_about(self, entity_id: str) -> list[Fact]:
        """Facts with ``entity_id`` as subject or (entity) object."""
        if entity_id not in self.entities:
            raise KGError(f"unknown entity '{entity_id}'")
        return list(self._by_entity.get(entity_id, ()))

    def label(self, entity_id: str, lang: Lang = "en") -> str:
        """The label of an entity, class or property id (the id itself if unknown)."""
        if entity_id in self.entities:
            return self.knowledge.label(entity_id, lang)
        if entity_id in CLASS_BY_NAME:
            cls = CLASS_BY_NAME[entity_id]
            return cls.label_en if lang == "en" else cls.label_ko
        if entity_id in PROPERTY_BY_NAME:
            prop = PROPERTY_BY_NAME[entity_id]
            return prop.label_en if lang == "en" else prop.label_ko
        return entity_id

    # --- SPARQL -------------------------------------------------------------------------------

    def query(self, sparql: str, update: bool = False, allow_external: bool = False) -> Result | None:
        """Run a SPARQL query (a fully evaluated ``Result``) or, with ``update=True``, an update (``None``).

        The text is parsed once (prepared queries are cached by text, see :func:`kg.sparql.prepare`).
        Raises :class:`SparqlSyntaxError` if it does not parse, :class:`ReadOnlyError` for an update
        without ``update=True``, :class:`ExternalAccessError` for ``FROM``/``FROM NAMED``,
        ``SERVICE``, ``LOAD`` or ``USING`` (which make rdflib fetch URLs or read local files)
        unless ``allow_external=True``, and :class:`SparqlEvaluationError` if it fails while
        running; SELECT results are materialised here, so iterating them cannot raise.

        Updates change this in-memory graph only, never the cache, and only the asserted
        triples: the reasoned closure (``ax:inferred``, the proofs and the fact views) is not
        recomputed, so consequences of inserted triples are not inferred and inferred triples
        that depended on deleted ones remain. Reload the knowledge (or use ``axlab kg add`` on
        a store) to reason over new facts.
        """
        prepared = prepare(sparql)
        if prepared.kind == "update" and not update:
            raise ReadOnlyError("this is a SPARQL update (INSERT/DELETE/...); pass --update to allow it")
        if not allow_external:
            refuse_external(prepared)
        native = _has_own_sparql(self.dataset.store)  # e.g. Oxigraph: it evaluates the text itself
        try:
            with warnings.catch_warnings():  # rdflib 7.6 warns about its own default_context use
                warnings.simplefilter("ignore", DeprecationWarning)
                with contextlib.nullcontext(None) if native else prepared.checkout() as parsed:
                    if prepared.kind == "update":
                        assert parsed is None or isinstance(parsed, Update)
                        self._update_view().update(sparql if parsed is None else parsed, initNs=PREFIXES)
                        return None
                    assert parsed is None or isinstance(parsed, Query)
                    result = self.dataset.query(sparql if parsed is None else parsed, initNs=PREFIXES)
                    if result.type == "SELECT":
                        _ = result.bindings  # evaluate now: errors surface here, not while printing
                    return result
        except KGError:
            raise
        except Exception as exc:
            raise SparqlEvaluationError(
                f"SPARQL {prepared.kind} could not be evaluated: {one_line(exc)}"
            ) from None

    def to_nquads(self) -> bytes:
        """Every quad of the store, named graphs kept: a read-only copy for another evaluator
        (:class:`kg.native.SnapshotGraph`; the HTTP service's query workers)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            data = self.dataset.serialize(format="nquads", encoding="utf-8")
        return data if isinstance(data, bytes) else str(data).encode("utf-8")

    def _update_view(self) -> Graph:
        """A ConjunctiveGraph over the same store: rdflib's ``Dataset(default_union=True)``
        cannot run ``INSERT DATA`` (rdflib 7.6 unpacks triples as quads). Un-named
        updates go to the default graph; use ``GRAPH ax:inferred { ... }`` to edit a named one."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return ConjunctiveGraph(store=self.dataset.store, identifier=DATASET_DEFAULT_GRAPH_ID)

    # --- graph view ---------------------------------------------------------------------------

    def to_networkx(self, include_inferred: bool = True) -> nx.MultiDiGraph:
        """Entities as nodes, object-property facts as edges keyed by predicate.

        Node attributes: ``label_en``, ``label_ko``, ``class``, ``data`` (literal facts).
        Edge attributes: ``predicate``, ``inferred``, ``fact``.
        """
        graph: nx.MultiDiGraph = nx.MultiDiGraph()
        for entity in self.entities.values():
            graph.add_node(
                entity.id,
                label_en=entity.label.en,
                label_ko=entity.label.ko,
                data=[],
                **{"class": entity.class_},
            )
        for fact in self._facts:
            if fact.predicate == TYPE or (fact.inferred and not include_inferred):
                continue
            if fact.object_is_literal:
                graph.nodes[fact.subject]["data"].append(fact)
            else:
                graph.add_edge(
                    fact.subject,
                    fact.object,
                    key=fact.predicate,
                    predicate=fact.predicate,
                    inferred=fact.inferred,
                    fact=fact,
                )
        return graph

    @cached_property
    def _asserted_view(self) -> nx.MultiDiGraph:
        return self.to_networkx(include_inferred=False)

    def path(self, a: str, b: str, include_inferred: bool = False) -> list[Fact]:
        """The facts on a shortest path between two entities (edges in either direction); ``[]`` if none."""
        for entity_id in (a, b):
            if entity_id not in self.entities:
                raise KGError(f"unknown entity '{entity_id}'")
        directed = self.to_networkx(include_inferred=True) if include_inferred else self._asserted_view
        undirected = directed.to_undirected(as_view=True)
        try:
            nodes = nx.shortest_path(undirected, a, b)
        except nx.NetworkXNoPath:
            return []
        steps: list[Fact] = []
        for u, v in itertools.pairwise(nodes):
            edges: dict[Any, Any] = directed.get_edge_data(u, v) or directed.get_edge_data(v, u) or {}
            steps.append(
                min((data["fact"] for data in edges.values()), key=lambda f: (f.inferred, f.predicate))
            )
        return steps

    def __len__(self) -> int:
        return len(self.dataset)


def _has_own_sparql(store: Store) -> bool:
    """Whether the store evaluates SPARQL text itself (Oxigraph, a remote endpoint); rdflib's
    in-memory store leaves it to rdflib, which can then run the cached prepared form."""
    return type(store).query not in (Store.query, Memory.query)


def _most_specific_types(statements: set[Statement]) -> dict[str, set[str]]:
    """Per entity, the classes it belongs to that have no subclass it also belongs to."""
    types: dict[str, set[str]] = defaultdict(set)
    for st in statements:
        if st.p == TYPE and st.o in CLASS_BY_NAME:
            types[st.s].add(st.o)
    result: dict[str, set[str]] = {}
    for entity, classes in types.items():
        covered = {anc for cls in classes for anc in class_ancestors(cls)[1:]}
        result[entity] = classes - covered
    return result
