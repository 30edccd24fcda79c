"""The one place the CLI learns which exceptions are user errors.

Each package raises its own error type (so lower layers never import ``pipeline``);
every such type carries an ``exit_code`` and a message that fits on one line.
"""

from __future__ import annotations


class AxlabError(Exception):
    """A user-facing error: printed as one line, the process exits with ``exit_code``."""

    exit_code: int = 1

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


def user_error_types() -> tuple[type[BaseException], ...]:
    """Exception types that are reported as one line instead of a traceback."""
    types: list[type[BaseException]] = [AxlabError]
    # Lower layers define their own error base classes; import lazily so that a
    # missing optional dependency in one layer does not break the others.
    for module_name, attr in (
        ("ontology.errors", "OntologyError"),
        ("kg.errors", "KGError"),
        ("retriever.errors", "RetrieverError"),
        ("lora.errors", "LoraError"),
        ("pipeline.generators.base", "GeneratorError"),
    ):
        try:
            module = __import__(module_name, fromlist=[attr])
        except Exception:  # a package that cannot load (its ontology is broken) raised nothing
            continue
        error_type = getattr(module, attr, None)
        if isinstance(error_type, type) and issubclass(error_type, BaseException):
            types.append(error_type)
    return tuple(types)
