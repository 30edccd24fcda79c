"""``axlab sparql`` and ``axlab kg export|check|facts|path``: the symbolic half of the CLI."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

err_console = Console(stderr=True)

KnowledgeOpt = Annotated[
    Path | None,
    typer.Option(
        "--knowledge",
        "-k",
        help="Knowledge file (default: $AXLAB_KNOWLEDGE or data/solverx/knowledge.jsonl).",
    ),
]


class EngineChoice(StrEnum):
    auto = "auto"
    hermit = "hermit"
    owlrl = "owlrl"


class QueryFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class ExportFormat(StrEnum):
    ttl = "ttl"
    xml = "xml"
    nt = "nt"


EngineOpt = Annotated[
    EngineChoice, typer.Option("--engine", "-e", help="Reasoner: HermiT (Java), owlrl (pure Python) or auto.")
]
NoCacheOpt = Annotated[
    bool, typer.Option("--no-cache", help="Reason afresh instead of reusing the cached closure.")
]


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn a user error from the symbolic layers into one line on stderr and its exit code."""
    from kg.errors import KGError
    from ontology.errors import OntologyError

    try:
        yield
    except (OntologyError, KGError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True, markup=True)
        raise typer.Exit(exc.exit_code) from None


def _read_query(query: str | None, file: Path | None) -> str:
    from kg.errors import KGError

    if file is not None and query is not None:
        raise KGError("give the query either as an argument or with --file, not both")
    if file is not None:
        if str(file) == "-":
            return sys.stdin.read()
        try:
            return file.read_text(encoding="utf-8")
        except OSError as exc:
            raise KGError(f"{file}: cannot read the query: {exc.strerror}") from None
    if query is None:
        raise KGError("no query: give it as an argument, with --file PATH, or '-' for stdin")
    return sys.stdin.read() if query == "-" else query


def _short(term: object, prefixes: dict[str, str]) -> str:
    from rdflib import Literal, URIRef

    if isinstance(term, URIRef):
        text = str(term)
        for prefix, namespace in prefixes.items():
            if text.startswith(namespace):
                return f"{prefix}:{text[len(namespace) :]}"
        return f"<{text}>"
    if isinstance(term, Literal):
        return f"{term}@{term.language}" if term.language else str(term)
    return "" if term is None else str(term)


def sparql(
    query: Annotated[
        str | None, typer.Argument(help="The SPARQL query, or '-' to read it from stdin.")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="Read the query from a file ('-' for stdin).")
    ] = None,
    fmt: Annotated[
        QueryFormat, typer.Option("--format", help="table, W3C SPARQL JSON, or W3C CSV.")
    ] = QueryFormat.table,
    update: Annotated[
        bool,
        typer.Option(
            "--update",
            help="Allow INSERT/DELETE (in memory; nothing is saved). Only the asserted triples change: "
            "nothing is re-inferred from inserted triples (use 'axlab kg add' on a store for that).",
        ),
    ] = False,
    allow_external: Annotated[
        bool,
        typer.Option(
            "--allow-external",
            help="Allow FROM, FROM NAMED, SERVICE, LOAD and USING, which fetch URLs or read local files.",
        ),
    ] = False,
    knowledge: KnowledgeOpt = None,
    engine: EngineOpt = EngineChoice.auto,
    no_cache: NoCacheOpt = False,
    store: Annotated[
        str | None,
        typer.Option("--store", help="memory, oxigraph or sparql (default: $AXLAB_STORE or memory)."),
    ] = None,
    store_location: Annotated[
        str | None,
        typer.Option(
            "--store-location", help="Oxigraph directory or SPARQL endpoint (default: $AXLAB_STORE_LOCATION)."
        ),
    ] = None,
) -> None:
    """Query the asserted + inferred triples (SELECT, ASK, CONSTRUCT, DESCRIBE). CONSTRUCT prints Turtle.

    FROM, SERVICE, LOAD and USING are refused unless --allow-external is given. An --update
    changes the asserted triples only: the inferred closure is not recomputed for them.
    """
    with user_errors():
        from kg.errors import ExternalAccessError, ReadOnlyError
        from kg.graph import KnowledgeGraph
        from kg.sparql import prepare, refuse_external, serialize_result
        from ontology.rdf import PREFIXES

        text = _read_query(query, file)
        prepared = prepare(text)  # syntax errors and refused operations fail before any loading
        kind = prepared.kind
        if kind == "update" and not update:
            raise ReadOnlyError("this is a SPARQL update (INSERT/DELETE/...); pass --update to allow it")
        if not allow_external:
            try:
                refuse_external(prepared)
            except ExternalAccessError as exc:
                raise ExternalAccessError(f"{exc}; pass --allow-external to permit it") from None
        from kg.backends import StoreGraph, TripleStore, query_store, store_config

        config = store_config(store, store_location)
        if config.kind != "memory":  # a configured store (axlab kg load): query it, updates persist
            backend = TripleStore(config)
            result = query_store(backend, text, update=update)
            if kind == "update":
                typer.echo(f"update applied to {config.describe()}: {len(StoreGraph(backend))} triples")
                backend.close()
                return
        else:
            graph = KnowledgeGraph.load(knowledge, engine=engine.value, cache=not no_cache)
            if kind == "update":
                before = len(graph)
                graph.query(text, update=update, allow_external=allow_external)
                typer.echo(f"update applied in memory: {before} -> {len(graph)} triples (not saved)")
                return
            result = graph.query(text, allow_external=allow_external)
        assert result is not None
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            typer.echo(serialize_result(result, "turtle"), nl=False)
        elif fmt is not QueryFormat.table:
            text_out = serialize_result(result, "json" if fmt is QueryFormat.json else "csv")
            typer.echo(text_out.encode("utf-8"), nl=False)  # bytes: keep CSV's CRLF line ends
        elif result.type == "ASK":
            typer.echo("true" if result.askAnswer else "false")
        else:
            names = [str(v) for v in (result.vars or [])]
            table = Table(*names, title=None, show_lines=False)
            rows = 0
            for row in result:
                table.add_row(*(_short(row[i], PREFIXES) for i in range(len(names))))  # type: ignore[index]
                rows += 1
            Console(soft_wrap=False).print(table)
            err_console.print(f"{rows} row(s)", style="dim")


