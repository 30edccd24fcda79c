"""No code path names a shipped knowledge's terms: the domain lives in data/ only.

Every string literal in the generic packages (docstrings and comments aside, which may use an
example) is checked against the terms of both shipped knowledges: their classes, properties,
entity ids, labels and aliases. A new domain word in code fails here, naming file and line.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from rdflib import OWL, RDF, Graph, URIRef

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("ontology", "kg", "retriever", "lora", "pipeline")
KNOWLEDGES = ("solverx", "harbor_health", "terrazul")


def _knowledge_terms(folder: Path) -> set[str]:
    terms: set[str] = set()
    graph = Graph().parse(folder / "ontology.ttl")
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty):
        for node in graph.subjects(RDF.type, kind):
            if isinstance(node, URIRef):
                terms.add(str(node).rsplit("#", 1)[-1].rsplit("/", 1)[-1])
    for line in (folder / "knowledge.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        entity = row.get("entity")
        if entity:
            terms.add(entity["id"])
            terms.update(entity["label"].values())
            for names in entity.get("aliases", {}).values():
                terms.update(names)
    return {t for t in terms if len(t) >= 4}


TERMS = sorted(set().union(*(_knowledge_terms(REPO / "data" / name) for name in KNOWLEDGES)))
_PATTERN = re.compile(r"(?<![\w])(?:" + "|".join(re.escape(t) for t in TERMS) + r")(?![\w])")


def _docstrings(tree: ast.AST) -> set[int]:
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _hits(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            found = _PATTERN.search(node.value)
            if found:
                out.append(f"{path.relative_to(REPO)}:{node.lineno}: {found.group(0)!r}")
    return out


def test_the_terms_are_read() -> None:
    assert "locatedIn" in TERMS and "SolverX" in TERMS and "HarborHealth" in TERMS


@pytest.mark.parametrize("package", PACKAGES)
def test_no_code_names_a_domain_term(package: str) -> None:
    hits = [hit for path in sorted((REPO / package).rglob("*.py")) for hit in _hits(path)]
    assert hits == [], "domain terms in code:\n" + "\n".join(hits)
