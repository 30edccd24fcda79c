"""Generation scheduling: a bounded queue in front of one worker thread per model.

* Each model (``model_key(mode)`` of the answerer, one shared key by default) has a
  single-thread executor, so one model never runs two generations at once.
* At most ``queue_size`` requests wait for a model; the next one is refused with
  :class:`QueueFull` (the HTTP layer answers 429 with ``Retry-After``).
* A request whose client went away is cancelled: a waiting one leaves the queue, a
  running one stops at its next token (answerers that stream) and frees its slot.

Answerers may stream: a method ``ask_stream(question, mode, max_tokens)`` (also accepted
under the names ``stream``/``stream_ask``) yielding text pieces (``str`` or objects with a
``text`` attribute) and finally the :class:`~pipeline.types.Answer`. Answerers that only
implement ``ask`` are run whole and their answer is delivered as one piece.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pipeline.types import Answer, Answerer, Mode

STREAM_METHOD_NAMES = ("ask_stream", "stream", "stream_ask")
DISCONNECT_POLL_S = 0.2
DEFAULT_MODEL_KEY = "default"
RETRY_AFTER_MAX_S = 600


class QueueFull(Exception):
    """Every model is busy and the waiting queue is full."""

    def __init__(self, retry_after: int, waiting: int) -> None:
        super().__init__(f"generation queue is full ({waiting} waiting); retry in {retry_after} s")
        self.retry_after = retry_after
        self.waiting = waiting


class GenerationCancelled(Exception):
    """The request was cancelled (client gone or server shutting down)."""


@dataclass
class _End:
    error: BaseException | None = None


def stream_method(answerer: Answerer) -> Callable[..., Iterator[Any]] | None:
    for name in STREAM_METHOD_NAMES:
        method = getattr(answerer, name, None)
        if callable(method):
            return method
    return None


def iter_answer(
    answerer: Answerer, question: str, mode: Mode, max_tokens: int | None, system: str | None = None
) -> Generator[str | Answer, None, None]:
    """Text pieces then the final Answer, whatever kind of answerer this is. ``system`` (the
    caller's system text) is passed on only when given: answerers need not take it."""
    extra: dict[str, Any] = {"system": system} if system else {}
    method = stream_method(answerer)
    if method is None:
        answer = answerer.ask(question, mode=mode, max_tokens=max_tokens, **extra)
        if answer.answer:
            yield answer.answer
        yield answer
        return
    final: Answer | None = None
    pieces: list[str] = []
    generator = method(question, mode=mode, max_tokens=max_tokens, **extra)
    try:
        for item in generator:
            if isinstance(item, Answer):
                final = item
                continue
            text = item if isinstance(item, str) else getattr(item, "text", None)
            if text:
                pieces.append(text)
                yield text
    finally:
        close = getattr(generator, "close", None)
        if callable(close):
            close()
    if final is None:  # a stream that never produced its Answer: build a minimal one
        final = Answer(
            question=question,
            mode=mode,
            answer="".join(pieces),
            context=[],
            abstained=False,
            model=str(getattr(answerer, "model_id", "unknown")),
            adapter=None,
        )
    yield final


class GenerationJob:
    """One admitted request; consume it with :meth:`events` or :meth:`result`."""

    def __init__(self, scheduler: GenerationScheduler, loop: asyncio.AbstractEventLoop) -> None:
        self._scheduler = scheduler
        self._loop = loop
        self._queue: asyncio.Queue[str | Answer | _End] = asyncio.Queue()
        self.stop = threading.Event()
        self.future: Future[None] | None = None
        self.started = threading.Event()
        self.key = DEFAULT_MODEL_KEY  # the model whose worker runs it

    def post(self, item: str | Answer | _End) -> None:
        """Called from the worker thread."""
        with contextlib.suppress(RuntimeError):  # loop already closed (shutdown)
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)

    def cancel(self) -> None:
        """Leave the queue if still waiting; stop at the next token if running."""
        self.stop.set()
        future = self.future
        if future is not None and future.cancel():
            self._scheduler._dequeued_without_running(self)

    async def events(self, is_disconnected: Callable[[], Awaitable[bool]]) -> AsyncIterator[str | Answer]:
        """Text pieces, then the Answer. Stops (and cancels the job) if the client leaves."""
        try:
            while True:
                try:
                    item = await asyncio.wait_for(self._queue.get(), timeout=DISCONNECT_POLL_S)
                except TimeoutError:
                    if await is_disconnected():
                        raise GenerationCancelled("client disconnected") from None
                    continue
                if isinstance(item, _End):
                    if item.error is not None:
                        raise item.error
                    return
                if not isinstance(item, Answer) and await is_disconnected():
                    raise GenerationCancelled("client disconnected")
                yield item
        finally:
            self.cancel()  # no-op once the job has finished

    async def result(self, is_disconnected: Callable[[], Awaitable[bool]]) -> Answer:
        answer: Answer | None = None
        async for item in self.events(is_disconnected):
            if isinstance(item, Answer):
                answer = item
        if answer is None:
            raise GenerationCancelled("generation stopped before an answer")
        return answer


