"""Schemathesis fuzzes the OpenAPI schema of a live server (loopback): no request it can
generate, valid or not, may get a 5xx."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.server import ServerSettings
from pipeline.server.testing import ScriptedAnswerer, serve_double

pytest.importorskip("schemathesis")

TOKEN = "schemathesis-token"
BUDGET_S = 40  # the whole test stays under a minute


def schemathesis_cli() -> str:
    candidate = Path(sys.executable).with_name("schemathesis")
    found = str(candidate) if candidate.exists() else shutil.which("schemathesis")
    if not found:
        pytest.skip("the schemathesis command is not installed (pip install -e '.[dev]')")
    return found


def test_schemathesis_finds_no_server_error(tmp_path: Path) -> None:
    cli = schemathesis_cli()
    settings = ServerSettings(update_token=TOKEN, query_timeout=2.0, max_results=500)
    with serve_double(ScriptedAnswerer(), settings) as server:
        completed = subprocess.run(
            [
                cli,
                "run",
                f"{server.url}/openapi.json",
                "--checks",
                "not_a_server_error,response_schema_conformance,content_type_conformance",
                "--max-time",
                str(BUDGET_S),
                "--workers",
                "1",
                "--seed",
                "20250101",
                "--header",
                f"Authorization: Bearer {TOKEN}",
            ],
            cwd=tmp_path,  # hypothesis' example database stays out of the repository
            capture_output=True,
            text=True,
            timeout=BUDGET_S + 60,
            check=False,
        )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-6000:]
    assert "generated" in output and "Server error" not in output
    print(output[-1500:])  # the summary, for -s / -rA runs
