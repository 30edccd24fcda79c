"""The AX Lab HTTP service: ``create_app(answerer_factory, kg_factory, settings)``.

Endpoints
---------
* ``POST /ask``: ``{question, mode?, max_tokens?}`` -> the JSON of ``axlab ask --json``.
* ``GET /health``: status, model, adapters loaded, triple count, queue and SPARQL stats.
* ``GET|POST /sparql``: SPARQL 1.1 Protocol query endpoint, read-only.
* ``POST /sparql/update``: SPARQL 1.1 Update, only with ``--update-token`` and
  ``Authorization: Bearer <token>``.
* ``GET /v1/models``, ``POST /v1/chat/completions``: OpenAI-compatible chat; the model
  name selects the mode; AX Lab's graph context is in the extra field ``axlab``.

Both factories are called once, at startup; the answerer (and its model and adapters)
is reused by every request.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Literal
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipeline.errors import user_error_types
from pipeline.prompt import MAX_QUESTION_CHARS, MAX_SYSTEM_CHARS
from pipeline.server.generation import GenerationCancelled, GenerationJob, GenerationScheduler, QueueFull
from pipeline.server.limits import BodySizeLimit
from pipeline.server.models import (
    AnswerResponse,
    AskRequest,
    AxlabExtra,
    ChatCompletionChoice,
    ChatCompletionMessage,
    ChatCompletionRequest,
    ChatCompletionResponse,
    ErrorResponse,
    HealthResponse,
    ModelCard,
    ModelList,
    OpenAIError,
    is_blank,
)
from pipeline.server.settings import ServerSettings
from pipeline.server.sparql import (
    GRAPH_FORMATS,
    READ_ONLY_MESSAGE,
    SOLUTION_FORMATS,
    TEXT_TYPES,
    QueryableGraph,
    QueryRunner,
    SparqlHTTPError,
    error_status,
    run_query,
    run_update,
    warm_up,
)
from pipeline.server.sparql_pool import QueryPool
from pipeline.server.web import create_web_router
from pipeline.types import MODES, Answer, Answerer, Mode

log = logging.getLogger("axlab.server")

MODEL_PREFIX = "axlab-"
MODEL_NAMES: dict[str, Mode] = {f"{MODEL_PREFIX}{mode}": mode for mode in MODES}

AnswererFactory = Callable[[], Answerer]
KGFactory = Callable[[], QueryableGraph]


# ----------------------------------------------------------------------------- state
class ServiceState:
    def __init__(self, answerer: Answerer, kg: QueryableGraph, settings: ServerSettings) -> None:
        self.answerer = answerer
        self.kg = kg
        self.settings = settings
        self.scheduler = GenerationScheduler(answerer, settings.queue_size, settings.retry_after_min_s)
        self.sparql = QueryRunner(settings.sparql_workers, settings.query_timeout)
        self.pool: QueryPool | None = None  # read queries in worker processes (see sparql_pool)
        if settings.sparql_processes and callable(getattr(kg, "to_nquads", None)):
            self.pool = QueryPool(
                settings.sparql_workers,
                settings.query_timeout,
                settings.sparql_memory_mb,
                settings.max_result_bytes,
            )
        self.started = int(time.time())
        self.triples = count_triples(kg)

    def snapshot(self) -> bytes:
        """The graph's quads for the query workers (call in a thread: it reads the whole store)."""
        to_nquads: Callable[[], bytes] = getattr(self.kg, "to_nquads")  # noqa: B009
        return to_nquads()

    def sparql_stats(self) -> dict[str, Any]:
        if self.pool is None:
            return {**self.sparql.stats(), "processes": 0, "worker_deaths": 0}
        return self.pool.stats()


def sparql_request_body(field: str, direct_media_type: str) -> dict[str, Any]:
    """OpenAPI request body of the SPARQL 1.1 Protocol: a form with ``field=`` or the text itself."""
    text = {"type": "string", "minLength": 1}
    return {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {"type": "object", "properties": {field: text}, "required": [field]}
            },
            direct_media_type: {"schema": text},
        },
    }


def count_triples(kg: Any) -> int:
    for name in ("triple_count", "__len__"):
        value = getattr(kg, name, None)
        if callable(value):
            try:
                return int(value())
            except Exception:
                break
    graph = getattr(kg, "graph", None)
    if graph is not None:
        try:
            return len(graph)
        except Exception:
            return -1
    return -1


