"""Errors raised by the knowledge-graph layer."""

from __future__ import annotations


class KGError(Exception):
    """A user-facing graph error (one line)."""

    exit_code: int = 1


class SparqlSyntaxError(KGError):
    """A query that does not parse; the CLI exits with code 2."""

    exit_code = 2


class ReadOnlyError(KGError):
    """An update was attempted without ``--update``."""

    exit_code = 2
