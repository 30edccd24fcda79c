"""Early stopping: which validation step was best, and whether to stop (pure, no mlx).

The decision is a function of the validation losses alone, so a resumed run rebuilds
it from the history saved with the checkpoint instead of keeping a second copy.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EarlyStop:
    """The state after a sequence of validations."""

    best_step: int | None  # None until a finite loss was seen
    best_loss: float | None
    evals_since_best: int
    stop: bool


def early_stop(evaluations: Sequence[tuple[int, float]], patience: int, min_delta: float = 0.0) -> EarlyStop:
    """Decide over ``(step, validation loss)`` pairs in step order.

    A loss improves when it is more than ``min_delta`` below the best so far; only an
    improvement moves the best step (so the kept weights are those of the last real gain,
    not of noise below ``min_delta``). ``patience`` evaluations in a row without one stop
    the run; ``patience`` 0 never stops. A non-finite loss never improves.
    """
    best_step: int | None = None
    best_loss: float | None = None
    since = 0
    for step, loss in evaluations:
        if math.isfinite(loss) and (best_loss is None or loss < best_loss - min_delta):
            best_step, best_loss, since = step, loss, 0
        else:
            since += 1
    return EarlyStop(best_step, best_loss, since, patience > 0 and since >= patience)


def validation_losses(history: Iterable[dict[str, Any]], initial: float | None) -> list[tuple[int, float]]:
    """The ``(step, val_loss)`` pairs of a training history, with the initial validation as step 0."""
    pairs = [(0, float(initial))] if initial is not None else []
    pairs += [(int(h["step"]), float(h["val_loss"])) for h in history if h.get("val_loss") is not None]
    return pairs
