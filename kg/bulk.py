"""Bulk loading into a store: RDF files, the knowledge file, and new knowledge rows.

* :func:`load_rdf_file` streams an N-Triples/N-Quads file in line-aligned chunks into the store
  (Oxigraph's bulk loader when the back-end is Oxigraph), reporting progress per chunk; Turtle,
  TriG and RDF/XML go through in one call (Oxigraph's ``bulk_load(path=...)``). RDF has set
  semantics, so re-running a load after a crash adds each triple once: the count is the same.
* :func:`load_knowledge_into` writes what :class:`kg.graph.KnowledgeGraph` holds (schema,
  individuals, provenance, the reasoner's closure with proofs) into a store.
* :func:`read_rows` / :func:`rows_update` turn a JSONL file of new rows (knowledge schema,
  ``data/SCHEMA.md``) into statements and quads for :func:`kg.incremental.add_statements`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import RDF, RDFS, SKOS, Literal, URIRef
from rdflib.namespace import OWL

from kg.backends import TripleStore, sparql_term
from kg.errors import KGError
from ontology.knowledge import Entity, Row, parse_rows
from ontology.owl import provenance_graph, schema_graph, statement_triple
from ontology.rdf import ASSERTED_GRAPH, SCHEMA_GRAPH, TYPE, iri
from ontology.schema import CLASS_BY_NAME, DATATYPES, PROPERTY_BY_NAME
from ontology.statements import Statement, from_triple

CHUNK_BYTES = 8 << 20
LINE_FORMATS = {".nt": "nt", ".ntriples": "nt", ".nq": "nq", ".nquads": "nq"}
WHOLE_FORMATS = {".ttl": "turtle", ".turtle": "turtle", ".trig": "trig", ".rdf": "xml", ".owl": "xml"}
Progress = Callable[[int, int], None]  # (bytes read so far, triples sent so far)


@dataclass(frozen=True)
class LoadReport:
    path: str
    format: str
    triples_sent: int
    bytes: int
    seconds: float
    store_triples: int


def rdf_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in LINE_FORMATS:
        return LINE_FORMATS[suffix]
    if suffix in WHOLE_FORMATS:
        return WHOLE_FORMATS[suffix]
    raise KGError(f"{path}: unknown RDF format '{suffix}' (use .nt, .nq, .ttl, .trig or .rdf)")


def line_chunks(path: Path, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    """The file in chunks that end on a line boundary (N-Triples/N-Quads are line-based)."""
    with path.open("rb") as handle:
        rest = b""
        while True:
            block = handle.read(chunk_bytes)
            if not block:
                if rest.strip():
                    yield rest
                return
            block = rest + block
            cut = block.rfind(b"\n")
            if cut < 0:
                rest = block
                continue
            yield block[: cut + 1]
            rest = block[cut + 1 :]


def _count_statements(chunk: bytes) -> int:
    return sum(1 for line in chunk.splitlines() if line.strip() and not line.lstrip().startswith(b"#"))


def load_rdf_file(
    store: TripleStore,
    path: Path | str,
    graph: URIRef = ASSERTED_GRAPH,
    progress: Progress | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> LoadReport:
    """Load an RDF file into ``graph`` (N-Quads keep their own graphs); see the module docstring."""
    file = Path(path)
    if not file.is_file():
        raise KGError(f"{file}: no such file")
    fmt = rdf_format(file)
    start = time.perf_counter()
    sent = done = 0
    if fmt in ("nt", "nq"):
        for chunk in line_chunks(file, chunk_bytes):
            if fmt == "nt":
                store.add_ntriples(chunk, graph, bulk=True)
            else:
                store.add_nquads(chunk, bulk=True)
            sent += _count_statements(chunk)
            done += len(chunk)
            if progress:
                progress(done, sent)
    elif store.kind == "oxigraph":
        from pyoxigraph import NamedNode, RdfFormat

        formats = {"turtle": RdfFormat.TURTLE, "trig": RdfFormat.TRIG, "xml": RdfFormat.RDF_XML}
        try:
            store.oxigraph.bulk_load(
                path=str(file),
                format=formats[fmt],
                to_graph=None if fmt == "trig" else NamedNode(str(graph)),
            )
        except (SyntaxError, ValueError, OSError) as exc:
            raise KGError(f"{file}: {' '.join(str(exc).split())[:300]}") from None
        done = file.stat().st_size
        if progress:
            progress(done, 0)
    else:
        from rdflib import Dataset, Graph

        parsed: Graph | Dataset = Dataset() if fmt == "trig" else Graph()
        try:
            parsed.parse(file, format=fmt)
        except Exception as exc:
            raise KGError(f"{file}: {' '.join(str(exc).split())[:300]}") from None
        data = parsed.serialize(format="nquads" if fmt == "trig" else "nt", encoding="utf-8")
        if fmt == "trig":
            store.add_nquads(data)
        else:
            store.add_ntriples(data, graph)
        sent, done = len(parsed), file.stat().st_size
        if progress:
            progress(done, sent)
    store.flush()
    return LoadReport(str(file), fmt, sent, done, time.perf_counter() - start, store.count())


def load_schema_into(store: TripleStore) -> None:
    """The TBox into ``ax:schema`` (a set: loading it twice changes nothing)."""
    store.add_quads((s, p, o, SCHEMA_GRAPH) for s, p, o in schema_graph())


def load_knowledge_into(
    store: TripleStore, knowledge_path: Path | str | None = None, engine: str = "auto", cache: bool = True
) -> int:
    """Everything :class:`~kg.graph.KnowledgeGraph` holds for the knowledge file, into ``store``."""
    from kg.graph import KnowledgeGraph

    graph = KnowledgeGraph.load(knowledge_path, engine=engine, cache=cache)
    data = graph.dataset.serialize(format="nquads", encoding="utf-8")
    store.add_nquads(data)
    store.flush()
    return len(graph)


# --- new rows (axlab kg add) ---------------------------------------------------------------------


@dataclass(frozen=True)
class RowUpdate:
    """New rows as statements (declared types and triples) and the quads that come with them."""

    rows: int
    statements: dict[Statement, tuple[str, ...]]  # asserted statement -> its row ids
    entities: dict[str, Entity]
    quads: list[str]  # N-Quads lines: individuals, labels, aliases, provenance


def read_rows(path: Path | str) -> list[tuple[int, Row]]:
    """Validated rows of a JSONL file (``file:line: reason`` on the first problem)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KGError(f"{file}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    rows = parse_rows(file, text)
    if not rows:
        raise KGError(f"{file}: no rows")
    return rows


def rows_update(path: Path | str, known: Mapping[str, Entity]) -> RowUpdate:
    """Check new rows against the schema and the store's entities; statements and quads to add."""
    file = Path(path)
    rows = read_rows(file)
    entities: dict[str, Entity] = {}
    for line, row in rows:
        if row.entity is None:
            continue
        if row.entity.id in known or row.entity.id in entities:
            raise KGError(f"{file}:{line}: entity '{row.entity.id}' already exists")
        if row.entity.class_ not in CLASS_BY_NAME:
            raise KGError(f"{file}:{line}: unknown class '{row.entity.class_}'")
        entities[row.entity.id] = row.entity
    statements: dict[Statement, list[str]] = {}
    for line, row in rows:
        if row.entity is not None:
            statements.setdefault(Statement(row.entity.id, TYPE, row.entity.class_), []).append(row.id)
        for triple in row.triples:
            prop = PROPERTY_BY_NAME.get(triple.p)
            if prop is None:
                raise KGError(f"{file}:{line}: unknown predicate '{triple.p}'")
            for name in (triple.s, triple.o):
                if name is not None and name not in known and name not in entities:
                    raise KGError(f"{file}:{line}: '{name}' is not a known or newly declared entity")
            if (prop.kind == "object") != (triple.o is not None):
                raise KGError(
                    f"{file}:{line}: '{triple.p}' takes {'an entity' if prop.kind == 'object' else 'a literal'}"
                )
            if triple.datatype is not None and triple.datatype not in DATATYPES:
                raise KGError(f"{file}:{line}: unknown datatype '{triple.datatype}'")
            ids = statements.setdefault(from_triple(triple), [])
            if row.id not in ids:
                ids.append(row.id)
    asserted_g = f" <{ASSERTED_GRAPH}> .\n"
    quads: list[str] = []
    for entity in entities.values():
        node = sparql_term(iri(entity.id))
        quads.append(f"{node} {sparql_term(RDF.type)} {sparql_term(OWL.NamedIndividual)}{asserted_g}")
        for lang in ("en", "ko"):
            label = Literal(getattr(entity.label, lang), lang=lang)
            quads.append(f"{node} {sparql_term(RDFS.label)} {label.n3()}{asserted_g}")
            for alias in getattr(entity.aliases, lang):
                quads.append(
                    f"{node} {sparql_term(SKOS.altLabel)} {Literal(alias, lang=lang).n3()}{asserted_g}"
                )
    provenance = {st: tuple(ids) for st, ids in statements.items()}
    lines = {row.id: line for line, row in rows}
    from ontology.rdf import PROVENANCE_GRAPH

    for s, p, o in provenance_graph(provenance, lines):
        quads.append(f"{sparql_term(s)} {sparql_term(p)} {sparql_term(o)} <{PROVENANCE_GRAPH}> .\n")
    return RowUpdate(len(rows), provenance, entities, quads)


# --- synthetic / raw rows to N-Triples (fast, unvalidated) -----------------------------------------


def _literal_nt(value: Any, datatype: str | None, lang: str | None) -> str:
    lexical = str(value).lower() if isinstance(value, bool) else str(value)
    if lang:
        return Literal(lexical, lang=lang).n3()
    if datatype is None:
        datatype = (
            "boolean"
            if isinstance(value, bool)
            else "integer"
            if isinstance(value, int)
            else "decimal"
            if isinstance(value, float)
            else "string"
        )
    from ontology.rdf import xsd

    return Literal(lexical, datatype=xsd(datatype)).n3()


def rows_ntriples(rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """N-Triples of raw knowledge rows (what ``abox_graph`` holds, minus ``owl:AllDifferent``)."""
    type_p, named = sparql_term(RDF.type), sparql_term(OWL.NamedIndividual)
    label_p, alias_p = sparql_term(RDFS.label), sparql_term(SKOS.altLabel)
    for row in rows:
        entity = row.get("entity")
        if entity:
            node = f"<{iri(entity['id'])}>"
            yield f"{node} {type_p} {named} .\n"
            yield f"{node} {type_p} <{iri(entity['class'])}> .\n"
            for lang in ("en", "ko"):
                yield f"{node} {label_p} {Literal(entity['label'][lang], lang=lang).n3()} .\n"
                for alias in entity.get("aliases", {}).get(lang, ()):
                    yield f"{node} {alias_p} {Literal(alias, lang=lang).n3()} .\n"
        for triple in row.get("triples", ()):
            subject, predicate = f"<{iri(triple['s'])}>", f"<{iri(triple['p'])}>"
            if triple.get("o") is not None:
                yield f"{subject} {predicate} <{iri(triple['o'])}> .\n"
            else:
                obj = _literal_nt(triple["value"], triple.get("datatype"), triple.get("lang"))
                yield f"{subject} {predicate} {obj} .\n"


def statement_nquad(st: Statement, graph: URIRef) -> str:
    return " ".join(sparql_term(t) for t in statement_triple(st)) + f" <{graph}> .\n"