class GenerationScheduler:
    def __init__(self, answerer: Answerer, queue_size: int, retry_after_min_s: int = 1) -> None:
        self.answerer = answerer
        self.queue_size = queue_size
        self.retry_after_min_s = retry_after_min_s
        self._lock = threading.Lock()
        self._executors: dict[str, ThreadPoolExecutor] = {}
        self._waiting = 0
        self._running = 0
        self._admitted: dict[str, int] = {}  # per model: admitted and not yet finished
        self._completed = 0
        self._rejected = 0
        self._cancelled = 0
        self._mean_s: float | None = None  # moving average of one generation's duration
        self._run_started: dict[GenerationJob, float] = {}  # running jobs -> monotonic start
        self._jobs: set[GenerationJob] = set()
        self._closed = False

    # -- admission -------------------------------------------------------------------
    def model_key(self, mode: Mode) -> str:
        key_of = getattr(self.answerer, "model_key", None)
        if callable(key_of):
            return str(key_of(mode))
        return DEFAULT_MODEL_KEY

    def retry_after(self) -> int:
        with self._lock:
            return self._retry_after_locked()

    def _retry_after_locked(self) -> int:
        """Seconds until a request queued now would start: what the running generations have
        left plus one mean generation per waiting request, over the models running in parallel.
        Before any generation has finished, the mean is at least the running ones' age."""
        now = time.monotonic()
        ages = [now - started for started in self._run_started.values()]
        mean = self._mean_s if self._mean_s is not None else max(ages, default=0.0)
        left = sum(max(mean - age, 0.0) for age in ages)
        estimate = (left + mean * self._waiting) / max(1, len(self._executors))
        return int(min(RETRY_AFTER_MAX_S, max(self.retry_after_min_s, math.ceil(estimate))))

    def submit(
        self, question: str, mode: Mode, max_tokens: int | None, system: str | None = None
    ) -> GenerationJob:
        loop = asyncio.get_running_loop()
        job = GenerationJob(self, loop)
        key = self.model_key(mode)
        with self._lock:
            if self._closed:
                raise GenerationCancelled("server is shutting down")
            # waiting: what is admitted beyond the one each model's worker runs; a request for an
            # idle model starts at once, even while the worker has not picked up the last one yet
            queued = sum(max(0, n - 1) for n in self._admitted.values())
            if self._admitted.get(key, 0) > 0 and queued >= self.queue_size:
                self._rejected += 1
                raise QueueFull(self._retry_after_locked(), queued)
            executor = self._executors.get(key)
            if executor is None:
                executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"axlab-gen-{key}")
                self._executors[key] = executor
            self._waiting += 1
            self._admitted[key] = self._admitted.get(key, 0) + 1
            job.key = key
            self._jobs.add(job)
            job.future = executor.submit(self._run, job, question, mode, max_tokens, system)
        return job

    def _dequeued_without_running(self, job: GenerationJob) -> None:
        with self._lock:
            self._waiting -= 1
            self._admitted[job.key] -= 1
            self._cancelled += 1
            self._jobs.discard(job)

    # -- the worker --------------------------------------------------------------------
    def _run(
        self, job: GenerationJob, question: str, mode: Mode, max_tokens: int | None, system: str | None
    ) -> None:
        with self._lock:
            self._waiting -= 1
            self._running += 1
            self._run_started[job] = time.monotonic()
        job.started.set()
        started = time.perf_counter()
        error: BaseException | None = None
        stopped = False
        try:
            if job.stop.is_set():
                stopped = True
                return
            pieces = iter_answer(self.answerer, question, mode, max_tokens, system)
            try:
                for item in pieces:
                    if job.stop.is_set() and not isinstance(item, Answer):
                        stopped = True
                        break
                    job.post(item)
            finally:
                pieces.close()
        except BaseException as exc:  # delivered to the request, never kills the worker
            error = exc
        finally:
            elapsed = time.perf_counter() - started
            with self._lock:
                self._running -= 1
                self._admitted[job.key] -= 1
                self._run_started.pop(job, None)
                if stopped:
                    self._cancelled += 1
                else:
                    self._completed += 1
                    mean = self._mean_s
                    self._mean_s = elapsed if mean is None else 0.8 * mean + 0.2 * elapsed
                self._jobs.discard(job)
            job.post(_End(error))

    # -- introspection / shutdown ----------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "running": self._running,
                "waiting": self._waiting,
                "queue_size": self.queue_size,
                "completed": self._completed,
                "cancelled": self._cancelled,
                "rejected": self._rejected,
                "models": sorted(self._executors),
            }

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            jobs = list(self._jobs)
            executors = list(self._executors.values())
        for job in jobs:
            job.cancel()
        for executor in executors:
            executor.shutdown(wait=False, cancel_futures=True)
