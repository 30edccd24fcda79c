"""SPARQL read queries in worker processes that the time limit really ends.

A query thread cannot be stopped while C code holds the GIL (Python's regex on a
catastrophic pattern, for one), and Oxigraph, which releases it, cannot be interrupted at
all. So each read query goes to a child process (:mod:`pipeline.server.sparql_worker`) holding
a snapshot of the graph: the server only waits on a pipe, ``/health`` and everything else keep
answering, and past ``query_timeout`` the child is killed (503) and replaced.

* at most ``size`` children exist and each runs one query at a time; idle ones are kept,
  and a spare is started after a kill, so the next query rarely waits for a start;
* the time limit counts from when a child has the query (a start is bounded apart);
* a child loads the snapshot when it starts and again after :meth:`QueryPool.refresh`
  (an update), before its next query;
* a child that dies (e.g. past its memory cap) is a 503 for that query only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import struct
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from pipeline.server.frames import HEADER, encode
from pipeline.server.sparql import QueryTimeout, SparqlHTTPError, SparqlResponse

log = logging.getLogger("axlab.server.sparql")
STARTUP_S = 30.0  # the longest a query waits for a worker process to start


class WorkerDied(Exception):
    """The child exited (killed, crashed or out of memory) before it replied."""


def _source_root() -> str:
    """The folder that holds the ``pipeline`` package this server runs from."""
    return str(Path(__file__).resolve().parents[2])


class Worker:
    """One child process and its pipes."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.version = -1  # the snapshot it holds
        self.killed = False

    @classmethod
    async def spawn(cls, memory_mb: int) -> Worker:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_source_root(), env.get("PYTHONPATH")) if p)
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "pipeline.server.sparql_worker",
            str(memory_mb),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=env,
        )
        return cls(proc)

    @property
    def alive(self) -> bool:
        return not self.killed and self.proc.returncode is None

    async def call(self, header: dict[str, Any], body: bytes = b"") -> tuple[dict[str, Any], bytes]:
        stdin, stdout = self.proc.stdin, self.proc.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(encode(header, body))
            await stdin.drain()
            head_size, body_size = HEADER.unpack(await stdout.readexactly(HEADER.size))
            reply = json.loads(await stdout.readexactly(head_size))
            payload = await stdout.readexactly(body_size)
        except (asyncio.IncompleteReadError, ConnectionError, struct.error, ValueError) as exc:
            self.kill()
            raise WorkerDied(str(exc) or type(exc).__name__) from None
        return reply, payload

    async def load(self, snapshot: bytes, version: int) -> None:
        reply, _ = await self.call({"op": "load"}, snapshot)
        if not reply.get("ok"):
            raise WorkerDied(str(reply.get("message", "the snapshot did not load")))
        self.version = version

    def kill(self) -> None:
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        self.killed = True


