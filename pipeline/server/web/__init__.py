"""The web page served by ``axlab serve`` at ``/`` (see :mod:`pipeline.server.web.router`)."""

from pipeline.server.web.router import create_web_router

__all__ = ["create_web_router"]
