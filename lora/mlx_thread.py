"""The one thread that runs every MLX load and generation of the process.

MLX 0.32 keeps streams per thread: a model with a LoRA adapter loaded on one thread fails
to generate on another (``RuntimeError: There is no Stream(cpu, 0) in current thread``),
and mlx_lm's ``generation_stream`` is a thread-local stream. So :mod:`lora.generate` hands
every load and every generation to this thread, whichever thread asks (the CLI's main
thread, the HTTP service's workers, its start-up warm-up): :func:`call` waits on a future,
:func:`iterate` reads a generator's items through a queue as the thread produces them.
Work asked for from the thread itself runs inline, so nested calls cannot deadlock.

Work runs one item at a time, in order: two requests never generate at once, which a
CPU-bound model could not use anyway.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")
THREAD_NAME = "axlab-mlx"

_Work = tuple[Future[Any], Callable[[], Any]]


class MlxThread:
    """A daemon thread with a work queue; started on first use."""

    def __init__(self, name: str = THREAD_NAME) -> None:
        self.name = name
        self._queue: queue.SimpleQueue[_Work] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.jobs_run = 0  # tests and /health read it

    @property
    def ident(self) -> int | None:
        return self._thread.ident if self._thread is not None else None

    def on_thread(self) -> bool:
        return self._thread is not None and threading.current_thread() is self._thread

    def _started(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while True:
            future, work = self._queue.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = work()
            except BaseException as exc:  # delivered to the caller; the thread lives on
                future.set_exception(exc)
            else:
                future.set_result(result)
            finally:
                self.jobs_run += 1

    def submit(self, work: Callable[[], T]) -> Future[T]:
        """Queue ``work``; its future completes on this thread."""
        self._started()
        future: Future[T] = Future()
        self._queue.put((future, work))
        return future

    def call(self, work: Callable[[], T]) -> T:
        """Run ``work`` on the thread and return its result (inline when already there)."""
        if self.on_thread():
            return work()
        return self.submit(work).result()

    def iterate(self, factory: Callable[[], Iterator[T]]) -> Iterator[T]:
        """Run the generator ``factory()`` on the thread and yield its items here, as they come.

        Closing this iterator early (``close()``, ``break``) stops the generator at its next item.
        """
        if self.on_thread():
            yield from factory()
            return
        channel: queue.SimpleQueue[tuple[bool, Any]] = queue.SimpleQueue()
        stop = threading.Event()

        def produce() -> None:
            items = factory()
            try:
                for item in items:
                    channel.put((False, item))
                    if stop.is_set():
                        break
            finally:
                close = getattr(items, "close", None)
                if callable(close):
                    close()

        future = self.submit(produce)
        future.add_done_callback(lambda done: channel.put((True, done)))
        try:
            while True:
                finished, value = channel.get()
                if finished:
                    error = value.exception() if not value.cancelled() else None
                    if error is not None:
                        raise error
                    return
                yield value
        finally:
            stop.set()


_THREAD = MlxThread()


def mlx_thread() -> MlxThread:
    """The process's MLX thread."""
    return _THREAD


def call(work: Callable[[], T]) -> T:
    return _THREAD.call(work)


def iterate(factory: Callable[[], Iterator[T]]) -> Iterator[T]:
    return _THREAD.iterate(factory)
