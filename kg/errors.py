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


class SparqlEvaluationError(KGError):
    """A query or update that parses but fails while it runs (e.g. an invalid REGEX pattern)."""


class ExternalAccessError(KGError):
    """``FROM``/``FROM NAMED``, ``SERVICE``, ``LOAD`` or ``USING``: operations that make rdflib
    fetch URLs or read local files, refused unless the caller opts in."""

    exit_code = 2
