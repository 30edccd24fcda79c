"""Justifications: which asserted statements entail an inferred one (pure functions).

Reasoners say *what* follows, not *why*. This module computes the closure of the
asserted statements under the schema's rules (``subPropertyOf``, ``subClassOf``,
domain/range typing, transitivity, property chains) and keeps, for every derived
statement, a shortest proof: the asserted statements it rests on, in chain order
(``SolverX locatedIn SeochoDong``, ``SeochoDong partOf SeochoGu``, ``SeochoGu partOf Seoul``
for ``SolverX locatedIn Seoul``).

The search is Knuth's generalisation of Dijkstra to superior functions: statements are
finalised in order of proof size, so each finalised proof is minimal.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ontology.rdf import TYPE
from ontology.schema import CLASS_BY_NAME, PROPERTIES, PropertyDef
from ontology.statements import Statement

Proof = tuple[Statement, ...]


@dataclass(frozen=True)
class Rules:
    """The schema's entailment rules in a form the search can index."""

    super_properties: dict[str, tuple[str, ...]]  # p -> direct parents
    domains: dict[str, str]
    ranges: dict[str, str]  # object properties only
    chains: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)  # p1 -> ((p2, head), ...)
    chains_second: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)  # p2 -> ((p1, head),)
    flipped: dict[str, tuple[str, ...]] = field(default_factory=dict)  # p -> q with (s p o) => (o q s)

    @classmethod
    def from_schema(cls, properties: Iterable[PropertyDef] = PROPERTIES) -> Rules:
        supers: dict[str, list[str]] = defaultdict(list)
        domains: dict[str, str] = {}
        ranges: dict[str, str] = {}
        first: dict[str, list[tuple[str, str]]] = defaultdict(list)
        second: dict[str, list[tuple[str, str]]] = defaultdict(list)
        flipped: dict[str, list[str]] = defaultdict(list)
        for prop in properties:
            if prop.symmetric:
                flipped[prop.name].append(prop.name)
            if prop.inverse:
                flipped[prop.name].append(prop.inverse)
                flipped[prop.inverse].append(prop.name)
            if prop.parent:
                supers[prop.name].append(prop.parent)
            if prop.domain:
                domains[prop.name] = prop.domain
            if prop.kind == "object" and prop.range:
                ranges[prop.name] = prop.range
            pairs = list(prop.chains)
            if prop.transitive:
                pairs.append((prop.name, prop.name))
            for p1, p2 in pairs:
                first[p1].append((p2, prop.name))
                second[p2].append((p1, prop.name))
        return cls(
            super_properties={k: tuple(v) for k, v in supers.items()},
            domains=domains,
            ranges=ranges,
            chains={k: tuple(v) for k, v in first.items()},
            chains_second={k: tuple(v) for k, v in second.items()},
            flipped={k: tuple(dict.fromkeys(v)) for k, v in flipped.items()},
        )

    def unary(self, st: Statement) -> list[Statement]:
        """Statements following from ``st`` alone."""
        if st.p == TYPE:
            parent = CLASS_BY_NAME[st.o].parent if st.o in CLASS_BY_NAME else None
            return [Statement(st.s, TYPE, parent)] if parent else []
        out = [st._replace(p=parent) for parent in self.super_properties.get(st.p, ())]
        if st.p in self.domains:
            out.append(Statement(st.s, TYPE, self.domains[st.p]))
        if not st.literal and st.p in self.ranges:
            out.append(Statement(st.o, TYPE, self.ranges[st.p]))
        if not st.literal:
            out.extend(Statement(st.o, q, st.s) for q in self.flipped.get(st.p, ()))
        return out


def closure_with_proofs(asserted: Iterable[Statement], rules: Rules | None = None) -> dict[Statement, Proof]:
    """Every statement entailed by ``asserted`` (asserted ones included) with a shortest proof.

    An asserted statement's proof is itself; a derived one's is the asserted statements
    it rests on, in chain order.
    """
    rules = rules or Rules.from_schema()
    best: dict[Statement, Proof] = {}
    by_subject: dict[tuple[str, str], list[Statement]] = defaultdict(list)  # (p, s) -> finalised
    by_object: dict[tuple[str, str], list[Statement]] = defaultdict(list)  # (p, o) -> finalised
    heap: list[tuple[int, int, Statement, Proof]] = []
    counter = 0
    for st in asserted:
        heap.append((1, counter, st, (st,)))
        counter += 1
    heapq.heapify(heap)

    def push(st: Statement, proof: Proof) -> None:
        nonlocal counter
        if st not in best:
            heapq.heappush(heap, (len(proof), counter, st, proof))
            counter += 1

    while heap:
        _, _, st, proof = heapq.heappop(heap)
        if st in best:
            continue
        best[st] = proof
        for derived in rules.unary(st):
            push(derived, proof)
        if st.literal or st.p == TYPE:
            continue
        by_subject[(st.p, st.s)].append(st)
        by_object[(st.p, st.o)].append(st)
        for p2, head in rules.chains.get(st.p, ()):
            for right in by_subject.get((p2, st.o), ()):
                push(Statement(st.s, head, right.o), _join(proof, best[right]))
        for p1, head in rules.chains_second.get(st.p, ()):
            for left in by_object.get((p1, st.s), ()):
                push(Statement(left.s, head, st.o), _join(best[left], proof))
    return best


def _join(left: Proof, right: Proof) -> Proof:
    """Concatenate two proofs, dropping repeated steps (a step may serve both halves)."""
    seen = set(left)
    return left + tuple(step for step in right if step not in seen)


def inferred_proofs(asserted: Iterable[Statement], rules: Rules | None = None) -> dict[Statement, Proof]:
    """Only the statements that are entailed but not asserted, each with its proof."""
    facts = list(asserted)
    given = set(facts)
    return {st: proof for st, proof in closure_with_proofs(facts, rules).items() if st not in given}


def unproven(inferred: Iterable[Statement], proofs: dict[Statement, Proof]) -> list[Statement]:
    """Reasoner-inferred statements for which no proof was found (each one is a bug)."""
    return [st for st in inferred if st not in proofs]
