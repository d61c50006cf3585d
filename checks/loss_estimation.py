"""A regression model's error before its outcomes arrive (issue 30, item 2): direct loss estimation, as NannyML's
DLE does it. On the labelled reference a gradient-boosted model learns each row's absolute error (for MAE) and
squared error (for RMSE) from the inputs and the prediction; on production rows the mean of what it predicts is
the estimated MAE (and the root of it the estimated RMSE). The band is the estimate plus and minus the sampling
error a period of that many rows would show on the reference (the spread of the reference's own losses over the
square root of the period's rows), as NannyML's sampling-error band.

scikit-learn's HistGradientBoostingRegressor stands in for LightGBM with LightGBM's default shape (31 leaves,
100 rounds at 0.1, leaves of at least 20 rows); the estimates agree with NannyML's per chunk on its car-price
data (tests/checks/test_loss_estimation.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

LOSSES = ("mae", "rmse")


def _design(frame: pd.DataFrame, inputs: Sequence[str], prediction: np.ndarray,
            categories: dict[str, list]) -> pd.DataFrame:
    """The inputs (categories coded by their reference order, unseen ones missing) and the prediction."""
    design = frame[list(inputs)].copy()
    for column, known in categories.items():
        codes = pd.Categorical(design[column].astype(str), categories=known).codes.astype(float)
        design[column] = np.where(codes < 0, np.nan, codes)
    design["__prediction__"] = np.asarray(prediction, dtype=float)
    return design


@dataclass(frozen=True)
class LossEstimate:
    """An estimated loss on some rows and its sampling band."""

    loss: str
    value: float
    band: tuple[float, float]
    n: int


@dataclass(frozen=True)
class LossModel:
    """Models of each row's absolute and squared error, fitted on the labelled reference."""

    inputs: tuple[str, ...]
    categories: dict[str, list]
    learners: dict[str, Any]
    reference_spread: dict[str, float]  # sd of the reference's per-row absolute and squared errors

    def estimate(self, frame: pd.DataFrame, prediction: np.ndarray, z: float = 3.0) -> list[LossEstimate]:
        """Estimated MAE and RMSE on these rows, each with the estimate ± z x its sampling error."""
        design = _design(frame, self.inputs, prediction, self.categories)
        n = len(design)
        out = []
        for loss in LOSSES:
            mean_loss = float(np.mean(self.learners[loss].predict(design)))
            half = z * self.reference_spread[loss] / np.sqrt(max(n, 1))
            low, high = max(0.0, mean_loss - half), mean_loss + half
            if loss == "rmse":
                value, band = float(np.sqrt(max(mean_loss, 0.0))), (float(np.sqrt(low)), float(np.sqrt(high)))
            else:
                value, band = mean_loss, (low, high)
            out.append(LossEstimate(loss, value, band, n))
        return out


def fit_loss_model(reference: pd.DataFrame, inputs: Sequence[str], outcome: np.ndarray, prediction: np.ndarray,
                   seed: int = 0) -> LossModel:
    """Learn each row's absolute and squared error on the labelled reference; ValueError naming the column when
    the outcomes or predictions are not numbers, or there are too few rows to learn from."""
    y, pred = np.asarray(outcome, dtype=float), np.asarray(prediction, dtype=float)
    if not (np.isfinite(y).all() and np.isfinite(pred).all()):
        raise ValueError("reference outcomes and predictions must be finite numbers to learn the error from")
    if len(y) < 100:
        raise ValueError(f"{len(y)} labelled reference rows; at least 100 are needed to learn the error from")
    from sklearn.ensemble import HistGradientBoostingRegressor

    categories = {c: sorted(reference[c].dropna().astype(str).unique()) for c in inputs
                  if not pd.api.types.is_numeric_dtype(reference[c])}
    design = _design(reference, inputs, pred, categories)
    # scikit-learn annotates these options as strings only; a column mask and False are documented values too.
    shape: dict[str, Any] = {"max_iter": 100, "learning_rate": 0.1, "max_leaf_nodes": 31, "min_samples_leaf": 20,
                             "categorical_features": [c in categories for c in design.columns],
                             "early_stopping": False, "random_state": seed}
    targets = {"mae": np.abs(y - pred), "rmse": (y - pred) ** 2}
    learners = {loss: HistGradientBoostingRegressor(**shape).fit(design, target) for loss, target in targets.items()}
    return LossModel(tuple(inputs), categories, learners, {k: float(np.std(v)) for k, v in targets.items()})
