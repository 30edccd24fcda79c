"""Helpers to run the service in tests and benchmarks (loopback only).

* :class:`ScriptedAnswerer`: a deterministic :class:`~pipeline.types.Answerer` that streams a
  canned answer word by word with an optional delay, records every question verbatim
  and checks that no two generations overlap.
* :class:`ServerThread`: uvicorn serving an app on 127.0.0.1 and a free port, in a thread.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any

import uvicorn
from fastapi import FastAPI

from pipeline.server.settings import ServerSettings
from pipeline.server.sparql import QueryableGraph
from pipeline.types import DEFAULT_MODE, Answer, Answerer, Mode

# A made-up organisation: the double answers the same whatever knowledge is loaded.
CANNED_ANSWER = "Example Org was founded in 2001 by Ada Park in Springfield."
CANNED_CONTEXT: list[dict[str, Any]] = [
    {"subject": "Example Org", "predicate": "founded in", "object": "2001", "inferred": False, "proof": []},
    {
        "subject": "Example Org",
        "predicate": "located in",
        "object": "Springfield",
        "inferred": True,
        "proof": [
            {"subject": "Example Org", "predicate": "located in", "object": "Oak Street"},
            {"subject": "Oak Street", "predicate": "part of", "object": "Old Town"},
            {"subject": "Old Town", "predicate": "part of", "object": "Springfield"},
        ],
    },
]
LOOPBACK = "127.0.0.1"


class OverlapError(AssertionError):
    """Two generations ran at once on the double's one model."""


class ScriptedAnswerer:
    """Streams ``text`` one word per token, ``token_delay`` seconds apart. While ``gate`` is
    given and not set, a generation waits before its first token (a test holds the queue full)."""

    def __init__(
        self,
        text: str = CANNED_ANSWER,
        token_delay: float = 0.0,
        model_id: str = "scripted-double",
        fail_with: BaseException | None = None,
        gate: threading.Event | None = None,
    ) -> None:
        self.text = text
        self.gate = gate
        self.token_delay = token_delay
        self.model_id = model_id
        self.fail_with = fail_with
        self.calls: list[tuple[str, Mode, int | None]] = []
        self.systems: list[str | None] = []  # the system text given with each call
        self.started = 0
        self.finished = 0
        self.stopped = 0  # generations closed before their last token
        self.tokens_emitted = 0
        self.max_active = 0
        self._active = 0
        self._lock = threading.Lock()

    # describe() feeds /health
    def describe(self) -> dict[str, Any]:
        return {"model": self.model_id, "model_loaded": True, "adapters": ["scripted-adapter"]}

    def tokens(self, max_tokens: int | None) -> list[str]:
        words = self.text.split(" ")
        pieces = [word + " " for word in words[:-1]] + [words[-1]]
        return pieces if max_tokens is None else pieces[:max_tokens]

    def ask_stream(
        self,
        question: str,
        mode: Mode = DEFAULT_MODE,
        max_tokens: int | None = None,
        system: str | None = None,
    ) -> Iterator[str | Answer]:
        with self._lock:
            self.calls.append((question, mode, max_tokens))
            self.systems.append(system)
            self._active += 1
            self.started += 1
            self.max_active = max(self.max_active, self._active)
            overlapping = self._active > 1
        completed = False
        started = time.perf_counter()
        try:
            if overlapping:
                raise OverlapError("two generations at once on one model")
            if self.fail_with is not None:
                raise self.fail_with
            if self.gate is not None:
                self.gate.wait()
            pieces = self.tokens(max_tokens)
            for piece in pieces:
                if self.token_delay:
                    time.sleep(self.token_delay)
                with self._lock:
                    self.tokens_emitted += 1
                yield piece
            completed = True
            grounded = mode in ("graph", "hybrid")
            yield Answer(
                question=question,
                mode=mode,
                answer="".join(pieces),
                context=[dict(c) for c in CANNED_CONTEXT] if grounded else [],
                abstained=False,
                model=self.model_id,
                adapter="scripted-adapter" if mode in ("lora", "hybrid") else None,
                timings_ms={"generate": (time.perf_counter() - started) * 1000, "tokens": float(len(pieces))},
                verification={"supported": True} if grounded else None,
            )
        finally:
            with self._lock:
                self._active -= 1
                if completed:
                    self.finished += 1
                else:
                    self.stopped += 1

    def ask(self, question: str, mode: Mode = DEFAULT_MODE, max_tokens: int | None = None) -> Answer:
        answer: Answer | None = None
        for item in self.ask_stream(question, mode, max_tokens):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer


def free_socket(host: str = LOOPBACK) -> socket.socket:
    """A bound loopback socket on a free port (no race between picking and binding)."""
    if host not in (LOOPBACK, "localhost", "::1"):
        raise ValueError("test servers bind loopback only")
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose proto
    # is TCP; with proto 0, Nagle + delayed ACK add ~40 ms to every keep-alive response
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, 0))
    return sock


class ServerThread:
    """``with ServerThread(app) as server: httpx.get(server.url + "/health")``."""

    def __init__(self, app: FastAPI, startup_timeout: float = 120.0, log_level: str = "warning") -> None:
        self.app = app
        self.startup_timeout = startup_timeout
        self.sock = free_socket()
        self.port: int = self.sock.getsockname()[1]
        self.url = f"http://{LOOPBACK}:{self.port}"
        config = uvicorn.Config(
            app,
            log_level=log_level,
            lifespan="on",
            timeout_graceful_shutdown=2,
            timeout_keep_alive=5,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._serve, name=f"axlab-server-{self.port}", daemon=True)
        self.error: BaseException | None = None

    def _serve(self) -> None:
        try:
            self.server.run(sockets=[self.sock])
        except BaseException as exc:
            self.error = exc

    def start(self) -> ServerThread:
        if self.thread.is_alive() or self.server.started:
            return self
        self.thread.start()
        deadline = time.monotonic() + self.startup_timeout
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError(f"server failed to start: {self.error!r}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError("server did not start in time")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.sock.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve_double(
    answerer: Answerer,
    settings: ServerSettings | None = None,
    kg_factory: Callable[[], QueryableGraph] | None = None,
) -> ServerThread:
    """A started :class:`ServerThread` for ``answerer`` over the real knowledge graph
    (or ``kg_factory``); stop it with ``.stop()`` or use it as a context manager."""
    from pipeline.server.app import create_app

    if kg_factory is None:
        from kg import KnowledgeGraph

        kg_factory = KnowledgeGraph.load
    app = create_app(lambda: answerer, kg_factory, settings or ServerSettings())
    return ServerThread(app).start()
