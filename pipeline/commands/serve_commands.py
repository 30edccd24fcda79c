"""``axlab serve``: the HTTP service (answers, SPARQL 1.1 endpoint, OpenAI-compatible chat)."""

from __future__ import annotations

from typing import Any

import typer

from pipeline.errors import AxlabError

UPDATE_TOKEN_ENV = "AXLAB_UPDATE_TOKEN"


def real_factories(
    model: str | None = None,
    lora_adapter: str | None = None,
    hybrid_adapter: str | None = None,
    backend: str | None = None,
) -> tuple[Any, Any]:
    """(answerer_factory, kg_factory) for the real engine and graph; the graph is loaded
    once and shared by the SPARQL endpoint and the engine."""
    try:
        from kg import KnowledgeGraph
    except ImportError as exc:  # pragma: no cover - a broken install
        raise AxlabError(f"the knowledge graph is not available: {exc}") from None
    try:
        from pipeline.engine import AnswerEngine, default_backend
    except ImportError as exc:
        raise AxlabError(f"the answer engine is not available (pipeline.engine): {exc}") from None

    shared: dict[str, Any] = {}

    def kg_factory() -> Any:
        if "kg" not in shared:
            shared["kg"] = KnowledgeGraph.load()
        return shared["kg"]

    def answerer_factory() -> Any:
        return AnswerEngine(
            model=model,
            lora_adapter=lora_adapter,
            hybrid_adapter=hybrid_adapter,
            kg=kg_factory(),
            backend=default_backend(model, backend),
        )

    return answerer_factory, kg_factory


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind (loopback by default)."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="TCP port."),
    update_token: str | None = typer.Option(
        None,
        "--update-token",
        envvar=UPDATE_TOKEN_ENV,
        help=f"Enable POST /sparql/update for clients sending 'Authorization: Bearer TOKEN' (or ${UPDATE_TOKEN_ENV}).",
        show_envvar=True,
    ),
    queue_size: int = typer.Option(
        8, "--queue-size", min=0, help="Generation requests that may wait; more get 429."
    ),
    query_timeout: float = typer.Option(
        10.0, "--query-timeout", min=0.01, help="Seconds per SPARQL query (then 503)."
    ),
    max_results: int = typer.Option(
        10_000, "--max-results", min=1, help="Rows/triples per SPARQL result (then 413)."
    ),
    max_body_bytes: int = typer.Option(
        64 * 1024, "--max-body-bytes", min=1024, help="Largest request body (then 413)."
    ),
    model: str | None = typer.Option(None, "--model", help="Model id or path (default: the embedded model)."),
    lora_adapter: str | None = typer.Option(None, "--lora-adapter", help="Adapter for the lora mode."),
    hybrid_adapter: str | None = typer.Option(None, "--hybrid-adapter", help="Adapter for the hybrid mode."),
    warm: bool = typer.Option(True, "--warm/--no-warm", help="Load the model and adapters at startup."),
    request_timeout: float = typer.Option(
        10.0,
        "--request-timeout",
        min=0.1,
        help="Seconds a client has to send a whole request (line, headers, body); then the connection is closed.",
    ),
    keep_alive: int = typer.Option(
        5, "--keep-alive", min=1, help="Seconds an idle keep-alive connection stays open."
    ),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn log level."),
    backend: str | None = typer.Option(
        None,
        "--backend",
        help="Generator: mlx, llama.cpp or auto (MLX on Apple Silicon, llama.cpp on Linux when installed; "
        "env AXLAB_BACKEND).",
    ),
) -> None:
    """Serve /ask, /health, the SPARQL 1.1 endpoint /sparql and OpenAI-compatible /v1 over HTTP."""
    import uvicorn

    from pipeline.server import ServerSettings, create_app
    from pipeline.server.connections import guarded_h11

    token = update_token if update_token and update_token.strip() else None
    if update_token is not None and token is None:
        raise AxlabError("--update-token must not be empty")
    try:
        settings = ServerSettings(
            host=host,
            port=port,
            update_token=token,
            queue_size=queue_size,
            query_timeout=query_timeout,
            max_results=max_results,
            max_body_bytes=max_body_bytes,
            warm=warm,
            sparql_prestart=True,
        )
    except ValueError as exc:
        raise AxlabError(str(exc)) from None
    from pipeline.backends import check_choice

    check_choice(backend)
    answerer_factory, kg_factory = real_factories(model, lora_adapter, hybrid_adapter, backend)
    app = create_app(answerer_factory, kg_factory, settings)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level,
        timeout_graceful_shutdown=5,
        timeout_keep_alive=keep_alive,
        http=guarded_h11(request_timeout),  # h11 with a deadline per request (slowloris)
    )


def register(app: typer.Typer) -> None:
    """Attach ``axlab serve``."""
    app.command("serve")(serve)
