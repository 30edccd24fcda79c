"""Schema-driven materialisation with proofs, full and incremental (semi-naive), into a store.

The rules are those of :mod:`ontology.justify` (``subPropertyOf``, ``subClassOf``, domain/range
typing, transitivity, property chains). :func:`extend_closure` is the semi-naive step: seeded only
with the *new* asserted statements, it derives the consequences that need at least one of them,
joining with the existing closure through a :class:`ClosureIndex` (a dict in memory, or the store
itself). Like the full search it finalises statements in order of proof size, so a statement
gets a shortest proof; an existing inferred statement whose proof gets shorter through the new
facts is updated, and one that is now asserted leaves the inferred set.

:func:`materialize_store` runs the full closure over a store's asserted graph and writes
``ax:inferred`` plus one ``ax:proofSteps`` triple per inferred statement (the compact proof form
that :class:`kg.backends.StoreGraph` reads). :func:`add_statements` applies new asserted
statements to a store incrementally.
"""

from __future__ import annotations

import heapq
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from rdflib import Literal, URIRef

from kg.backends import PROOF_STEPS, TripleStore, decode_proof, encode_proof, node_statement, sparql_term
from ontology.justify import Proof, Rules, _join, closure_with_proofs
from ontology.owl import statement_node, statement_triple
from ontology.rdf import ASSERTED_GRAPH, INFERRED_GRAPH, PROVENANCE_GRAPH, TYPE, iri
from ontology.statements import Statement


class ClosureIndex(Protocol):
    """An existing closure: proofs of held statements and join partners for the chain rules."""

    def proof(self, st: Statement) -> Proof | None:
        """``(st,)`` if asserted, its proof if inferred, ``None`` if it does not hold."""
        ...

    def by_subject(self, p: str, s: str) -> Iterable[Statement]:
        """Held statements ``s p ?``."""
        ...

    def by_object(self, p: str, o: str) -> Iterable[Statement]:
        """Held statements ``? p o``."""
        ...


class DictClosure:
    """A closure held in memory: asserted statements and inferred ones with their proofs."""

    def __init__(self, asserted: Iterable[Statement] = (), inferred: dict[Statement, Proof] | None = None):
        self.asserted: set[Statement] = set(asserted)
        self.inferred: dict[Statement, Proof] = dict(inferred or {})
        self._subj: dict[tuple[str, str], set[Statement]] = defaultdict(set)
        self._obj: dict[tuple[str, str], set[Statement]] = defaultdict(set)
        for st in (*self.asserted, *self.inferred):
            self._index(st)

    @classmethod
    def full(cls, asserted: Iterable[Statement], rules: Rules | None = None) -> DictClosure:
        facts = list(asserted)
        given = set(facts)
        proofs = closure_with_proofs(facts, rules)
        return cls(given, {st: p for st, p in proofs.items() if st not in given})

    def _index(self, st: Statement) -> None:
        if not st.literal and st.p != TYPE:
            self._subj[(st.p, st.s)].add(st)
            self._obj[(st.p, st.o)].add(st)

    def proof(self, st: Statement) -> Proof | None:
        if st in self.asserted:
            return (st,)
        return self.inferred.get(st)

    def by_subject(self, p: str, s: str) -> Iterable[Statement]:
        return self._subj.get((p, s), ())

    def by_object(self, p: str, o: str) -> Iterable[Statement]:
        return self._obj.get((p, o), ())

    def apply(self, delta: Delta) -> None:
        for st in delta.asserted:
            self.asserted.add(st)
            self.inferred.pop(st, None)
            self._index(st)
        for st, proof in delta.inferred.items():
            self.inferred[st] = proof
            self._index(st)


@dataclass
class Delta:
    """What :func:`extend_closure` changed."""

    asserted: list[Statement] = field(default_factory=list)  # newly asserted statements
    inferred: dict[Statement, Proof] = field(default_factory=dict)  # new or re-proved (shorter) inferences
    promoted: list[Statement] = field(default_factory=list)  # were inferred, are now asserted
    improved: list[Statement] = field(default_factory=list)  # already inferred, now with a shorter proof


