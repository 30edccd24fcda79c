"""``axlab kg load|add|materialize``: the knowledge in a configured store (Oxigraph, SPARQL endpoint).

The store comes from ``--store/--store-location`` or ``$AXLAB_STORE``/``$AXLAB_STORE_LOCATION``
(:func:`kg.backends.store_config`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pipeline.commands.kg_commands import EngineChoice, EngineOpt, kg_app, user_errors

err_console = Console(stderr=True)

StoreOpt = Annotated[
    str | None,
    typer.Option("--store", help="memory, oxigraph or sparql (default: $AXLAB_STORE or memory)."),
]
LocationOpt = Annotated[
    str | None,
    typer.Option(
        "--store-location",
        help="Oxigraph directory, or SPARQL endpoint URL (default: $AXLAB_STORE_LOCATION).",
    ),
]


@kg_app.command("load")
def load(
    file: Annotated[Path, typer.Argument(help="N-Triples/N-Quads/Turtle/TriG file, or a knowledge .jsonl.")],
    store: StoreOpt = None,
    store_location: LocationOpt = None,
    reason: Annotated[
        bool,
        typer.Option("--reason/--no-reason", help="Materialise the schema-driven closure after loading."),
    ] = True,
    engine: EngineOpt = EngineChoice.auto,
) -> None:
    """Bulk-load RDF (or the knowledge file) into the store, then materialise inferred triples."""
    with user_errors():
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        from kg.backends import TripleStore, store_config
        from kg.bulk import load_knowledge_into, load_rdf_file, load_schema_into
        from kg.errors import KGError
        from kg.incremental import materialize_store

        config = store_config(store, store_location)
        if not file.is_file():
            raise KGError(f"{file}: no such file")
        triples = TripleStore(config)
        if file.suffix.lower() == ".jsonl":
            count = load_knowledge_into(triples, file, engine=engine.value)
            err_console.print(
                f"loaded the knowledge file {file}: {count} triples (reasoned) into {config.describe()}"
            )
            return
        load_schema_into(triples)
        total = file.stat().st_size
        with Progress(
            TextColumn("[bold]loading[/] {task.fields[name]}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TextColumn("{task.fields[triples]:,} triples"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=err_console,
            transient=False,
        ) as progress:
            task = progress.add_task("load", total=total, name=file.name, triples=0)

            def update(done: int, sent: int) -> None:
                progress.update(task, completed=done, triples=sent)

            report = load_rdf_file(triples, file, progress=update)
        err_console.print(
            f"loaded {report.triples_sent:,} triples from {file.name} in {report.seconds:.1f} s "
            f"({config.describe()}: {report.store_triples:,} triples)"
        )
        if reason:
            with err_console.status("materialising the schema-driven closure ..."):
                result = materialize_store(triples)
            err_console.print(
                f"materialised {result.inferred:,} inferred triples with proofs from {result.asserted:,} "
                f"asserted statements (read {result.read_s:.1f} s, reason {result.reason_s:.1f} s, "
                f"write {result.write_s:.1f} s)"
            )
        if config.kind == "memory":
            err_console.print("[yellow]note:[/] the in-memory store is gone when this command ends")
        triples.close()


@kg_app.command("materialize")
def materialize(store: StoreOpt = None, store_location: LocationOpt = None) -> None:
    """Re-run the full schema-driven closure over the store's asserted graph (idempotent)."""
    with user_errors():
        from kg.backends import TripleStore, store_config
        from kg.incremental import materialize_store

        triples = TripleStore(store_config(store, store_location))
        result = materialize_store(triples)
        typer.echo(f"{result.inferred} inferred triples from {result.asserted} asserted statements")
        triples.close()


@kg_app.command("add")
def add(
    rows: Annotated[Path, typer.Argument(help="JSONL rows in the knowledge schema (data/SCHEMA.md).")],
    store: StoreOpt = None,
    store_location: LocationOpt = None,
    embed: Annotated[
        bool, typer.Option("--embed/--no-embed", help="Embed the new facts' sentences for the retriever now.")
    ] = True,
) -> None:
    """Add new facts; only their consequences are reasoned (semi-naive) and embedded."""
    with user_errors():
        from kg.backends import StoreGraph, TripleStore, store_config
        from kg.bulk import rows_update
        from kg.errors import KGError
        from kg.incremental import add_statements

        config = store_config(store, store_location)
        if config.kind == "memory":
            raise KGError(
                "kg add needs a persistent store: --store oxigraph --store-location DIR, or --store sparql"
            )
        triples = TripleStore(config)
        graph = StoreGraph(triples)
        update = rows_update(rows, graph.entities)
        delta = add_statements(triples, update.statements, update.quads)
        typer.echo(
            f"added {len(delta.asserted)} asserted statements from {update.rows} rows; "
            f"{len(delta.inferred) - len(delta.improved)} new inferred, {len(delta.improved)} re-proved, "
            f"{len(delta.promoted)} now asserted"
        )
        if embed:
            encoded = _embed_new_facts(
                StoreGraph(triples), {st.s for st in [*delta.asserted, *delta.inferred]}
            )
            typer.echo(f"embedded {encoded} new fact sentences")
        triples.close()


def _embed_new_facts(graph: object, subjects: set[str]) -> int:
    """Embed the sentences of the facts about ``subjects`` that were never embedded (per-text cache)."""
    from kg.backends import StoreGraph
    from retriever import embedding
    from retriever.verbalise import companions_of, verbalise

    assert isinstance(graph, StoreGraph)
    facts = [
        fact
        for subject in sorted(subjects)
        if subject in graph.entities
        for fact in graph.facts_about(subject)
    ]
    if not facts:
        return 0

    def label(entity_id: str, lang: str) -> str:
        return graph.label(entity_id, "ko" if lang == "ko" else "en")

    companions = companions_of(facts)
    texts = [verbalise(f, lang, label, companions) for lang in ("en", "ko") for f in facts]
    before = embedding.STATS.fact_texts_encoded
    embedding.text_embeddings(embedding.Embedder(), texts)
    return embedding.STATS.fact_texts_encoded - before


def register(app: typer.Typer) -> None:
    """The commands attach to ``kg_app`` (registered by kg_commands); nothing else to add."""
