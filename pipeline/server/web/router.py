"""The web page of ``axlab serve``: ``GET /`` and the JSON it reads under ``/ui``.

The page (``static/``: plain HTML, CSS and JavaScript modules, no library, nothing fetched
from outside) talks to the service's own endpoints: ``/v1/chat/completions`` (streamed) to
ask, ``/ask`` to compare modes, ``/sparql`` for the console, ``/health``; and to these:

* ``GET /ui/config``: knowledge, model, modes, limits, prefixes, example queries, compare questions;
* ``GET /ui/entities?q=``: entities by English or Korean label, alias or id;
* ``GET /ui/entities/{id}``: an entity's asserted and inferred facts, in and out, with proofs;
* ``GET /ui/eval``: the latest ``reports/eval.json`` (without its per-question records).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from pipeline.server.web.browse import MAX_QUERY_CHARS, entity_detail, is_browsable, search_entities
from pipeline.server.web.config import ui_config
from pipeline.server.web.models import EntityDetail, EntitySearch, EvalReport, UiConfig
from pipeline.server.web.reports import ReportError, load_report

STATIC_DIR = Path(__file__).resolve().parent / "static"
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
# the page loads nothing from outside: everything is same-origin
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Not found (the message says what)"}}


def static_files() -> dict[str, Path]:
    """The page's assets by name; only these are served."""
    return {p.name: p for p in STATIC_DIR.iterdir() if p.is_file() and p.suffix in MEDIA_TYPES}


def _asset(path: Path) -> Response:
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    if path.suffix == ".html":
        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return Response(path.read_bytes(), media_type=MEDIA_TYPES[path.suffix], headers=headers)


def _state(request: Request) -> Any:
    return request.app.state.axlab


def create_web_router(reports_dir: Path | None = None) -> APIRouter:
    """The page and its JSON endpoints; ``reports_dir`` is where ``eval.json`` is looked for
    (default: ``./reports``, then the checkout's ``reports/``)."""
    router = APIRouter()
    assets = static_files()

    @router.get("/", include_in_schema=False)
    async def index() -> Response:
        return _asset(assets["index.html"])

    @router.get("/ui/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        path = assets.get(name)
        if path is None:
            return JSONResponse({"detail": f"no such asset: {name}"}, status_code=404)
        return _asset(path)

    @router.get("/ui/config", response_model=UiConfig, tags=["web"])
    async def config(request: Request) -> dict[str, Any]:
        """What the page shows and offers: knowledge and model loaded, modes (and why one cannot
        answer), limits, SPARQL prefixes, example queries from the ontology, compare questions."""
        from pipeline.server.app import MODEL_NAMES, answerer_info

        state = _state(request)
        chat_models: dict[str, str] = {mode: name for name, mode in MODEL_NAMES.items()}
        return await run_in_threadpool(ui_config, state, chat_models, answerer_info(state.answerer))

    @router.get("/ui/entities", response_model=EntitySearch, responses=NOT_FOUND, tags=["web"])
    async def entities(
        request: Request,
        q: str = Query(
            "", max_length=MAX_QUERY_CHARS, description="Part of a label, alias or id (any language)."
        ),
        limit: int = Query(50, ge=1, le=1000),
    ) -> Any:
        """Entities whose English or Korean label, alias or id contains ``q`` (all when empty)."""
        kg = _state(request).kg
        if not is_browsable(kg):
            return JSONResponse({"detail": "this graph has no entity index to browse"}, status_code=404)
        return await run_in_threadpool(search_entities, kg, q, limit)

    @router.get("/ui/entities/{entity_id}", response_model=EntityDetail, responses=NOT_FOUND, tags=["web"])
    async def entity(request: Request, entity_id: str) -> Any:
        """An entity with its asserted and inferred facts, out and in; inferred ones with their proof."""
        kg = _state(request).kg
        if not is_browsable(kg):
            return JSONResponse({"detail": "this graph has no entity index to browse"}, status_code=404)
        detail = await run_in_threadpool(entity_detail, kg, entity_id)
        if detail is None:
            return JSONResponse({"detail": f"unknown entity '{entity_id}'"}, status_code=404)
        return detail

    @router.get("/ui/eval", response_model=EvalReport, responses=NOT_FOUND, tags=["web"])
    async def evaluation() -> Any:
        """The latest evaluation report (``axlab eval``), without its per-question records."""
        try:
            return await run_in_threadpool(load_report, reports_dir)
        except ReportError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=404)

    return router
