"""Bad knowledge files through the CLI: one clear line, non-zero exit, nothing half-loaded."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pipeline.cli import build_app
from tests.helpers_kg import KNOWLEDGE, isolated_cache, row, variant

runner = CliRunner()


@pytest.fixture(scope="module")
def app():
    return build_app()


@pytest.fixture
def cache(tmp_path):
    with isolated_cache(tmp_path / "cache") as directory:
        yield directory


def run(app, path, *extra: str):
    return runner.invoke(
        app, ["sparql", "--knowledge", str(path), "--engine", "owlrl", *extra, "ASK { ?s ?p ?o }"]
    )


def assert_one_line_error(result, code: int, *needles: str) -> None:
    assert result.exit_code == code, result.output
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error:")
    for needle in needles:
        assert needle in result.stderr, result.stderr
    assert "Traceback" not in result.output


def test_malformed_jsonl(app, tmp_path, cache):
    lines = KNOWLEDGE.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2][:-5]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert_one_line_error(run(app, path), 1, f"{path}:3:", "invalid JSON")
    assert not list(cache.glob("closure-*"))


def test_unknown_predicate(app, tmp_path, cache):
    def edit(rows):
        row(rows, "customers")["triples"].append({"s": "SolverX", "p": "revenue", "value": 1})

    path = variant(tmp_path / "k.jsonl", edit)
    assert_one_line_error(run(app, path), 1, "unknown predicate 'revenue'")
    assert not list(cache.glob("closure-*"))


def test_part_of_cycle(app, tmp_path, cache):
    def edit(rows):
        row(rows, "gazetteer-Asia")["triples"].append({"s": "Asia", "p": "partOf", "o": "Seoul"})

    path = variant(tmp_path / "k.jsonl", edit)
    assert_one_line_error(run(app, path), 1, "'partOf' forms a cycle")


def test_empty_file(app, tmp_path, cache):
    path = tmp_path / "empty.jsonl"
    path.write_text("", encoding="utf-8")
    assert_one_line_error(run(app, path), 1, "empty")


def test_missing_file(app, tmp_path, cache):
    assert_one_line_error(run(app, tmp_path / "nope.jsonl"), 1, "no such knowledge file")


def test_bad_input_in_kg_check_and_export(app, tmp_path, cache):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n", encoding="utf-8")
    assert_one_line_error(runner.invoke(app, ["kg", "check", "--knowledge", str(path)]), 1, "empty")
    assert_one_line_error(runner.invoke(app, ["kg", "export", "--knowledge", str(path)]), 1, "empty")


def test_bad_sparql_and_update(app, cache):
    assert_one_line_error(runner.invoke(app, ["sparql", "SELECT ?x WHERE {"]), 2, "SPARQL syntax error")
    assert_one_line_error(runner.invoke(app, ["sparql", "CLEAR ALL"]), 2, "--update")
    assert not list(cache.glob("closure-*"))  # rejected before loading anything


def test_unknown_engine(app, cache):
    result = runner.invoke(app, ["sparql", "--engine", "pellet", "ASK { ?s ?p ?o }"])
    assert result.exit_code == 2  # typer's own usage error
