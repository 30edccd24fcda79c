"""HTTP/1.1 connections with a deadline for receiving each request (against slowloris).

uvicorn's ``timeout_keep_alive`` closes a connection that stays idle *after* a response. A
client that opens a connection and then sends its request line, headers or body a byte at a
time is never timed out: a few hundred such clients hold as many sockets for as long as they
like. :func:`guarded_h11` returns uvicorn's h11 protocol with one addition: each request must
arrive whole (line, headers and body) within ``request_timeout`` seconds of the connection
opening or of the previous response, or the connection is closed. Handling a request, however
long it takes (a generation), is not limited here.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol plus a deadline for receiving each request."""

    request_timeout: float = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._waiting_since = self.loop.time()
        self._guard: asyncio.TimerHandle | None = self.loop.call_later(self.request_timeout, self._check)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._guard is not None:
            self._guard.cancel()
            self._guard = None
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        self._waiting_since = self.loop.time()  # the next request's time starts now
        super().on_response_complete()

    def _receiving(self) -> bool:
        """Whether the connection waits for (the rest of) a request rather than for the app."""
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            return True
        return bool(cycle.more_body)

    def _check(self) -> None:
        self._guard = None
        if self.transport.is_closing():
            return
        now = self.loop.time()
        if not self._receiving():
            self._guard = self.loop.call_later(self.request_timeout, self._check)
            return
        deadline = self._waiting_since + self.request_timeout
        if now >= deadline:
            self.logger.debug(
                "closing a connection that did not send its request within %ss", self.request_timeout
            )
            self.transport.close()
            return
        self._guard = self.loop.call_later(deadline - now, self._check)


def guarded_h11(request_timeout: float) -> type[GuardedH11Protocol]:
    """The protocol class to pass to uvicorn as ``http=`` with this deadline."""
    attributes: dict[str, Any] = {"request_timeout": request_timeout}
    return type("GuardedH11Protocol", (GuardedH11Protocol,), attributes)
