"""The latest evaluation report (``reports/eval.json`` of ``axlab eval``) for the page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ontology.paths import REPO_ROOT

REPORT_NAME = "eval.json"


class ReportError(Exception):
    """No readable report; the message says what to do."""


def report_dirs(configured: Path | None) -> list[Path]:
    """Where to look: the configured folder, else ``./reports`` then the checkout's ``reports/``."""
    if configured is not None:
        return [configured]
    return list(dict.fromkeys([Path.cwd() / "reports", REPO_ROOT / "reports"]))


def _shown(file: Path) -> str:
    """The path relative to the working directory when it is below it (no machine paths on the page)."""
    try:
        return str(file.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(file)


def load_report(configured: Path | None) -> dict[str, Any]:
    """The report without its per-question records (their count stays)."""
    for folder in report_dirs(configured):
        file = folder / REPORT_NAME
        if not file.is_file():
            continue
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ReportError(f"{file} is not a readable JSON report: {exc}") from None
        if not isinstance(data, dict):
            raise ReportError(f"{file} is not an evaluation report (not a JSON object)")
        records = data.pop("records", [])
        data["records"] = len(records) if isinstance(records, list) else 0
        data["file"] = _shown(file)
        return data
    where = ", ".join(str(folder / REPORT_NAME) for folder in report_dirs(configured))
    raise ReportError(f"no evaluation report ({where}): run 'axlab eval' first")
