"""Run a reasoner over the ontology and keep the meaningful inferred statements.

Two engines: HermiT through owlready2 (needs Java) and owlrl's OWL 2 RL closure
(pure Python). Both return the same :class:`ReasonerResult`: the statements over our
individuals and vocabulary that hold in the closure (no ``owl:Thing``, no
``sameAs``-self, no RDFS axioms), with class membership closed under the schema's
class hierarchy so that the two engines are comparable.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal as TypingLiteral

from rdflib import RDF, Graph, Literal, URIRef

from ontology.errors import InconsistentOntologyError, ReasonerError
from ontology.rdf import TYPE, datatype_name, local_name
from ontology.schema import (
    CLASS_BY_NAME,
    DATA_PROPERTIES,
    OBJECT_PROPERTIES,
    class_ancestors,
    property_ancestors,
)
from ontology.statements import Statement

Engine = TypingLiteral["auto", "hermit", "owlrl"]
ENGINES: tuple[str, ...] = ("auto", "hermit", "owlrl")
_ERROR_NS = "http://www.daml.org/2002/03/agents/agent-ont#"


@dataclass(frozen=True)
class ReasonerResult:
    engine: str  # the engine that ran: "hermit" or "owlrl"
    statements: frozenset[Statement]  # everything that holds (asserted and inferred)
    seconds: float


def java_available() -> bool:
    return shutil.which("java") is not None


def resolve_engine(engine: str) -> str:
    """``auto`` is HermiT when Java is on the PATH, else owlrl."""
    if engine not in ENGINES:
        raise ReasonerError(f"unknown reasoner '{engine}' (choose one of {', '.join(ENGINES)})")
    if engine == "auto":
        return "hermit" if java_available() else "owlrl"
    if engine == "hermit" and not java_available():
        raise ReasonerError(
            "the HermiT reasoner needs Java, and 'java' is not on the PATH (use --engine owlrl)"
        )
    return engine


def reason(ontology: Graph, individuals: Iterable[str], engine: str = "auto") -> ReasonerResult:
    """Classify ``ontology`` and return what holds about ``individuals``.

    Raises :class:`InconsistentOntologyError` when the ontology has no model.
    """
    resolved = resolve_engine(engine)
    names = frozenset(individuals)
    start = time.perf_counter()
    closed = run_hermit(ontology) if resolved == "hermit" else run_owlrl(ontology)
    statements = meaningful_statements(closed, names)
    return ReasonerResult(resolved, statements, time.perf_counter() - start)


def run_owlrl(ontology: Graph) -> Graph:
    """The OWL 2 RL closure of a copy of ``ontology``."""
    import owlrl

    graph = Graph()
    for triple in ontology:
        graph.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(
        graph
    )
    errors = [str(o) for o in graph.objects(None, URIRef(_ERROR_NS + "error"))]
    if errors:
        raise InconsistentOntologyError(f"the ontology is inconsistent (owlrl): {sorted(errors)[0]}")
    return graph


def run_hermit(ontology: Graph) -> Graph:
    """HermiT (via owlready2, in a private World) with property values; the world as rdflib."""
    import owlready2

    with tempfile.TemporaryDirectory(prefix="axlab-hermit-") as tmp:
        path = os.path.join(tmp, "ontology.nt")
        ontology.serialize(destination=path, format="nt", encoding="utf-8")
        world = owlready2.World()
        try:
            onto = world.get_ontology(f"file://{path}").load(format="ntriples")
            with contextlib.redirect_stderr(io.StringIO()), onto:
                owlready2.sync_reasoner_hermit(
                    world, infer_property_values=True, debug=0, ignore_unsupported_datatypes=True
                )
        except owlready2.OwlReadyInconsistentOntologyError:
            raise InconsistentOntologyError("the ontology is inconsistent (HermiT found no model)") from None
        except owlready2.OwlReadyJavaError as exc:
            first = next((line for line in str(exc).splitlines()[1:] if line.strip()), str(exc))
            raise ReasonerError(f"HermiT failed: {first.strip()}") from None
        graph = Graph()
        for triple in world.as_rdflib_graph():
            graph.add(triple)
        world.close()
    return graph


def meaningful_statements(graph: Graph, individuals: frozenset[str]) -> frozenset[Statement]:
    """Statements about our individuals in our vocabulary, closed upwards over the schema hierarchies.

    HermiT reports only the most specific classes and properties (its ``-Y`` output omits a
    ``hasOffice`` pair already listed under ``headquarters``); closing both engines' output
    under ``subClassOf``/``subPropertyOf`` makes them comparable.
    """
    out: set[Statement] = set()
    for s, p, o in graph:
        subject = local_name(s)
        if subject is None or subject not in individuals:
            continue
        if p == RDF.type:
            cls = local_name(o)
            if cls in CLASS_BY_NAME:
                out.update(Statement(subject, TYPE, name) for name in class_ancestors(cls))
            continue
        prop = local_name(p)
        if prop in OBJECT_PROPERTIES:
            obj = local_name(o)
            if obj is not None and obj in individuals:
                out.update(Statement(subject, name, obj) for name in property_ancestors(prop))
        elif prop in DATA_PROPERTIES and isinstance(o, Literal):
            dt, lang = datatype_name(o.datatype), o.language
            out.update(Statement(subject, name, str(o), True, dt, lang) for name in property_ancestors(prop))
    return frozenset(out)
