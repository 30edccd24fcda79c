"""From knowledge to a reasoned closure with proofs (the symbolic core's one entry point).

``materialize`` builds the ontology, runs a reasoner, and pairs every statement the
reasoner inferred with the proof found by :mod:`ontology.justify`. A reasoner-inferred
statement without a proof means the justification rules and the ontology disagree;
that is a bug and raises.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph

from ontology.errors import ReasonerError
from ontology.justify import Proof, inferred_proofs, unproven
from ontology.knowledge import Knowledge
from ontology.owl import abox_graph, merge, schema_graph
from ontology.reasoning import reason
from ontology.statements import Statement, asserted_statements


@dataclass(frozen=True)
class Closure:
    """Asserted statements (with their rows) and inferred ones (with their proofs)."""

    engine: str
    asserted: dict[Statement, tuple[str, ...]]
    inferred: dict[Statement, Proof]
    reason_seconds: float
    unconfirmed: tuple[Statement, ...] = ()  # derivable by the rules, not inferred by the reasoner


def ontology_graph(knowledge: Knowledge, unique_names: bool = True) -> Graph:
    """Schema + individuals + asserted statements: the graph handed to a reasoner."""
    return merge(schema_graph(), abox_graph(knowledge, asserted_statements(knowledge), unique_names))


def materialize(knowledge: Knowledge, engine: str = "auto", unique_names: bool = True) -> Closure:
    """Reason over ``knowledge`` and return the inferred statements with their proofs."""
    asserted = asserted_statements(knowledge)
    onto = merge(schema_graph(), abox_graph(knowledge, asserted, unique_names))
    result = reason(onto, knowledge.entities, engine)
    inferred = result.statements - asserted.keys()
    proofs = inferred_proofs(asserted)
    missing = unproven(inferred, proofs)
    if missing:
        raise ReasonerError(
            f"{result.engine} inferred {len(missing)} statement(s) with no proof, e.g. '{sorted(missing)[0]}'"
        )
    ordered = {st: proof for st, proof in proofs.items() if st in inferred}
    unconfirmed = tuple(st for st in proofs if st not in inferred)
    return Closure(result.engine, asserted, ordered, result.seconds, unconfirmed)
