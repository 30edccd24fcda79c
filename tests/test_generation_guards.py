"""The repeated-line guard and the one MLX thread, without a model."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from lora.mlx_thread import MlxThread
from lora.stopping import RepeatGuard


def run(pieces: list[str]) -> tuple[str, bool, str]:
    guard = RepeatGuard()
    shown = "".join(guard.feed(piece) for piece in pieces) + guard.flush()
    return shown, guard.stopped, guard.text


def test_a_repeated_line_stops_and_is_never_shown() -> None:
    pieces = [
        "SolverX CEO: Kim",
        " Doyun\nSolverX CTO: Lee",
        " Seoyeon\nSolverX CEO:",
        " Kim Doyun\nmore text",
    ]
    shown, stopped, text = run(pieces)
    assert stopped
    assert shown == text == "SolverX CEO: Kim Doyun\nSolverX CTO: Lee Seoyeon\n"


def test_a_repeated_sentence_within_a_line_stops() -> None:
    shown, stopped, _ = run(["SolverX has an office in the US. SolverX", " has an office in the US. Then"])
    assert stopped and shown == "SolverX has an office in the US. "


def test_an_unfinished_last_line_that_repeats_is_dropped() -> None:
    shown, stopped, _ = run(["The CEO is Kim Doyun.\n", "The CEO is Kim Doyun."])
    assert stopped and shown == "The CEO is Kim Doyun.\n"


def test_text_without_repeats_streams_unchanged() -> None:
    pieces = ["Version 3.2", " was released in 2025. ", "It is fast.\n", "Yes. Yes. Yes.", "\n}\n}\n"]
    shown, stopped, text = run(pieces)
    assert not stopped and shown == text == "".join(pieces)


def test_a_line_that_starts_like_an_earlier_one_is_held_then_released() -> None:
    guard = RepeatGuard()
    assert guard.feed("SolverX CEO: Kim Doyun\n") == "SolverX CEO: Kim Doyun\n"
    assert guard.feed("SolverX CEO:") == ""  # could still be a repeat
    assert guard.feed(" Lee") == "SolverX CEO: Lee"  # it is not
    assert not guard.stopped


def test_the_mlx_thread_runs_work_in_order_on_one_thread() -> None:
    worker = MlxThread(name="test-mlx")
    seen: list[int | None] = []

    def job(n: int) -> int:
        seen.append(threading.get_ident())
        return n * 2

    callers = [threading.Thread(target=lambda n=n: worker.call(lambda: job(n))) for n in range(6)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert set(seen) == {worker.ident} and worker.ident != threading.get_ident()
    assert worker.call(lambda: worker.call(lambda: 21) * 2) == 42  # nested: runs inline, no deadlock


def test_the_mlx_thread_streams_and_stops_when_the_reader_leaves() -> None:
    worker = MlxThread(name="test-mlx-stream")
    produced: list[int] = []
    finished = threading.Event()

    def numbers() -> Iterator[int]:
        try:
            for n in range(1000):
                produced.append(n)
                time.sleep(0.005)  # a token's worth of work
                yield n
        finally:
            finished.set()

    stream = worker.iterate(numbers)
    assert [next(stream) for _ in range(3)] == [0, 1, 2]
    stream.close()
    assert finished.wait(5) and len(produced) < 1000
    assert list(worker.iterate(lambda: iter(range(4)))) == [0, 1, 2, 3]


def test_an_error_on_the_mlx_thread_reaches_the_caller() -> None:
    worker = MlxThread(name="test-mlx-error")

    def broken() -> Iterator[int]:
        yield 1
        raise ValueError("bad token")

    with pytest.raises(ValueError, match="bad token"):
        list(worker.iterate(broken))
    assert worker.call(lambda: "alive") == "alive"
