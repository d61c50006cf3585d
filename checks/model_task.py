"""What kind of model a version is (issue 30): a binary classifier, a multiclass classifier or a regression.

Told by the model and its evaluation data where they are unambiguous (how many class probabilities the model
gives, what the outcomes hold), by the tag `governance.task` where they are not; a tag that contradicts what
the data shows is an error naming both, never silently believed."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

TASK_TAG = "governance.task"


class ModelTask(StrEnum):
    BINARY = "binary"
    MULTICLASS = "multiclass"
    REGRESSION = "regression"


@dataclass(frozen=True)
class TaskFinding:
    """The task and how it was told; or, with `task` None, why it cannot be told (`error`, for the user)."""

    task: ModelTask | None
    source: str = ""
    error: str | None = None


def _from_outputs(proba_width: int | None, predictions: np.ndarray | None) -> tuple[ModelTask, str] | None:
    if proba_width is not None:
        if proba_width == 2:
            return ModelTask.BINARY, "the model gives probabilities for 2 classes"
        if proba_width > 2:
            return ModelTask.MULTICLASS, f"the model gives probabilities for {proba_width} classes"
    if predictions is not None and len(predictions):
        numeric = pd.to_numeric(pd.Series(predictions), errors="coerce")
        if numeric.notna().all() and not np.allclose(numeric, np.round(numeric)):
            return ModelTask.REGRESSION, "the model predicts numbers that are not whole classes"
    return None


def _from_outcomes(labels: np.ndarray | None) -> tuple[ModelTask, str] | None:
    if labels is None:
        return None
    values = pd.Series(labels).dropna()
    if values.empty:
        return None
    numeric = pd.to_numeric(values, errors="coerce")
    distinct = values.nunique()
    if numeric.isna().any():  # text outcomes are classes
        kind = ModelTask.BINARY if distinct == 2 else ModelTask.MULTICLASS
        return kind, f"the outcomes are {distinct} named classes"
    if not np.allclose(numeric, np.round(numeric)):
        return ModelTask.REGRESSION, "the outcomes are numbers that are not whole"
    if set(numeric.unique()) <= {0, 1}:  # one class alone is still a binary outcome, with too few of the other
        return ModelTask.BINARY, "the outcomes are 0 and 1"
    return None  # whole numbers beyond 0/1: classes or counts, the data cannot say which


def _within_unit(predictions: np.ndarray | None) -> bool:
    numeric = pd.to_numeric(pd.Series(predictions), errors="coerce")
    return bool(numeric.notna().all() and numeric.between(0, 1).all())


def declared_task(declared: str | None) -> ModelTask | None:
    """The task a tag declares, or None when it declares none (or none govflow knows: `tell_task` says so)."""
    value = (declared or "").strip().lower()
    return ModelTask(value) if value in set(ModelTask) else None


def tell_task(declared: str | None, labels: np.ndarray | None = None, proba_width: int | None = None,
              predictions: np.ndarray | None = None) -> TaskFinding:
    """The version's task from the tag (`declared`), the evaluation outcomes, the width of the model's
    `predict_proba` (None when it gives none) and its predictions."""
    allowed = ", ".join(t.value for t in ModelTask)
    if declared is not None and declared.strip().lower() not in set(ModelTask):
        return TaskFinding(None, error=f"tag {TASK_TAG} is '{declared}'; it must be one of {allowed}")
    tag = ModelTask(declared.strip().lower()) if declared is not None else None
    outputs, outcomes = _from_outputs(proba_width, predictions), _from_outcomes(labels)
    if (outputs and outputs[0] is ModelTask.REGRESSION and outcomes and outcomes[0] is ModelTask.BINARY
            and _within_unit(predictions)):
        # Fractions against 0/1 outcomes: a classifier's positive-class scores, as govflow has always read them;
        # a regression predicting a share of 0/1 outcomes says so with the tag (which the data cannot contradict).
        outputs, outcomes = None, (ModelTask.BINARY, "scores in [0, 1] against outcomes of 0 and 1")
        if tag is not None:
            outcomes = None
    shown = outputs or outcomes
    if tag is not None and shown is not None and shown[0] is not tag:
        return TaskFinding(None, error=f"tag {TASK_TAG} says {tag.value}, but {shown[1]} ({shown[0].value}); "
                                       "correct the tag or register the model that was meant")
    if tag is not None:
        return TaskFinding(tag, f"declared by tag {TASK_TAG}")
    if shown is not None:
        return TaskFinding(shown[0], f"inferred: {shown[1]}")
    return TaskFinding(None, error=f"the model and its outcomes do not say which task it is (whole-number outcomes "
                                   f"can be classes or counts); set tag {TASK_TAG} to one of {allowed}")
