"""Errors raised by the symbolic core."""

from __future__ import annotations


class OntologyError(Exception):
    """A user-facing error in the knowledge or the ontology (one line, exit code 1)."""

    exit_code: int = 1


class KnowledgeFileError(OntologyError):
    """The knowledge file is malformed; the message starts with ``file:line:``."""


class OntologyFileError(OntologyError):
    """The ontology file is malformed or refers to undeclared terms; the message names file and term."""


class ReasonerError(OntologyError):
    """A reasoner could not run (e.g. no Java for HermiT)."""


class InconsistentOntologyError(OntologyError):
    """The ontology has no model."""
