"""Findings of ``axlab kg check``: errors fail the check, warnings do not."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    severity: Severity
    check: str  # "consistency" | "shacl" | "gazetteer"
    message: str
    rows: tuple[str, ...] = ()  # knowledge rows involved (the sources)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckReport:
    knowledge: str
    engine: str
    issues: tuple[Issue, ...]
    checks: dict[str, str]  # check name -> "ok" | "warning" | "error" | "skipped"

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "knowledge": self.knowledge,
            "engine": self.engine,
            "ok": not self.errors,
            "checks": self.checks,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "issues": [asdict(issue) | {"rows": list(issue.rows)} for issue in self.issues],
        }
