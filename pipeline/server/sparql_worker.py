"""A SPARQL query worker: a child process that answers read queries over a snapshot of the graph.

Started by :class:`pipeline.server.sparql_pool.QueryPool` as
``python -m pipeline.server.sparql_worker [MEMORY_MB]``. Everything a client's text can make
expensive happens here, in a process the server can kill at its time limit: rdflib's parse
and policy check, Oxigraph's evaluation (:class:`kg.native.SnapshotGraph`) and serialisation.
With ``MEMORY_MB`` the address space is capped, so a query that grows without bound ends
this process, not the server.

Messages both ways are one frame of :mod:`pipeline.server.frames`: a JSON header and a body.

* ``{"op": "load"}`` + N-Quads: replace the snapshot; reply ``{"ok": true, "triples": n}``.
* ``{"op": "query", "text", "accept", "max_results", "max_bytes"}``: reply ``{"ok": true,
  "media_type", "result_type", "count"}`` + the serialised result, or ``{"ok": false,
  "status", "message", "headers"}`` (the HTTP error the server sends on).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from typing import Any

from pipeline.server.frames import encode, read_frame


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space (where the platform enforces it)."""
    try:
        import resource

        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # not enforced here (e.g. macOS): the time limit remains
        pass


def exit_with_parent() -> None:
    """End this process when the server ends, even if it was killed and never said so."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:  # the kernel kills us when the parent goes, even mid-query (the GIL may be held)
            import ctypes

            ctypes.CDLL(None).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass

    def watch() -> None:  # anywhere else: notice a new parent between queries
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="axlab-parent-watch", daemon=True).start()


def answer(graph: Any, header: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """Run one query request against ``graph``; errors become the HTTP error to send."""
    from pipeline.server.sparql import ResultTooLarge, error_status, run_query

    max_results = int(header["max_results"])
    max_bytes = int(header["max_bytes"])
    graph.row_limit = max_results + 1  # one more than allowed: enough to know it is too many
    try:
        result = run_query(graph, str(header["text"]), header.get("accept"), max_results)
        if len(result.body) > max_bytes:
            raise ResultTooLarge(
                f"result too large: more than {max_bytes} bytes; select fewer or shorter values"
            )
    except Exception as exc:
        status, message = error_status(exc)
        if status >= 500:
            print(f"axlab-sparql-worker: {type(exc).__name__}: {exc}", file=sys.stderr)
        headers = getattr(exc, "headers", None) or {}
        return {"ok": False, "status": status, "message": message, "headers": headers}, b""
    meta = {"media_type": result.media_type, "result_type": result.result_type, "count": result.count}
    return {"ok": True, **meta}, result.body


def warm(graph: Any) -> None:
    """Import what queries use (parsers, serialisers) before the first one is timed."""
    from pipeline.server.sparql import warm_up

    warm_up(graph)


def main(argv: list[str]) -> int:
    exit_with_parent()
    if argv and int(argv[0]) > 0:
        limit_memory(int(argv[0]))
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write to the reply stream
    from kg.native import SnapshotGraph

    graph: SnapshotGraph | None = None
    while True:
        frame = read_frame(requests)
        if frame is None:
            return 0
        header, body = frame
        if header.get("op") == "load":
            graph = SnapshotGraph(body)
            warm(graph)
            reply: tuple[dict[str, Any], bytes] = ({"ok": True, "triples": len(graph)}, b"")
        elif header.get("op") == "query" and graph is not None:
            reply = answer(graph, header)
        else:
            reply = ({"ok": False, "status": 500, "message": "query worker: no snapshot loaded"}, b"")
        replies.write(encode(*reply))
        replies.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
