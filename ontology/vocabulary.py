"""Read a knowledge's vocabulary (classes, properties, labels) from its OWL 2 ontology file.

The ontology is a standard Turtle (or RDF/XML) file, as a user would write it in Protégé:
``owl:Class`` with ``rdfs:subClassOf``; ``owl:ObjectProperty`` / ``owl:DatatypeProperty`` with
``rdfs:domain``, ``rdfs:range``, ``rdfs:subPropertyOf``, ``owl:TransitiveProperty``,
``owl:SymmetricProperty``, ``owl:FunctionalProperty``, ``owl:inverseOf`` and
``owl:propertyChainAxiom``; ``rdfs:label`` and ``skos:altLabel`` in English and Korean,
``rdfs:comment``. AX Lab's one optional annotation, ``axv:phrase``, is the verb phrase that
verbalises ``SUBJECT <phrase> OBJECT`` (it defaults to the label).

:func:`load_vocabulary` is pure apart from reading the file; every problem is one
:class:`~ontology.errors.OntologyFileError` line naming the file and the line or term.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import networkx as nx
from rdflib import RDF, RDFS, SKOS, XSD, Graph, Namespace, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.collection import Collection
from rdflib.namespace import OWL

from ontology.errors import OntologyFileError
from ontology.jsonl import read_text

AXV = Namespace("https://axlab.dev/vocab#")
PHRASE = AXV.phrase
GENERAL = AXV.generalKnowledge
SENTENCE = AXV.sentence
QUESTION = AXV.question
UNIT = AXV.unitProperty

#: XSD datatypes a data property's range may name, by AX Lab's short name.
XSD_NAMES: dict[URIRef, str] = {
    XSD.string: "string",
    RDF.PlainLiteral: "string",
    RDF.langString: "string",
    RDFS.Literal: "string",
    XSD.normalizedString: "string",
    XSD.anyURI: "string",
    XSD.integer: "integer",
    XSD.int: "integer",
    XSD.long: "integer",
    XSD.nonNegativeInteger: "integer",
    XSD.positiveInteger: "integer",
    XSD.decimal: "decimal",
    XSD.double: "decimal",
    XSD.float: "decimal",
    XSD.boolean: "boolean",
    XSD.gYear: "gYear",
    XSD.date: "date",
    XSD.dateTime: "date",
}
DATATYPES = frozenset({"string", "integer", "decimal", "boolean", "gYear", "date"})


@dataclass(frozen=True)
class ClassDef:
    name: str
    parent: str | None
    label_en: str
    label_ko: str
    alt_en: tuple[str, ...] = ()
    alt_ko: tuple[str, ...] = ()
    comment_en: str = ""
    comment_ko: str = ""
    general: bool = False  # axv:generalKnowledge: its individuals belong to general knowledge too


@dataclass(frozen=True)
class PropertyDef:
    """A property; ``phrase_*`` verbalise ``subject <phrase> object``."""

    name: str
    kind: Literal["object", "data"]
    domain: str | None
    range: str | None  # a class for object properties, a datatype short name for data properties
    label_en: str
    label_ko: str
    phrase_en: str
    phrase_ko: str
    transitive: bool = False
    functional: bool = False
    parent: str | None = None  # rdfs:subPropertyOf
    chains: tuple[tuple[str, str], ...] = field(default=())  # owl:propertyChainAxiom (p1 o p2 -> self)
    symmetric: bool = False
    inverse: str | None = None  # owl:inverseOf (either direction)
    alt_en: tuple[str, ...] = ()
    alt_ko: tuple[str, ...] = ()
    comment_en: str = ""
    comment_ko: str = ""
    sentence_en: str = ""  # axv:sentence: a whole template ("{s} is located in {o}.")
    sentence_ko: str = ""
    unit: str | None = None  # axv:unitProperty: the property holding this number's unit (currency)
    questions_en: tuple[str, ...] = ()  # axv:question: how people ask for it ({s}, {o} slots)
    questions_ko: tuple[str, ...] = ()

    def labels(self, lang: str) -> tuple[str, ...]:
        """The label and the altLabels in one language."""
        if lang == "ko":
            return (self.label_ko, *self.alt_ko)
        return (self.label_en, *self.alt_en)


@dataclass(frozen=True)
class Vocabulary:
    """One knowledge's classes and properties, read from its ontology file."""

    path: Path
    namespace: str
    prefixes: tuple[tuple[str, str], ...]  # declared in the file (prefix, namespace)
    title_en: str
    title_ko: str
    classes: tuple[ClassDef, ...]
    properties: tuple[PropertyDef, ...]


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _split(term: URIRef) -> tuple[str, str]:
    text = str(term)
    cut = max(text.rfind("#"), text.rfind("/"))
    return text[: cut + 1], text[cut + 1 :]


