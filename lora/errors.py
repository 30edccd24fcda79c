"""The lora package's user-facing error type (the CLI prints it as one line)."""

from __future__ import annotations


class LoraError(Exception):
    """A user error in data preparation, training, model or adapter loading."""

    exit_code: int = 1

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
