"""Reading JSON Lines with the line numbers that error messages name."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


def json_lines(path: Path, text: str, error: Callable[[str], Exception]) -> Iterator[tuple[int, Any]]:
    """``(line number, value)`` for each non-blank line of ``text``.

    A line that is not JSON raises ``error("file:line: invalid JSON: ...")``; each caller
    passes its own error type so its layer reports the problem the usual way.
    """
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise error(f"{path}:{number}: invalid JSON: {exc.msg} (column {exc.colno})") from None
        yield number, value


def read_text(path: Path, error: Callable[[str], Exception], what: str) -> str:
    """A data file's UTF-8 text; a missing, undecodable or unreadable file raises
    ``error("file: reason")`` (``what`` names the kind: "no such ontology file")."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: no such {what} file") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror}") from None
