"""Early stopping's decision over validation losses (pure: no model)."""

from __future__ import annotations

import math

from lora.early_stop import early_stop, validation_losses


def test_patience_zero_never_stops_but_tracks_the_best() -> None:
    state = early_stop([(0, 2.0), (10, 1.5), (20, 1.6), (30, 1.7), (40, 1.8)], patience=0)
    assert (state.best_step, state.best_loss, state.evals_since_best, state.stop) == (10, 1.5, 3, False)


def test_stops_after_patience_evaluations_without_improvement() -> None:
    losses = [(0, 2.0), (10, 1.5), (20, 1.6)]
    assert not early_stop(losses, patience=2).stop
    state = early_stop([*losses, (30, 1.55)], patience=2)
    assert state.stop and state.best_step == 10 and state.evals_since_best == 2


def test_an_improvement_resets_the_count() -> None:
    state = early_stop([(0, 2.0), (10, 2.1), (20, 1.9), (30, 2.0)], patience=2)
    assert not state.stop and state.best_step == 20 and state.evals_since_best == 1


def test_gains_below_min_delta_do_not_count_or_move_the_best() -> None:
    state = early_stop([(0, 1.0), (10, 0.995), (20, 0.991)], patience=2, min_delta=0.01)
    assert state.stop and state.best_step == 0 and state.best_loss == 1.0
    assert early_stop([(0, 1.0), (10, 0.98)], patience=1, min_delta=0.01).best_step == 10


def test_non_finite_losses_never_improve() -> None:
    state = early_stop([(0, math.nan), (10, 1.0), (20, math.inf)], patience=1)
    assert state.best_step == 10 and state.stop
    assert early_stop([], patience=3) == early_stop([], patience=3)
    assert early_stop([], patience=3).best_step is None and not early_stop([], patience=3).stop


def test_validation_losses_from_a_history() -> None:
    history = [
        {"step": 5, "train_loss": 1.9},
        {"step": 10, "train_loss": 1.7, "val_loss": 1.6},
        {"step": 15, "train_loss": 1.5, "val_loss": None},
    ]
    assert validation_losses(history, 2.0) == [(0, 2.0), (10, 1.6)]
    assert validation_losses(history, None) == [(10, 1.6)]