class QueryPool:
    """Read queries in at most ``size`` worker processes (see the module docstring)."""

    def __init__(self, size: int, timeout: float, memory_mb: int, max_bytes: int) -> None:
        self.size = size
        self.timeout = timeout  # per query, from when a worker has it
        self.start_timeout = max(STARTUP_S, timeout)  # waiting for a worker to start
        self.memory_mb = memory_mb
        self.max_bytes = max_bytes
        self._snapshot = b""
        self._version = 0
        self._idle: list[Worker] = []
        self._workers: set[Worker] = set()  # started (alive, or dying)
        self._spawning = 0  # processes being created, not yet in _workers
        self._starting = 0  # workers being created or loading their first snapshot
        self._changed = asyncio.Event()  # a worker became idle, or one stopped starting
        self._slots: asyncio.Semaphore | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._running = 0
        self._timeouts = 0
        self._killed = 0
        self._died = 0
        self._closed = False

    # -- lifecycle --------------------------------------------------------------------------
    async def start(self, snapshot: bytes, prestart: bool = False) -> None:
        """Take the first snapshot and start one worker; the others start on demand, or with
        ``prestart`` now in the background (so no query of a first burst waits for one)."""
        self._slots = asyncio.Semaphore(self.size)
        self.refresh(snapshot)
        self._check_in(await self._new_worker())
        for _ in range(self.size - 1 if prestart else 0):
            self._background(self._spare())

    def refresh(self, snapshot: bytes) -> None:
        """A new snapshot (after an update): each worker loads it before its next query."""
        self._snapshot = snapshot
        self._version += 1

    async def close(self) -> None:
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        workers = list(self._workers)
        for worker in workers:
            worker.kill()
        for worker in workers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(worker.proc.wait(), 5)
        self._workers.clear()
        self._idle.clear()

    def stats(self) -> dict[str, Any]:
        return {
            "running": self._running,
            "workers": self.size,
            "timeouts": self._timeouts,
            "interrupted": self._killed,
            "processes": sum(1 for w in self._workers if w.alive),
            "worker_deaths": self._died,
        }

    # -- queries ------------------------------------------------------------------------------
    async def run(self, text: str, accept: str | None, max_results: int) -> SparqlResponse:
        """One read query: the serialised result, or a :class:`SparqlHTTPError` to send."""
        slots = self._slots
        if slots is None or self._closed:
            raise SparqlHTTPError("the SPARQL endpoint is not running", 503)
        try:
            await asyncio.wait_for(slots.acquire(), timeout=self.timeout)
        except TimeoutError:
            raise QueryTimeout(
                f"server busy: {self.size} SPARQL queries already running for {self.timeout:g} s; retry later",
                headers={"Retry-After": str(max(1, round(self.timeout)))},
            ) from None
        self._running += 1
        worker: Worker | None = None
        try:
            try:
                worker = await asyncio.wait_for(self._checkout(), self.start_timeout)
            except TimeoutError:
                raise SparqlHTTPError(
                    f"no SPARQL worker process started within {self.start_timeout:g} s; retry later",
                    503,
                    {"Retry-After": str(max(1, round(self.timeout)))},
                ) from None
            request = {
                "op": "query",
                "text": text,
                "accept": accept,
                "max_results": max_results,
                "max_bytes": self.max_bytes,
            }
            reply, body = await asyncio.wait_for(worker.call(request), self.timeout)
        except TimeoutError:
            self._timeouts += 1
            self._stop(worker)
            raise QueryTimeout(
                f"query exceeded the time limit of {self.timeout:g} s (this server's --query-timeout); "
                "simplify it or add LIMIT"
            ) from None
        except asyncio.CancelledError:  # the client went away: stop the work too
            self._stop(worker)
            raise
        except WorkerDied as exc:
            self._died += 1
            log.warning("SPARQL worker died during a query: %s", exc)
            raise SparqlHTTPError(
                "the query ended its worker process (out of memory or crashed); simplify it or add LIMIT",
                503,
            ) from None
        finally:
            self._running -= 1
            slots.release()
            if worker is not None:
                self._check_in(worker)
        if not reply.get("ok"):
            headers = {str(k): str(v) for k, v in (reply.get("headers") or {}).items()}
            raise SparqlHTTPError(str(reply.get("message")), int(reply.get("status", 500)), headers)
        return SparqlResponse(body, str(reply["media_type"]), str(reply["result_type"]), int(reply["count"]))

    async def _checkout(self) -> Worker:
        """An idle worker with the current snapshot, a new one, or the next one to become idle."""
        while True:
            while self._idle:
                worker = self._idle.pop()
                if not worker.alive:
                    self._discard(worker)
                    continue
                if worker.version != self._version:
                    try:
                        await worker.load(self._snapshot, self._version)
                    except BaseException:
                        self._discard(worker)
                        raise
                return worker
            if len(self._workers) + self._spawning < self.size:
                return await self._new_worker()
            self._changed.clear()  # no await since the checks above: no wake-up can be missed
            await self._changed.wait()

    async def _new_worker(self) -> Worker:
        self._starting += 1
        worker: Worker | None = None
        try:
            self._spawning += 1
            try:
                worker = await Worker.spawn(self.memory_mb)
                self._workers.add(worker)
            finally:
                self._spawning -= 1
            await worker.load(self._snapshot, self._version)
            return worker
        except OSError as exc:
            raise SparqlHTTPError(f"cannot start a SPARQL worker process: {exc}", 503) from None
        except BaseException:
            if worker is not None:
                self._discard(worker)
            raise
        finally:
            self._starting -= 1
            self._changed.set()

    def _check_in(self, worker: Worker) -> None:
        if worker.alive and not self._closed:
            self._idle.append(worker)
            self._changed.set()
        else:
            self._discard(worker)

    def _stop(self, worker: Worker | None) -> None:
        """Kill a worker whose query ran out of time (its reply would come too late)."""
        if worker is not None and worker.alive:
            worker.kill()
            self._killed += 1

    def _discard(self, worker: Worker) -> None:
        """Forget a dead (or dying) worker; start a spare if none is idle or starting."""
        worker.kill()
        self._workers.discard(worker)
        with contextlib.suppress(ValueError):
            self._idle.remove(worker)
        self._background(self._wait(worker))
        self._changed.set()
        room = len(self._workers) + self._spawning < self.size
        if room and not self._idle and not self._starting and not self._closed:
            self._background(self._spare())

    async def _spare(self) -> None:
        """Start a worker in the background so the next query does not wait for one."""
        if self._closed or len(self._workers) + self._spawning >= self.size:
            return
        try:
            worker = await self._new_worker()
        except Exception as exc:
            log.warning("could not start a spare SPARQL worker: %s", exc)
            return
        self._check_in(worker)

    @staticmethod
    async def _wait(worker: Worker) -> None:
        with contextlib.suppress(Exception):
            await worker.proc.wait()

    def _background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
