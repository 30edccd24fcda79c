"""``axlab kg check``: consistency (reasoner), SHACL shapes and the address/gazetteer comparison."""

from __future__ import annotations

from ontology.errors import InconsistentOntologyError, ReasonerError
from ontology.gazetteer import check_addresses
from ontology.knowledge import Knowledge
from ontology.materialize import materialize
from ontology.reasoning import resolve_engine
from ontology.report import CheckReport, Issue
from ontology.shacl import validate_shapes


def _status(issues: list[Issue]) -> str:
    if any(i.severity == "error" for i in issues):
        return "error"
    return "warning" if issues else "ok"


def consistency_issues(knowledge: Knowledge, engine: str) -> list[Issue]:
    """An error if the reasoner finds no model; a warning per rule-derivable fact it did not infer."""
    try:
        closure = materialize(knowledge, engine)
    except InconsistentOntologyError as exc:
        return [Issue("error", "consistency", _explained(knowledge, engine, str(exc)))]
    except ReasonerError as exc:
        return [Issue("error", "consistency", str(exc))]
    return [
        Issue(
            "warning",
            "consistency",
            f"'{st}' follows from the schema rules but {closure.engine} did not infer it",
        )
        for st in closure.unconfirmed
    ]


def _explained(knowledge: Knowledge, engine: str, message: str) -> str:
    """HermiT only says "no model"; owlrl's rule-level message names the clashing individuals."""
    if engine == "owlrl":
        return message
    try:
        materialize(knowledge, "owlrl")
    except InconsistentOntologyError as detail:
        return f"{message}; owlrl: {str(detail).split(': ', 1)[-1]}"
    except ReasonerError:
        pass
    return message


def run_checks(knowledge: Knowledge, engine: str = "auto") -> CheckReport:
    resolved = resolve_engine(engine)
    groups = {
        "consistency": consistency_issues(knowledge, resolved),
        "shacl": validate_shapes(knowledge),
        "gazetteer": check_addresses(knowledge),
    }
    issues = tuple(issue for group in groups.values() for issue in group)
    return CheckReport(
        knowledge=str(knowledge.path),
        engine=resolved,
        issues=issues,
        checks={name: _status(group) for name, group in groups.items()},
    )
