"""The AX Lab HTTP service (``axlab serve``): answers, SPARQL 1.1 Protocol, OpenAI-compatible chat.

``create_app`` and ``ServerSettings`` are imported on first use, so the SPARQL worker
processes (:mod:`pipeline.server.sparql_worker`) start without loading the web framework.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.server.app import create_app
    from pipeline.server.settings import ServerSettings

__all__ = ["ServerSettings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from pipeline.server.app import create_app

        return create_app
    if name == "ServerSettings":
        from pipeline.server.settings import ServerSettings

        return ServerSettings
    raise AttributeError(f"module 'pipeline.server' has no attribute {name!r}")
