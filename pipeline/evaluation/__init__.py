"""The evaluation harness: the eval set, scoring, the runner, the report and ablations.

``axlab eval`` (``pipeline/commands/eval_commands.py``) wires these together; every
piece takes an :class:`pipeline.types.Answerer`, so tests drive it with a scripted double.
"""

from __future__ import annotations

from pipeline.evaluation.dataset import (
    CATEGORIES,
    EvalItem,
    EvalSetError,
    default_questions_path,
    load_eval_set,
)

__all__ = ["CATEGORIES", "EvalItem", "EvalSetError", "default_questions_path", "load_eval_set"]
