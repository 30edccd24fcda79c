"""Load and validate a knowledge's facts file (``knowledge.jsonl``; schema: ``data/SCHEMA.md``).

Loading is all-or-nothing: :func:`load_knowledge` either returns a fully validated
:class:`Knowledge` or raises :class:`KnowledgeFileError` whose message starts with
``file:line:``. Nothing here touches RDF; the OWL builder consumes the result.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ontology.errors import KnowledgeFileError
from ontology.jsonl import json_lines, read_text
from ontology.paths import default_knowledge_path, ontology_path
from ontology.schema import CLASS_BY_NAME, DATATYPES, PROPERTIES, PROPERTY_BY_NAME, VOCABULARY

Lang = Literal["en", "ko"]
LANGS: tuple[Lang, ...] = ("en", "ko")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bilingual(_Strict):
    en: str = Field(min_length=1)
    ko: str = Field(min_length=1)


class Aliases(_Strict):
    en: tuple[str, ...] = ()
    ko: tuple[str, ...] = ()


class Entity(_Strict):
    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    class_: str = Field(alias="class")
    label: Bilingual
    aliases: Aliases = Aliases()

    def names(self, lang: Lang | None = None) -> list[str]:
        """Label and aliases, in one language or both."""
        langs: tuple[Lang, ...] = (lang,) if lang else LANGS
        out: list[str] = []
        for code in langs:
            out.append(getattr(self.label, code))
            out.extend(getattr(self.aliases, code))
        return out


class Triple(_Strict):
    """``o`` names an entity (object property); ``value`` is a literal (data property)."""

    s: str
    p: str
    o: str | None = None
    value: str | int | float | bool | None = None
    datatype: str | None = None
    lang: Lang | None = None

    @model_validator(mode="after")
    def _one_object(self) -> Triple:
        if (self.o is None) == (self.value is None):
            raise ValueError("a triple needs exactly one of 'o' (an entity) or 'value' (a literal)")
        if self.o is not None and (self.datatype or self.lang):
            raise ValueError("'datatype' and 'lang' only apply to a literal 'value'")
        return self

    @property
    def is_literal(self) -> bool:
        return self.value is not None


class Row(_Strict):
    id: str = Field(min_length=1)
    kind: Literal["entity", "fact", "gazetteer"]
    entity: Entity | None = None
    text: Bilingual | None = None
    triples: tuple[Triple, ...] = ()
    address: Bilingual | None = None
    source: str = "seed"

    @model_validator(mode="after")
    def _kind_fields(self) -> Row:
        if self.kind in ("entity", "gazetteer") and self.entity is None:
            raise ValueError(f"a '{self.kind}' row needs an 'entity'")
        if self.kind in ("fact", "gazetteer") and self.text is None:
            raise ValueError(f"a '{self.kind}' row needs 'text' in en and ko")
        if self.kind == "fact" and not self.triples:
            raise ValueError("a 'fact' row needs at least one triple")
        return self


@dataclass(frozen=True)
class SourcedTriple:
    """A triple with the row and line it came from (its provenance)."""

    triple: Triple
    row_id: str
    line: int


@dataclass(frozen=True)
class Knowledge:
    path: Path
    rows: tuple[Row, ...]
    lines: dict[str, int]  # row id -> line number
    entities: dict[str, Entity]

    def facts(self) -> Iterator[Row]:
        return (r for r in self.rows if r.kind == "fact")

    def triples(self) -> Iterator[SourcedTriple]:
        for row in self.rows:
            for triple in row.triples:
                yield SourcedTriple(triple, row.id, self.lines[row.id])

    def label(self, entity_id: str, lang: Lang = "en") -> str:
        entity = self.entities.get(entity_id)
        return getattr(entity.label, lang) if entity else entity_id

    def row(self, row_id: str) -> Row:
        return self.rows[[r.id for r in self.rows].index(row_id)]


def parse_rows(path: Path, text: str) -> list[tuple[int, Row]]:
    """Validated ``(line, row)`` pairs of JSONL ``text``; ``file:line: reason`` on the first problem."""
    rows: list[tuple[int, Row]] = []
    for number, obj in json_lines(path, text, KnowledgeFileError):
        if not isinstance(obj, dict):
            raise KnowledgeFileError(
                f"{path}:{number}: a row must be a JSON object, got {type(obj).__name__}"
            )
        try:
            rows.append((number, Row.model_validate(obj)))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "row"
            raise KnowledgeFileError(f"{path}:{number}: {where}: {first['msg']}") from None
    return rows


def _check_references(path: Path, rows: list[tuple[int, Row]]) -> dict[str, Entity]:
    seen_ids: dict[str, int] = {}
    entities: dict[str, Entity] = {}
    for line, row in rows:
        if row.id in seen_ids:
            raise KnowledgeFileError(
                f"{path}:{line}: duplicate row id '{row.id}' (first on line {seen_ids[row.id]})"
            )
        seen_ids[row.id] = line
        if row.entity is not None:
            if row.entity.id in entities:
                raise KnowledgeFileError(f"{path}:{line}: entity '{row.entity.id}' is declared twice")
            if row.entity.class_ not in CLASS_BY_NAME:
                raise KnowledgeFileError(f"{path}:{line}: unknown class '{row.entity.class_}'")
            entities[row.entity.id] = row.entity
    for line, row in rows:
        for triple in row.triples:
            _check_triple(path, line, triple, entities)
    return entities


def _check_triple(path: Path, line: int, triple: Triple, entities: dict[str, Entity]) -> None:
    prop = PROPERTY_BY_NAME.get(triple.p)
    if prop is None:
        raise KnowledgeFileError(f"{path}:{line}: unknown predicate '{triple.p}'")
    if triple.s not in entities:
        raise KnowledgeFileError(f"{path}:{line}: subject '{triple.s}' is not a declared entity")
    if prop.kind == "object":
        if triple.o is None:
            raise KnowledgeFileError(f"{path}:{line}: '{triple.p}' links two entities: use 'o', not 'value'")
        if triple.o not in entities:
            raise KnowledgeFileError(f"{path}:{line}: object '{triple.o}' is not a declared entity")
    else:
        if triple.value is None:
            raise KnowledgeFileError(f"{path}:{line}: '{triple.p}' takes a literal: use 'value', not 'o'")
        if triple.datatype is not None and triple.datatype not in DATATYPES:
            raise KnowledgeFileError(f"{path}:{line}: unknown datatype '{triple.datatype}'")


def _check_transitive_acyclic(path: Path, rows: list[tuple[int, Row]]) -> None:
    """A transitive hierarchy (``partOf``) must not loop: the reasoner would make a place part of itself."""
    for prop in (p for p in PROPERTIES if p.transitive and not p.symmetric):
        graph: nx.DiGraph = nx.DiGraph()
        for line, row in rows:
            for triple in row.triples:
                if triple.p == prop.name and triple.o is not None:
                    graph.add_edge(triple.s, triple.o, line=line)
        try:
            cycle = nx.find_cycle(graph)
        except nx.NetworkXNoCycle:
            continue
        first_line = min(graph.edges[u, v]["line"] for u, v, *_ in cycle)
        loop = " -> ".join([str(cycle[0][0]), *(str(edge[1]) for edge in cycle)])
        raise KnowledgeFileError(f"{path}:{first_line}: '{prop.name}' forms a cycle: {loop}")


def _check_same_ontology(file_path: Path) -> None:
    """The facts must be read with their own ontology, which is the one this process loaded."""
    if not file_path.parent.is_dir():
        return
    theirs = ontology_path(file_path)
    if theirs.resolve() != VOCABULARY.path.resolve() and theirs.read_bytes() != VOCABULARY.path.read_bytes():
        raise KnowledgeFileError(
            f"{file_path}: its ontology is {theirs}, but this process runs {VOCABULARY.path}; "
            "select the knowledge with --knowledge (or AXLAB_KNOWLEDGE)"
        )


def load_knowledge(path: Path | str | None = None) -> Knowledge:
    """Parse and validate a knowledge file; raise on the first problem, load nothing partial."""
    file_path = Path(path) if path is not None else default_knowledge_path()
    if file_path.is_dir():
        file_path = file_path / "knowledge.jsonl"
    _check_same_ontology(file_path)
    text = read_text(file_path, KnowledgeFileError, "knowledge")
    rows = parse_rows(file_path, text)
    if not rows:
        raise KnowledgeFileError(f"{file_path}:1: the knowledge file is empty")
    entities = _check_references(file_path, rows)
    _check_transitive_acyclic(file_path, rows)
    return Knowledge(
        path=file_path,
        rows=tuple(row for _, row in rows),
        lines={row.id: line for line, row in rows},
        entities=entities,
    )