def extend_closure(index: ClosureIndex, new: Iterable[Statement], rules: Rules | None = None) -> Delta:
    """The semi-naive step: consequences of ``new`` given the closure ``index`` (see the module doc)."""
    rules = rules or Rules.from_schema()
    best: dict[Statement, Proof] = {}  # finalised in this run
    subj: dict[tuple[str, str], list[Statement]] = defaultdict(list)
    obj: dict[tuple[str, str], list[Statement]] = defaultdict(list)
    heap: list[tuple[int, int, Statement, Proof]] = []
    counter = 0
    delta = Delta()
    old_cache: dict[Statement, Proof | None] = {}

    def old(st: Statement) -> Proof | None:
        if st not in old_cache:
            old_cache[st] = index.proof(st)
        return old_cache[st]

    def current(st: Statement) -> Proof | None:
        return best.get(st) or old(st)

    def push(st: Statement, proof: Proof) -> None:
        nonlocal counter
        if st in best:
            return
        held = old(st)
        if held is not None and len(held) <= len(proof):
            return
        heapq.heappush(heap, (len(proof), counter, st, proof))
        counter += 1

    for st in dict.fromkeys(new):
        held = old(st)
        if held is not None and len(held) == 1 and held[0] == st:
            continue  # already asserted
        delta.asserted.append(st)
        heapq.heappush(heap, (1, counter, st, (st,)))
        counter += 1
    asserted_now = set(delta.asserted)

    while heap:
        _, _, st, proof = heapq.heappop(heap)
        if st in best:
            continue
        held = old(st)
        if held is not None and len(held) <= len(proof) and st not in asserted_now:
            continue
        best[st] = proof
        if st in asserted_now:
            if held is not None:
                delta.promoted.append(st)
        else:
            delta.inferred[st] = proof
            if held is not None:
                delta.improved.append(st)
        for derived in rules.unary(st):
            push(derived, proof)
        if st.literal or st.p == TYPE:
            continue
        subj[(st.p, st.s)].append(st)
        obj[(st.p, st.o)].append(st)
        for p2, head in rules.chains.get(st.p, ()):
            for right in _partners(index.by_subject(p2, st.o), subj.get((p2, st.o), ())):
                right_proof = current(right)
                if right_proof is not None:
                    push(Statement(st.s, head, right.o), _join(proof, right_proof))
        for p1, head in rules.chains_second.get(st.p, ()):
            for left in _partners(index.by_object(p1, st.s), obj.get((p1, st.s), ())):
                left_proof = current(left)
                if left_proof is not None:
                    push(Statement(left.s, head, st.o), _join(left_proof, proof))
    return delta


def _partners(old: Iterable[Statement], new: Iterable[Statement]) -> Iterator[Statement]:
    seen: set[Statement] = set()
    for st in (*old, *new):
        if st not in seen:
            seen.add(st)
            yield st


# --- the store as a closure index ---------------------------------------------------------------


class StoreClosure:
    """A :class:`ClosureIndex` answered by SPARQL over a store's asserted and inferred graphs."""

    def __init__(self, store: TripleStore) -> None:
        self.store = store

    def proof(self, st: Statement) -> Proof | None:
        s, p, o = (sparql_term(t) for t in statement_triple(st))
        graphs = {
            g
            for (g,) in self.store.select(
                f"SELECT ?g WHERE {{ VALUES ?g {{ ax:asserted ax:inferred }} GRAPH ?g {{ {s} {p} {o} }} }}"
            )
        }
        if ASSERTED_GRAPH in graphs:
            return (st,)
        if INFERRED_GRAPH not in graphs:
            return None
        node = statement_node(st)
        rows = self.store.select(f"SELECT ?j WHERE {{ GRAPH ax:provenance {{ <{node}> ax:proofSteps ?j }} }}")
        if rows and rows[0][0] is not None:
            return decode_proof(str(rows[0][0]))
        from kg.backends import StoreGraph

        listed = StoreGraph(self.store)._list_proofs([node], {node: st})  # KnowledgeGraph's form
        return listed.get(st) or (st, st)  # no proof found: counts as longer than any real one

    def _statements(self, query: str) -> list[Statement]:
        out: list[Statement] = []
        for s, p, o in self.store.select(query):
            if s is not None and p is not None and o is not None:
                st = node_statement(s, p, o)
                if st is not None:
                    out.append(st)
        return out

    def by_subject(self, p: str, s: str) -> Iterable[Statement]:
        return self._statements(
            f"SELECT ?s ?p ?o WHERE {{ VALUES ?g {{ ax:asserted ax:inferred }} VALUES ?s {{ <{iri(s)}> }} "
            f"VALUES ?p {{ <{iri(p)}> }} GRAPH ?g {{ ?s ?p ?o }} }}"
        )

    def by_object(self, p: str, o: str) -> Iterable[Statement]:
        return self._statements(
            f"SELECT ?s ?p ?o WHERE {{ VALUES ?g {{ ax:asserted ax:inferred }} VALUES ?o {{ <{iri(o)}> }} "
            f"VALUES ?p {{ <{iri(p)}> }} GRAPH ?g {{ ?s ?p ?o }} }}"
        )


