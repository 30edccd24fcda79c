"""Errors raised by the retriever."""

from __future__ import annotations


class RetrieverError(Exception):
    """A user-facing retriever error (one line); the CLI exits with ``exit_code``."""

    exit_code: int = 1
