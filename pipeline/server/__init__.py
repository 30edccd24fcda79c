"""The AX Lab HTTP service (``axlab serve``): answers, SPARQL 1.1 Protocol, OpenAI-compatible chat."""

from pipeline.server.app import create_app
from pipeline.server.settings import ServerSettings

__all__ = ["ServerSettings", "create_app"]