kg_app = typer.Typer(
    help="The knowledge graph: export the ontology, check it, browse facts.", no_args_is_help=True
)


@kg_app.command("export")
def export(
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="Turtle, RDF/XML or N-Triples.")
    ] = ExportFormat.ttl,
    inferred: Annotated[
        bool, typer.Option("--inferred", help="Add the inferred triples and their proofs.")
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to a file instead of stdout.")
    ] = None,
    knowledge: KnowledgeOpt = None,
    engine: EngineOpt = EngineChoice.auto,
    no_cache: NoCacheOpt = False,
) -> None:
    """The OWL ontology (schema, individuals, asserted triples with their source rows)."""
    with user_errors():
        from kg.export import export_ontology

        text = export_ontology(
            knowledge, fmt.value, inferred=inferred, engine=engine.value, cache=not no_cache
        )
        if output is None:
            typer.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
            err_console.print(f"wrote {output}")


@kg_app.command("check")
def check(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    knowledge: KnowledgeOpt = None,
    engine: EngineOpt = EngineChoice.auto,
) -> None:
    """Consistency (reasoner), SHACL shapes and addresses vs. gazetteer. Exit 1 on errors, 0 with warnings."""
    with user_errors():
        from ontology.check import run_checks
        from ontology.knowledge import load_knowledge

        report = run_checks(load_knowledge(knowledge), engine.value)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_report(report)
    raise typer.Exit(report.exit_code)


def _print_report(report: object) -> None:
    from ontology.report import CheckReport

    assert isinstance(report, CheckReport)
    console = Console()
    style = {"ok": "green", "warning": "yellow", "error": "bold red"}
    console.print(f"axlab kg check: {report.knowledge} (reasoner: {report.engine})", highlight=False)
    summary = Table("check", "status")
    for name, status in report.checks.items():
        summary.add_row(name, f"[{style.get(status, '')}]{status}[/]")
    console.print(summary)
    for issue in report.issues:
        colour = style[issue.severity]
        console.print(f"[{colour}]{issue.severity}[/] [{issue.check}] {issue.message}", highlight=False)
    verdict = "FAILED" if report.errors else "passed"
    console.print(f"{verdict}: {len(report.errors)} error(s), {len(report.warnings)} warning(s)")


@kg_app.command("facts")
def facts(
    entity: Annotated[str | None, typer.Argument(help="Only facts about this entity id.")] = None,
    inferred_only: Annotated[bool, typer.Option("--inferred", help="Only inferred facts.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines with proofs.")] = False,
    knowledge: KnowledgeOpt = None,
    engine: EngineOpt = EngineChoice.auto,
) -> None:
    """Asserted and inferred facts, each inferred one with its proof chain."""
    with user_errors():
        from dataclasses import asdict

        from kg.graph import KnowledgeGraph

        graph = KnowledgeGraph.load(knowledge, engine=engine.value)
        selected = graph.facts_about(entity) if entity else graph.facts()
        if inferred_only:
            selected = [f for f in selected if f.inferred]
        for fact in selected:
            if as_json:
                typer.echo(json.dumps(asdict(fact), ensure_ascii=False))
                continue
            mark = "⇒" if fact.inferred else "·"
            typer.echo(f"{mark} {fact.subject} {fact.predicate} {fact.object}")
            for step in fact.proof:
                typer.echo(
                    f"    {step.subject} {step.predicate} {step.object}  [{', '.join(step.source_rows)}]"
                )


@kg_app.command("path")
def path(
    a: Annotated[str, typer.Argument(help="Entity id.")],
    b: Annotated[str, typer.Argument(help="Entity id.")],
    knowledge: KnowledgeOpt = None,
) -> None:
    """A shortest chain of asserted facts linking two entities."""
    with user_errors():
        from kg.graph import KnowledgeGraph

        graph = KnowledgeGraph.load(knowledge)
        steps = graph.path(a, b)
        if not steps:
            typer.echo(f"no path between {a} and {b}")
            raise typer.Exit(1)
        for step in steps:
            typer.echo(f"{step.subject} {step.predicate} {step.object}")


def register(app: typer.Typer) -> None:
    """Attach this module's commands to the axlab app."""
    app.command("sparql")(sparql)
    app.add_typer(kg_app, name="kg")