def _texts(graph: Graph, node: URIRef, predicate: URIRef, lang: str) -> list[str]:
    out: list[str] = []
    for value in graph.objects(node, predicate):
        if isinstance(value, RdfLiteral) and (value.language or "") == lang:
            out.append(" ".join(str(value).split()))
    untagged = [
        str(v) for v in graph.objects(node, predicate) if isinstance(v, RdfLiteral) and not v.language
    ]
    return sorted(out) if out else (sorted(untagged) if lang == "en" else [])


def _parse(path: Path) -> Graph:
    text = read_text(path, OntologyFileError, "ontology")
    fmt = "xml" if path.suffix.lower() in (".owl", ".rdf", ".xml") else "turtle"
    graph = Graph()
    try:
        graph.parse(data=text, format=fmt, publicID=path.resolve().as_uri())
    except Exception as exc:  # rdflib raises many types; each becomes one line
        message = " ".join(str(exc).split())
        line = re.search(r"line (\d+)", message)
        where = f"{path}:{line.group(1)}" if line else str(path)
        raise OntologyFileError(f"{where}: the ontology does not parse: {message[:200]}") from None
    return graph


def _namespace(graph: Graph, path: Path, terms: Iterable[URIRef]) -> str:
    spaces: dict[str, int] = {}
    for term in terms:
        space, _ = _split(term)
        spaces[space] = spaces.get(space, 0) + 1
    if not spaces:
        raise OntologyFileError(f"{path}: the ontology declares no owl:Class and no property")
    return max(spaces.items(), key=lambda item: (item[1], item[0]))[0]


def _local(term: object, namespace: str, path: Path, what: str) -> str:
    if not isinstance(term, URIRef) or not str(term).startswith(namespace):
        raise OntologyFileError(f"{path}: {what} <{term}> is outside the ontology's namespace {namespace}")
    name = str(term)[len(namespace) :]
    if not _NAME.match(name):
        raise OntologyFileError(f"{path}: {what} <{term}> has no usable local name")
    return name


def _label(graph: Graph, node: URIRef, lang: str, fallback: str) -> str:
    found = _texts(graph, node, RDFS.label, lang) or _texts(graph, node, SKOS.prefLabel, lang)
    return found[0] if found else fallback