def answerer_info(answerer: Any) -> dict[str, Any]:
    """model id, whether it is loaded, adapters loaded: from ``describe()`` if the
    answerer has it, else from common attribute names."""
    info: dict[str, Any] = {}
    describe = getattr(answerer, "describe", None)
    if callable(describe):
        try:
            described = describe()
            if isinstance(described, dict):
                info.update(described)
        except Exception:
            log.exception("answerer.describe() failed")
    backend = getattr(answerer, "backend", None)
    model = info.get("model", getattr(answerer, "model_id", None) or getattr(backend, "model_id", None))
    adapters = info.get("adapters", getattr(answerer, "loaded_adapters", None)) or []
    loaded = info.get("model_loaded", getattr(answerer, "model_loaded", None))
    return {
        "model": str(model) if model is not None else None,
        "model_loaded": bool(loaded) if loaded is not None else False,
        "adapters": [str(a) for a in adapters],
    }


# ----------------------------------------------------------------------------- errors
def openai_error(
    status: int, message: str, kind: str, code: str | None = None, **headers: str
) -> JSONResponse:
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers or None)


def is_openai_path(request: Request) -> bool:
    return request.url.path.startswith("/v1/")


def sparql_error(status: int, message: str, headers: dict[str, str] | None = None) -> PlainTextResponse:
    return PlainTextResponse(message + "\n", status_code=status, headers=headers)


def queue_full_response(request: Request, exc: QueueFull) -> Response:
    headers = {"Retry-After": str(exc.retry_after)}
    if is_openai_path(request):
        return openai_error(429, str(exc), "rate_limit_exceeded", "queue_full", **headers)
    return JSONResponse({"detail": str(exc)}, status_code=429, headers=headers)


def generation_error_response(request: Request, exc: BaseException) -> Response:
    if isinstance(exc, GenerationCancelled):
        status, text = 503, f"generation unavailable: {exc}"
    elif isinstance(exc, user_error_types()):
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        status, text = 503, f"the answerer failed: {message}"
    else:
        log.error("generation failed", exc_info=exc)
        status, text = 500, "internal error while generating the answer"
    if is_openai_path(request):
        return openai_error(status, text, "server_error")
    return JSONResponse({"detail": text}, status_code=status)


