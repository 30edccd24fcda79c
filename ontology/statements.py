"""Statements: the reasoner-independent unit of the symbolic core.

A :class:`Statement` is a triple over knowledge ids (not IRIs). ``p == "type"``
states class membership; a literal object keeps its lexical form, datatype and
language. The provenance map ties each asserted statement to the rows stating it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from ontology.knowledge import Knowledge, Triple
from ontology.rdf import TYPE, literal_datatype


class Statement(NamedTuple):
    s: str
    p: str
    o: str
    literal: bool = False
    datatype: str | None = None
    lang: str | None = None

    def __str__(self) -> str:
        obj = repr(self.o) if self.literal else self.o
        return f"{self.s} {self.p} {obj}"


def from_triple(triple: Triple) -> Statement:
    """The statement of a knowledge triple."""
    if triple.o is not None:
        return Statement(triple.s, triple.p, triple.o)
    value = triple.value
    lexical = str(value).lower() if isinstance(value, bool) else str(value)
    datatype = literal_datatype(triple)
    if datatype == "decimal":
        lexical = canonical_decimal(lexical)
    return Statement(triple.s, triple.p, lexical, True, datatype, triple.lang)


def canonical_decimal(lexical: str) -> str:
    """XSD's canonical form of a decimal, as the reasoners write it: ``62`` -> ``62.0``,
    ``62.50`` -> ``62.5`` (so an asserted ``62`` and the reasoner's ``62.0`` are one statement)."""
    try:
        number = Decimal(lexical.strip())
    except InvalidOperation:
        return lexical
    if not number.is_finite():
        return lexical
    text = format(number.normalize(), "f")
    return text if "." in text else f"{text}.0"


def asserted_statements(knowledge: Knowledge) -> dict[Statement, tuple[str, ...]]:
    """Every asserted statement (declared types first) mapped to the row ids that state it."""
    provenance: dict[Statement, list[str]] = {}
    for row in knowledge.rows:
        if row.entity is not None:
            provenance.setdefault(Statement(row.entity.id, TYPE, row.entity.class_), []).append(row.id)
    for sourced in knowledge.triples():
        rows = provenance.setdefault(from_triple(sourced.triple), [])
        if sourced.row_id not in rows:
            rows.append(sourced.row_id)
    return {statement: tuple(rows) for statement, rows in provenance.items()}
