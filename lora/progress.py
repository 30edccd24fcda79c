"""A rich progress display for training (step, loss, tokens/s), quiet when disabled."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class TrainProgress:
    """Context manager wrapping a rich ``Progress`` bar plus one log line per report."""

    def __init__(self, total: int, start: int = 0, enabled: bool = True) -> None:
        self.enabled = enabled
        self.console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("[bold]train"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]:.3f}"),
            TextColumn("{task.fields[tps]:.0f} tok/s"),
            TimeElapsedColumn(),
            console=self.console,
            disable=not enabled,
        )
        self.task = self.progress.add_task("train", total=total, completed=start, loss=float("nan"), tps=0.0)

    def __enter__(self) -> TrainProgress:
        self.progress.__enter__()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.progress.__exit__(exc_type, exc, tb)

    def advance(self, step: int, loss: float, tokens_per_second: float) -> None:
        self.progress.update(self.task, completed=step, loss=loss, tps=tokens_per_second)

    def report(self, entry: dict[str, Any]) -> None:
        line = f"step {entry['step']}: train loss {entry['train_loss']:.3f}, {entry['tokens_per_second']:.0f} tok/s"
        if "val_loss" in entry:
            line += f", valid loss {entry['val_loss']:.3f}"
        self.note(line)

    def note(self, message: str) -> None:
        if self.enabled:
            self.progress.console.print(message, highlight=False)