def _humanise(name: str) -> str:
    """``foundedIn`` -> ``founded in`` (a label for a term that has none)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").lower()


def _classes(graph: Graph, namespace: str, path: Path) -> tuple[ClassDef, ...]:
    nodes = {c for c in graph.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    nodes |= {c for c in graph.subjects(RDF.type, RDFS.Class) if isinstance(c, URIRef)}
    nodes = {c for c in nodes if str(c).startswith(namespace)}
    out: list[ClassDef] = []
    for node in sorted(nodes):
        name = _local(node, namespace, path, "class")
        parents = sorted(
            _local(p, namespace, path, f"superclass of {name}")
            for p in graph.objects(node, RDFS.subClassOf)
            if isinstance(p, URIRef) and p != OWL.Thing and str(p).startswith(namespace)
        )
        out.append(
            ClassDef(
                name=name,
                parent=parents[0] if parents else None,
                label_en=_label(graph, node, "en", _humanise(name)),
                label_ko=_label(graph, node, "ko", _label(graph, node, "en", _humanise(name))),
                alt_en=tuple(_texts(graph, node, SKOS.altLabel, "en")),
                alt_ko=tuple(_texts(graph, node, SKOS.altLabel, "ko")),
                comment_en=" ".join(_texts(graph, node, RDFS.comment, "en")),
                comment_ko=" ".join(_texts(graph, node, RDFS.comment, "ko")),
                general=any(
                    v.toPython() is True for v in graph.objects(node, GENERAL) if isinstance(v, RdfLiteral)
                ),
            )
        )
    known = {c.name for c in out}
    for cls in out:
        if cls.parent and cls.parent not in known:
            raise OntologyFileError(f"{path}: class '{cls.name}' has an undeclared superclass '{cls.parent}'")
    return tuple(out)


def _chains(graph: Graph, node: URIRef, name: str, namespace: str, path: Path) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for head in graph.objects(node, OWL.propertyChainAxiom):
        members = [_local(m, namespace, path, f"chain member of {name}") for m in Collection(graph, head)]
        if len(members) != 2:
            raise OntologyFileError(
                f"{path}: property chain of '{name}' has {len(members)} members; AX Lab supports chains of two"
            )
        out.append((members[0], members[1]))
    return tuple(sorted(out))


def _range(graph: Graph, node: URIRef, name: str, is_object: bool, namespace: str, path: Path) -> str | None:
    ranges = [r for r in graph.objects(node, RDFS.range) if isinstance(r, URIRef)]
    if not ranges:
        return None if is_object else "string"
    if is_object:
        return _local(sorted(ranges)[0], namespace, path, f"range of {name}")
    for value in sorted(ranges):
        if value in XSD_NAMES:
            return XSD_NAMES[value]
    raise OntologyFileError(f"{path}: data property '{name}' has an unsupported range <{ranges[0]}>")


def _properties(graph: Graph, namespace: str, path: Path) -> tuple[PropertyDef, ...]:
    kinds: dict[URIRef, Literal["object", "data"]] = {}
    for node in graph.subjects(RDF.type, OWL.ObjectProperty):
        if isinstance(node, URIRef) and str(node).startswith(namespace):
            kinds[node] = "object"
    for node in graph.subjects(RDF.type, OWL.DatatypeProperty):
        if isinstance(node, URIRef) and str(node).startswith(namespace):
            if kinds.get(node) == "object":
                raise OntologyFileError(
                    f"{path}: '{_split(node)[1]}' is declared both object and data property"
                )
            kinds[node] = "data"
    inverses: dict[str, str] = {}
    for a, b in graph.subject_objects(OWL.inverseOf):
        if isinstance(a, URIRef) and isinstance(b, URIRef) and a in kinds and b in kinds:
            an, bn = _split(a)[1], _split(b)[1]
            inverses.setdefault(an, bn)
            inverses.setdefault(bn, an)
    out: list[PropertyDef] = []
    for node in sorted(kinds):
        name = _local(node, namespace, path, "property")
        is_object = kinds[node] == "object"
        types = set(graph.objects(node, RDF.type))
        domains = sorted(d for d in graph.objects(node, RDFS.domain) if isinstance(d, URIRef))
        parents = sorted(
            _local(p, namespace, path, f"super-property of {name}")
            for p in graph.objects(node, RDFS.subPropertyOf)
            if isinstance(p, URIRef) and p in kinds
        )
        label_en = _label(graph, node, "en", _humanise(name))
        label_ko = _label(graph, node, "ko", label_en)
        phrase_en = (_texts(graph, node, PHRASE, "en") or [label_en])[0]
        phrase_ko = (_texts(graph, node, PHRASE, "ko") or [label_ko])[0]
        out.append(
            PropertyDef(
                name=name,
                kind=kinds[node],
                domain=_local(domains[0], namespace, path, f"domain of {name}") if domains else None,
                range=_range(graph, node, name, is_object, namespace, path),
                label_en=label_en,
                label_ko=label_ko,
                phrase_en=phrase_en,
                phrase_ko=phrase_ko,
                transitive=OWL.TransitiveProperty in types,
                functional=OWL.FunctionalProperty in types,
                parent=parents[0] if parents else None,
                chains=_chains(graph, node, name, namespace, path),
                symmetric=OWL.SymmetricProperty in types,
                inverse=inverses.get(name),
                alt_en=tuple(_texts(graph, node, SKOS.altLabel, "en")),
                alt_ko=tuple(_texts(graph, node, SKOS.altLabel, "ko")),
                comment_en=" ".join(_texts(graph, node, RDFS.comment, "en")),
                comment_ko=" ".join(_texts(graph, node, RDFS.comment, "ko")),
                sentence_en=(_texts(graph, node, SENTENCE, "en") or [""])[0],
                sentence_ko=(_texts(graph, node, SENTENCE, "ko") or [""])[0],
                questions_en=tuple(_texts(graph, node, QUESTION, "en")),
                questions_ko=tuple(_texts(graph, node, QUESTION, "ko")),
                unit=next(
                    (_local(u, namespace, path, f"unit of {name}") for u in graph.objects(node, UNIT)), None
                ),
            )
        )
    return tuple(out)


def _check(vocabulary_path: Path, classes: tuple[ClassDef, ...], properties: tuple[PropertyDef, ...]) -> None:
    """References resolve, hierarchies are acyclic, chains are regular (OWL 2's restriction)."""
    class_names = {c.name for c in classes}
    by_name = {p.name: p for p in properties}
    for prop in properties:
        for role, value in (
            ("domain", prop.domain),
            ("range", prop.range if prop.kind == "object" else None),
        ):
            if value is not None and value not in class_names:
                raise OntologyFileError(
                    f"{vocabulary_path}: {role} of '{prop.name}' is '{value}', which is not a declared class"
                )
        for pair in prop.chains:
            for member in pair:
                if member not in by_name:
                    raise OntologyFileError(
                        f"{vocabulary_path}: chain of '{prop.name}' uses '{member}', which is not a declared property"
                    )
        if prop.transitive and prop.kind != "object":
            raise OntologyFileError(f"{vocabulary_path}: data property '{prop.name}' cannot be transitive")
    hierarchy: nx.DiGraph = nx.DiGraph()
    hierarchy.add_edges_from((c.name, c.parent) for c in classes if c.parent)
    hierarchy.add_edges_from((p.name, p.parent) for p in properties if p.parent)
    _no_cycle(vocabulary_path, hierarchy, "the subclass/sub-property hierarchy")
    # A chain p1 o p2 -> head depends on its members other than head itself at either end.
    dependencies: nx.DiGraph = nx.DiGraph()
    for prop in properties:
        for first, second in prop.chains:
            for member in (first, second):
                if member != prop.name:
                    dependencies.add_edge(prop.name, member)
        if prop.parent:
            dependencies.add_edge(prop.parent, prop.name)
    chain_heads = {p.name for p in properties if p.chains}
    for cycle in nx.simple_cycles(dependencies):
        if chain_heads.intersection(cycle):
            loop = " -> ".join([*cycle, cycle[0]])
            raise OntologyFileError(f"{vocabulary_path}: property chains form a cycle: {loop}")


def _no_cycle(path: Path, graph: nx.DiGraph, what: str) -> None:
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return
    loop = " -> ".join([str(cycle[0][0]), *(str(edge[1]) for edge in cycle)])
    raise OntologyFileError(f"{path}: {what} has a cycle: {loop}")


def load_vocabulary(path: Path | str) -> Vocabulary:
    """Parse and check an ontology file; raise one line on the first problem."""
    file_path = Path(path)
    graph = _parse(file_path)
    declared = [
        s
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for s in graph.subjects(RDF.type, kind)
        if isinstance(s, URIRef) and not str(s).startswith(str(OWL))
    ]
    namespace = _namespace(graph, file_path, declared)
    classes = _classes(graph, namespace, file_path)
    properties = _properties(graph, namespace, file_path)
    _check(file_path, classes, properties)
    ontology = next((s for s in graph.subjects(RDF.type, OWL.Ontology) if isinstance(s, URIRef)), None)
    title_en = _label(graph, ontology, "en", file_path.parent.name) if ontology else file_path.parent.name
    title_ko = _label(graph, ontology, "ko", title_en) if ontology else title_en
    prefixes = tuple((p, str(ns)) for p, ns in graph.namespaces() if p and p not in _STANDARD_PREFIXES)
    return Vocabulary(
        path=file_path,
        namespace=namespace,
        prefixes=tuple(sorted(set(prefixes))),
        title_en=title_en,
        title_ko=title_ko,
        classes=classes,
        properties=properties,
    )


#: rdflib binds these on every graph; they are not the file's own.
_STANDARD_PREFIXES = frozenset(
    {
        "brick",
        "csvw",
        "dc",
        "dcat",
        "dcmitype",
        "dcterms",
        "dcam",
        "doap",
        "foaf",
        "geo",
        "odrl",
        "org",
        "prof",
        "prov",
        "qb",
        "schema",
        "sh",
        "sosa",
        "ssn",
        "time",
        "vann",
        "void",
        "wgs",
        "owl",
        "rdf",
        "rdfs",
        "xsd",
        "xml",
        "skos",
    }
)