# ------------------------------------------------------------------------------- app
def create_app(
    answerer_factory: AnswererFactory,
    kg_factory: KGFactory,
    settings: ServerSettings | None = None,
) -> FastAPI:
    settings = settings or ServerSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        kg = await asyncio.to_thread(kg_factory)
        answerer = await asyncio.to_thread(answerer_factory)
        state = ServiceState(answerer, kg, settings)
        if state.pool is not None:
            await state.pool.start(await asyncio.to_thread(state.snapshot), settings.sparql_prestart)
        else:
            await asyncio.to_thread(warm_up, kg)
        warm = getattr(answerer, "warm", None)
        if settings.warm and callable(warm):  # load the model(s) now, not on the first request
            try:
                await asyncio.to_thread(warm, settings.warm_modes)
            except Exception as exc:  # e.g. an adapter not trained yet: those modes answer 503
                log.warning("could not warm up the answerer for %s: %s", settings.warm_modes, exc)
        app.state.axlab = state
        log.info("AX Lab service ready: %s triples", state.triples)
        try:
            yield
        finally:
            state.scheduler.shutdown()
            if state.pool is not None:
                await state.pool.close()

    app = FastAPI(
        title="AX Lab",
        version="0.1.0",
        description=(
            "Ontology-grounded question answering about an organisation's knowledge, a SPARQL 1.1 endpoint over the "
            "knowledge graph, and an OpenAI-compatible chat API whose model name selects the answer mode."
        ),
        lifespan=lifespan,
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)

    def state_of(request: Request) -> ServiceState:
        state: ServiceState = request.app.state.axlab
        return state

    # -- error handlers: 4xx in each API's own format, never a traceback -------------
    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = jsonable_errors(exc)
        if is_openai_path(request):
            # the deepest error: of a union's alternatives, the one that got furthest
            first = max(errors, key=lambda e: len(e.get("loc", ()))) if errors else {}
            where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
            return openai_error(
                400, f"invalid request: {where}: {first.get('msg', 'invalid')}", "invalid_request_error"
            )
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers) if exc.headers else None
        if is_openai_path(request):
            return openai_error(exc.status_code, str(exc.detail), "invalid_request_error", **(headers or {}))
        if request.url.path.startswith("/sparql"):
            return sparql_error(exc.status_code, str(exc.detail), headers)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)

    # -- /health -----------------------------------------------------------------------
    @app.get("/health", response_model=HealthResponse, tags=["service"])
    async def health(request: Request) -> dict[str, Any]:
        """Liveness plus what is loaded: model, adapters, triple count, queue state."""
        state = state_of(request)
        info = answerer_info(state.answerer)
        return {
            "status": "ok",
            **info,
            "triples": state.triples,
            "modes": list(MODES),
            "updates_enabled": settings.update_token is not None,
            "generation": state.scheduler.stats(),
            "sparql": state.sparql_stats(),
        }

    # -- /ask ------------------------------------------------------------------------------
    generation_responses: dict[int | str, dict[str, Any]] = {
        400: {"model": ErrorResponse, "description": "max_tokens above this server's limit"},
        409: {"model": ErrorResponse, "description": "The mode is not available here (adapter not trained)"},
        413: {"model": ErrorResponse, "description": "Request body too large"},
        429: {"model": ErrorResponse, "description": "Generation queue full; see Retry-After"},
        503: {"model": ErrorResponse, "description": "The answerer failed (e.g. model unavailable)"},
    }

    @app.post("/ask", response_model=AnswerResponse, responses=generation_responses, tags=["answer"])
    async def ask(body: AskRequest, request: Request) -> Response:
        """Answer a question; the same JSON as ``axlab ask --json``."""
        state = state_of(request)
        limit_error = check_max_tokens(body.max_tokens, settings)
        if limit_error:
            return JSONResponse({"detail": limit_error}, status_code=400)
        unavailable = mode_unavailable(state.answerer, body.mode)
        if unavailable:
            return JSONResponse({"detail": unavailable}, status_code=409)
        try:
            job = state.scheduler.submit(body.question, body.mode, body.max_tokens)
        except QueueFull as exc:
            return queue_full_response(request, exc)
        except GenerationCancelled as exc:  # shutting down
            return generation_error_response(request, exc)
        try:
            answer = await job.result(request.is_disconnected)
        except GenerationCancelled:
            return Response(status_code=499)  # the client is gone; nobody reads this
        except Exception as exc:
            return generation_error_response(request, exc)
        return JSONResponse(answer.to_json())

    # -- SPARQL 1.1 Protocol -------------------------------------------------------------
    solution_types = sorted({media for media, _ in SOLUTION_FORMATS.values()})
    graph_types = sorted({media for media, _ in GRAPH_FORMATS.values()})
    sparql_responses: dict[int | str, dict[str, Any]] = {
        200: {
            "description": "Query results: SPARQL Results JSON/XML/CSV/TSV for SELECT and ASK, "
            "Turtle/N-Triples/RDF-XML/JSON-LD for CONSTRUCT and DESCRIBE (chosen by Accept)",
            "content": {
                media: {"schema": {} if media.endswith("json") else {"type": "string"}}
                for media in solution_types + graph_types
            },
        },
        400: {"description": "Missing query or SPARQL syntax error (the parser's message)"},
        403: {
            "description": "An update sent to the read-only endpoint, or a forbidden clause (SERVICE, FROM)"
        },
        406: {"description": "No acceptable result format"},
        413: {"description": "Result above --max-results, or request body too large"},
        415: {"description": "Unsupported request Content-Type"},
        503: {"description": "Query exceeded --query-timeout, or too many queries running"},
    }
    query_param = {
        "name": "query",
        "in": "query",
        "required": True,
        "schema": {"type": "string", "minLength": 1},
        "description": "The SPARQL query",
        "example": "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 10",
    }

    async def execute_query(request: Request, text: str | None) -> Response:
        state = state_of(request)
        if text is None or not text.strip():
            return sparql_error(400, "missing SPARQL query: pass it as the 'query' parameter")
        accept = request.headers.get("accept")
        try:
            if state.pool is not None:
                result = await state.pool.run(text, accept, settings.max_results)
            else:
                result = await state.sparql.run(
                    lambda: run_query(state.kg, text, accept, settings.max_results)
                )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            status, message = error_status(exc)
            if status >= 500 and not isinstance(exc, SparqlHTTPError):
                log.error("SPARQL query failed", exc_info=exc)
            headers = getattr(exc, "headers", None) or None
            return sparql_error(status, message, headers)
        media = result.media_type + ("; charset=utf-8" if result.media_type in TEXT_TYPES else "")
        return Response(result.body, media_type=media, headers={"Vary": "Accept"})

    @app.get(
        "/sparql",
        tags=["sparql"],
        responses=sparql_responses,
        response_class=Response,
        openapi_extra={"parameters": [query_param]},
    )
    async def sparql_get(request: Request) -> Response:
        """SPARQL 1.1 query via GET (``?query=``). Read-only."""
        params = request.query_params
        if params.get("update") is not None:
            return sparql_error(403, READ_ONLY_MESSAGE)
        queries = params.getlist("query")
        if len(queries) > 1:
            return sparql_error(400, "more than one 'query' parameter")
        if dataset_params(params.multi_items()):
            return sparql_error(
                400, "default-graph-uri / named-graph-uri are not supported: one dataset only"
            )
        return await execute_query(request, queries[0] if queries else None)

    @app.post(
        "/sparql",
        tags=["sparql"],
        responses=sparql_responses,
        response_class=Response,
        openapi_extra={"requestBody": sparql_request_body("query", "application/sparql-query")},
    )
    async def sparql_post(request: Request) -> Response:
        """SPARQL 1.1 query via POST: url-encoded form with ``query=`` or a
        ``application/sparql-query`` body. Updates are refused here (403)."""
        content_type = media_type_of(request)
        raw = await request.body()
        if content_type == "application/x-www-form-urlencoded":
            form = parse_form(raw)
            if form is None:
                return sparql_error(400, "the form body is not valid UTF-8 url-encoded data")
            if "update" in form:
                return sparql_error(403, READ_ONLY_MESSAGE)
            if dataset_params((k, v) for k, values in form.items() for v in values) or dataset_params(
                request.query_params.multi_items()
            ):
                return sparql_error(
                    400, "default-graph-uri / named-graph-uri are not supported: one dataset only"
                )
            queries = form.get("query", [])
            if len(queries) > 1:
                return sparql_error(400, "more than one 'query' parameter")
            return await execute_query(request, queries[0] if queries else None)
        if content_type == "application/sparql-query":
            text = decode_utf8(raw)
            if text is None:
                return sparql_error(400, "the query is not valid UTF-8")
            return await execute_query(request, text)
        if content_type == "application/sparql-update":
            return sparql_error(403, READ_ONLY_MESSAGE)
        return sparql_error(
            415,
            "unsupported Content-Type: use application/x-www-form-urlencoded (query=...) "
            "or application/sparql-query",
        )

    @app.post(
        "/sparql/update",
        tags=["sparql"],
        responses={
            200: {"description": "Update applied"},
            400: {"description": "Missing update or syntax error"},
            401: {"description": "No bearer token"},
            403: {"description": "Wrong token, or a forbidden operation (LOAD, SERVICE)"},
            404: {"description": "Updates are disabled (server started without --update-token)"},
            415: {"description": "Unsupported request Content-Type"},
        },
        openapi_extra={
            "requestBody": sparql_request_body("update", "application/sparql-update"),
            "security": [{"bearer": []}],
        },
    )
    async def sparql_update(request: Request) -> Response:
        """SPARQL 1.1 Update; enabled only by ``--update-token`` and needs
        ``Authorization: Bearer <token>``."""
        state = state_of(request)
        token = settings.update_token
        if token is None:
            return sparql_error(404, "SPARQL updates are disabled: start the server with --update-token")
        scheme, _, presented = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            return sparql_error(401, "missing bearer token", {"WWW-Authenticate": 'Bearer realm="axlab"'})
        if not hmac.compare_digest(presented.strip().encode(), token.encode()):
            return sparql_error(403, "wrong update token")
        content_type = media_type_of(request)
        raw = await request.body()
        if content_type == "application/x-www-form-urlencoded":
            form = parse_form(raw)
            if form is None:
                return sparql_error(400, "the form body is not valid UTF-8 url-encoded data")
            updates = form.get("update", [])
            if len(updates) != 1:
                return sparql_error(400, "pass exactly one 'update' parameter")
            text: str | None = updates[0]
        elif content_type == "application/sparql-update":
            text = decode_utf8(raw)
        else:
            return sparql_error(
                415,
                "unsupported Content-Type: use application/x-www-form-urlencoded or application/sparql-update",
            )
        if text is None or not text.strip():
            return sparql_error(400, "missing SPARQL update")
        update_text = text
        kg = state.kg

        def work() -> tuple[int, bytes | None]:
            run_update(kg, update_text)
            return count_triples(kg), state.snapshot() if state.pool is not None else None

        try:
            state.triples, snapshot = await state.sparql.run(work, write=True, interruptible=False)
            if state.pool is not None and snapshot is not None:
                state.pool.refresh(snapshot)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            status, message = error_status(exc)
            if status >= 500 and not isinstance(exc, SparqlHTTPError):
                log.error("SPARQL update failed", exc_info=exc)
            return sparql_error(status, message)
        return JSONResponse({"status": "ok", "triples": state.triples})

    # -- OpenAI-compatible ------------------------------------------------------------------
    openai_responses: dict[int | str, dict[str, Any]] = {
        400: {"model": OpenAIError, "description": "Invalid request"},
        404: {"model": OpenAIError, "description": "Unknown model, or its adapter is not trained here"},
        413: {"model": ErrorResponse, "description": "Request body too large"},
        429: {"model": OpenAIError, "description": "Generation queue full; see Retry-After"},
        503: {"model": OpenAIError, "description": "The answerer failed"},
    }

    @app.get("/v1/models", response_model=ModelList, tags=["openai"])
    async def list_models(request: Request) -> ModelList:
        """The four answer modes as models: axlab-base, axlab-lora, axlab-graph, axlab-hybrid."""
        created = state_of(request).started
        return ModelList(data=[ModelCard(id=name, created=created) for name in MODEL_NAMES])

    @app.post(
        "/v1/chat/completions",
        response_model=ChatCompletionResponse,
        responses={
            **openai_responses,
            200: {
                "description": "A chat.completion, or with stream=true an SSE stream of "
                "chat.completion.chunk objects ending with data: [DONE]; the last chunk "
                "(and the completion) carries the extra field `axlab`: "
                "{mode, answer, context, abstained, verification, model, adapter, timings_ms}",
                "content": {"text/event-stream": {"schema": {}}},
            },
        },
        tags=["openai"],
    )
    async def chat_completions(body: ChatCompletionRequest, request: Request) -> Response:
        """OpenAI-compatible chat completion. The model name selects the mode; the last
        user message is the question, the system messages go to the model as its system text
        (other messages are ignored); ``max_tokens`` (or
        ``max_completion_tokens``) is honoured; sampling parameters are ignored."""
        state = state_of(request)
        mode = MODEL_NAMES.get(body.model)
        if mode is None:
            return openai_error(
                404,
                f"The model '{body.model}' does not exist; use one of {', '.join(MODEL_NAMES)}",
                "invalid_request_error",
                "model_not_found",
            )
        if body.n not in (None, 1):
            return openai_error(400, "only n=1 is supported", "invalid_request_error")
        question = last_user_message(body)
        if question is None:
            return openai_error(
                400,
                "no user message with visible text (only whitespace, control or zero-width characters?)",
                "invalid_request_error",
            )
        if len(question) > MAX_QUESTION_CHARS:
            return openai_error(
                400,
                f"the last user message is too long ({len(question)} characters; the limit is {MAX_QUESTION_CHARS})",
                "invalid_request_error",
            )
        system = system_text(body)
        if system is not None and len(system) > MAX_SYSTEM_CHARS:
            return openai_error(
                400,
                f"the system messages are too long ({len(system)} characters; the limit is {MAX_SYSTEM_CHARS})",
                "invalid_request_error",
            )
        max_tokens = body.max_completion_tokens or body.max_tokens
        limit_error = check_max_tokens(max_tokens, settings)
        if limit_error:
            return openai_error(400, limit_error, "invalid_request_error")
        unavailable = mode_unavailable(state.answerer, mode)
        if unavailable:
            return openai_error(404, unavailable, "invalid_request_error", "model_not_found")
        try:
            job = state.scheduler.submit(question, mode, max_tokens, system)
        except QueueFull as exc:
            return queue_full_response(request, exc)
        except GenerationCancelled as exc:  # shutting down
            return generation_error_response(request, exc)
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        created = int(time.time())
        if body.stream:
            return StreamingResponse(
                stream_chunks(job, request, completion_id, created, body.model, max_tokens),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
            )
        try:
            answer = await job.result(request.is_disconnected)
        except GenerationCancelled:
            return Response(status_code=499)
        except Exception as exc:
            return generation_error_response(request, exc)
        response = ChatCompletionResponse(
            id=completion_id,
            created=created,
            model=body.model,
            choices=[
                ChatCompletionChoice(
                    message=ChatCompletionMessage(content=answer.answer),
                    finish_reason=finish_reason(answer, max_tokens),
                )
            ],
            axlab=axlab_extra(answer),
        )
        return JSONResponse(response.model_dump())

    app.include_router(create_web_router())
    _add_security_scheme(app)
    return app