# --- writing inferences -------------------------------------------------------------------------


def inferred_nquads(inferred: Iterable[tuple[Statement, Proof]]) -> Iterator[str]:
    """N-Quads lines: each inferred triple in ``ax:inferred`` and its proof in ``ax:provenance``."""
    inferred_g, provenance_g, steps_p = f"<{INFERRED_GRAPH}>", f"<{PROVENANCE_GRAPH}>", f"<{PROOF_STEPS}>"
    for st, proof in inferred:
        s, p, o = (sparql_term(t) for t in statement_triple(st))
        yield f"{s} {p} {o} {inferred_g} .\n"
        yield f"<{statement_node(st)}> {steps_p} {Literal(encode_proof(proof)).n3()} {provenance_g} .\n"


def asserted_statements_in(store: TripleStore) -> list[Statement]:
    """Every statement in our vocabulary in the store's asserted graph."""
    out: list[Statement] = []
    for s, p, o in store.select("SELECT ?s ?p ?o WHERE { GRAPH ax:asserted { ?s ?p ?o } }"):
        if s is not None and p is not None and o is not None:
            st = node_statement(s, p, o)
            if st is not None:
                out.append(st)
    return out


@dataclass(frozen=True)
class MaterializeReport:
    asserted: int
    inferred: int
    read_s: float
    reason_s: float
    write_s: float


def _write_batches(
    store: TripleStore,
    lines: Iterable[str],
    batch: int = 200_000,
    on_batch: Callable[[int], None] | None = None,
) -> None:
    buffer: list[str] = []
    for line in lines:
        buffer.append(line)
        if len(buffer) >= batch:
            store.add_nquads("".join(buffer).encode("utf-8"), bulk=True)
            if on_batch:
                on_batch(len(buffer))
            buffer = []
    if buffer:
        store.add_nquads("".join(buffer).encode("utf-8"), bulk=True)
        if on_batch:
            on_batch(len(buffer))


def materialize_store(store: TripleStore, rules: Rules | None = None) -> MaterializeReport:
    """Full schema-driven closure of the store's asserted graph, written with compact proofs.

    Idempotent: inferred triples and proofs are sets, so a re-run (after a crash) adds nothing twice.
    """
    t0 = time.perf_counter()
    asserted = asserted_statements_in(store)
    t1 = time.perf_counter()
    given = set(asserted)
    proofs = closure_with_proofs(asserted, rules)
    inferred = [(st, proof) for st, proof in proofs.items() if st not in given]
    t2 = time.perf_counter()
    _write_batches(store, inferred_nquads(inferred))
    store.flush()
    t3 = time.perf_counter()
    return MaterializeReport(len(given), len(inferred), t1 - t0, t2 - t1, t3 - t2)


def add_statements(
    store: TripleStore, new: Iterable[Statement], extra_quads: Iterable[str] = (), rules: Rules | None = None
) -> Delta:
    """Assert ``new`` in the store and materialise only their consequences (semi-naive).

    ``extra_quads`` (N-Quads lines: labels, provenance) are written with the new statements.
    """
    delta = extend_closure(StoreClosure(store), new, rules)
    asserted_g = f"<{ASSERTED_GRAPH}>"
    lines = [
        " ".join(sparql_term(t) for t in statement_triple(st)) + f" {asserted_g} .\n" for st in delta.asserted
    ]
    lines.extend(extra_quads)
    lines.extend(inferred_nquads(delta.inferred.items()))
    stale = [*delta.promoted, *delta.improved]
    if stale:  # drop the inferred triple (promoted) or the old, longer proof (improved)
        for st in stale:
            node = URIRef(statement_node(st))
            store.update(f"DELETE WHERE {{ GRAPH ax:provenance {{ <{node}> ax:proofSteps ?j }} }}")
        promoted = "\n".join(
            " ".join(sparql_term(t) for t in statement_triple(st)) + " ." for st in delta.promoted
        )
        if promoted:
            store.update(f"DELETE DATA {{ GRAPH ax:inferred {{ {promoted} }} }}")
    if lines:
        store.add_nquads("".join(lines).encode("utf-8"))
    store.flush()
    return delta
