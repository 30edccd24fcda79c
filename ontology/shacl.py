"""SHACL validation of the asserted knowledge (pyshacl): the generic ``ontology/shapes.ttl`` plus
the knowledge folder's own ``shapes.ttl``, when it has one."""

from __future__ import annotations

from pathlib import Path

from rdflib import RDF, Graph, Namespace

from ontology.errors import OntologyFileError
from ontology.knowledge import Knowledge
from ontology.owl import abox_graph, merge, schema_graph
from ontology.paths import ontology_path
from ontology.rdf import local_name
from ontology.report import Issue
from ontology.statements import asserted_statements

SHAPES_PATH = Path(__file__).with_name("shapes.ttl")
SH = Namespace("http://www.w3.org/ns/shacl#")


def data_graph(knowledge: Knowledge) -> Graph:
    """Schema + asserted individuals: what the shapes constrain."""
    return merge(schema_graph(), abox_graph(knowledge, asserted_statements(knowledge), unique_names=False))


def validate_shapes(knowledge: Knowledge, shapes_path: Path = SHAPES_PATH) -> list[Issue]:
    """One issue per SHACL result; ``sh:Violation`` is an error, anything else a warning."""
    import pyshacl

    shapes = Graph().parse(shapes_path, format="turtle")
    own = ontology_path(knowledge.path).with_name("shapes.ttl")
    if shapes_path == SHAPES_PATH and own.is_file():
        try:
            shapes.parse(own, format="turtle")
        except Exception as exc:  # rdflib raises many types; each becomes one line
            raise OntologyFileError(
                f"{own}: the shapes do not parse: {' '.join(str(exc).split())[:200]}"
            ) from None
    _, results, _ = pyshacl.validate(data_graph(knowledge), shacl_graph=shapes, inference="none")
    assert isinstance(results, Graph)
    row_of = {entity_id: row.id for row in knowledge.rows if row.entity for entity_id in [row.entity.id]}
    issues: list[Issue] = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = local_name(results.value(result, SH.focusNode)) or str(results.value(result, SH.focusNode))
        path = results.value(result, SH.resultPath)
        path_name = local_name(path) or (path.n3(results.namespace_manager) if path is not None else "")
        message = str(results.value(result, SH.resultMessage) or "violates a shape")
        severity = results.value(result, SH.resultSeverity)
        row = row_of.get(focus)
        where = f" (row {row}, line {knowledge.lines[row]})" if row else ""
        issues.append(
            Issue(
                severity="error" if severity == SH.Violation else "warning",
                check="shacl",
                message=f"{focus}{where}: {message}" + (f" [{path_name}]" if path_name else ""),
                rows=(row,) if row else (),
                details={
                    "focus": focus,
                    "path": path_name,
                    "shape": str(results.value(result, SH.sourceShape)),
                },
            )
        )
    issues.sort(key=lambda issue: issue.message)
    return issues