# ----------------------------------------------------------------------------- helpers
def _add_security_scheme(app: FastAPI) -> None:
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        components = schema.setdefault("components", {})
        components.setdefault("securitySchemes", {})["bearer"] = {"type": "http", "scheme": "bearer"}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def jsonable_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Validation errors without the raw input (may be huge or not JSON-serialisable)."""
    out = []
    for error in exc.errors():
        out.append(
            {"loc": list(error.get("loc", ())), "msg": str(error.get("msg", "")), "type": error.get("type")}
        )
    return out


def mode_unavailable(answerer: Any, mode: Mode) -> str | None:
    """Why ``mode`` cannot answer here (e.g. its adapter is not trained), when the answerer can
    tell (``adapter_for``): checked before queueing, so it is a quick 4xx and not a 503."""
    adapter_for = getattr(answerer, "adapter_for", None)
    if not callable(adapter_for):
        return None
    try:
        adapter_for(mode)
    except user_error_types() as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"mode '{mode}' is not available on this server: {first}"
    return None


def check_max_tokens(max_tokens: int | None, settings: ServerSettings) -> str | None:
    if max_tokens is not None and max_tokens > settings.max_tokens_limit:
        return f"max_tokens must be <= {settings.max_tokens_limit} on this server"
    return None


def media_type_of(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def decode_utf8(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def parse_form(raw: bytes) -> dict[str, list[str]] | None:
    text = decode_utf8(raw)
    if text is None:
        return None
    try:
        return parse_qs(text, keep_blank_values=True, strict_parsing=False, errors="strict")
    except (ValueError, UnicodeDecodeError):
        return None


def dataset_params(items: Any) -> bool:
    return any(
        k in ("default-graph-uri", "named-graph-uri", "using-graph-uri", "using-named-graph-uri") and v
        for k, v in items
    )


def last_user_message(body: ChatCompletionRequest) -> str | None:
    for message in reversed(body.messages):
        if message.role == "user":
            text = message.text()
            return None if is_blank(text) else text
    return None


def system_text(body: ChatCompletionRequest) -> str | None:
    """The request's system (and developer) messages, joined: the model sees them as its
    system turn (folded into the user turn where the chat template has no system role)."""
    texts = [m.text().strip() for m in body.messages if m.role in ("system", "developer")]
    joined = "\n\n".join(text for text in texts if text)
    return joined or None


def finish_reason(answer: Answer, max_tokens: int | None) -> Literal["stop", "length"]:
    timings = answer.timings_ms or {}
    generated = timings.get("decode_tokens") or timings.get("tokens") or timings.get("generated_tokens")
    if max_tokens is not None and generated is not None and generated >= max_tokens:
        return "length"
    return "stop"


def axlab_extra(answer: Answer) -> AxlabExtra:
    data = answer.to_json()
    return AxlabExtra(
        mode=answer.mode,
        answer=answer.answer,
        context=data["context"],
        abstained=answer.abstained,
        verification=answer.verification,
        model=answer.model,
        adapter=answer.adapter,
        timings_ms=data["timings_ms"],
    )


def _sse(payload: dict[str, Any] | str) -> bytes:
    data = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return f"data: {data}\n\n".encode()


async def stream_chunks(
    job: GenerationJob, request: Request, completion_id: str, created: int, model: str, max_tokens: int | None
) -> AsyncIterator[bytes]:
    """OpenAI chat.completion.chunk events; the last one has finish_reason and ``axlab``."""

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        payload = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return _sse(payload)

    sent: list[str] = []
    try:
        yield chunk({"role": "assistant", "content": ""})
        async for item in job.events(request.is_disconnected):
            if isinstance(item, Answer):
                streamed = "".join(sent)
                if item.answer != streamed and item.answer.startswith(streamed):
                    yield chunk({"content": item.answer[len(streamed) :]})
                extra = axlab_extra(item).model_dump()
                yield chunk({}, finish_reason(item, max_tokens), axlab=extra)
                yield _sse("[DONE]")
                return
            sent.append(item)
            yield chunk({"content": item})
    except GenerationCancelled:
        return
    except asyncio.CancelledError:
        job.cancel()
        raise
    except Exception as exc:
        if isinstance(exc, user_error_types()):
            message = f"the answerer failed: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        else:
            log.error("generation failed mid-stream", exc_info=exc)
            message = "internal error while generating the answer"
        yield _sse({"error": {"message": message, "type": "server_error", "param": None, "code": None}})
    finally:
        job.cancel()
