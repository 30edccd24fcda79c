"""Every layer's user errors reach the terminal as one line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

from pipeline.errors import user_error_types


def test_every_layer_error_type_is_registered() -> None:
    names = {error.__name__ for error in user_error_types()}
    assert {
        "AxlabError",
        "OntologyError",
        "KGError",
        "RetrieverError",
        "LoraError",
        "GeneratorError",
    } <= names


def test_unreachable_remote_generator_is_one_line() -> None:
    env = {**os.environ, "AXLAB_GENERATOR_URL": "http://127.0.0.1:9/v1", "AXLAB_GENERATOR_TIMEOUT": "3"}
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "ask", "Which country is SolverX in?", "--mode", "graph"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "generator" in result.stderr.lower()
    assert len([line for line in result.stderr.splitlines() if line.strip().startswith("error:")]) == 1
