"""Tasks that fit Fairlearn's mitigations and a reweighing baseline around a registered scikit-learn model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from govflow.checks.mitigation import reweighing_weights
from govflow.tasks.scoring import split_output
from govflow.tasks.task_type import NO_CACHE, task


@dataclass(frozen=True)
class Candidate:
    """A mitigated model's predictions on held-out data, or why it could not be fitted."""

    pred: np.ndarray | None = None
    score: np.ndarray | None = None
    model: Any = None
    error: str | None = None

    @property
    def classes(self) -> np.ndarray:
        """The predicted classes, where `error` said there are some: asking after an error is a caller's bug."""
        if self.pred is None:
            raise RuntimeError(f"no predictions: {self.error or 'not fitted'}")
        return self.pred


@task(cache_policy=NO_CACHE)
def load_sklearn_model(local_path: str) -> tuple[Any, str | None]:
    """The scikit-learn estimator inside a downloaded MLflow model, or None and why it could not be loaded."""
    import mlflow.sklearn

    try:
        return mlflow.sklearn.load_model(local_path), None
    except Exception as exc:  # e.g. no sklearn flavor: only the unmitigated model can be evaluated
        return None, f"cannot refit or post-process the model as scikit-learn: {type(exc).__name__}: {exc}"


def _last_step(estimator: Any) -> str | None:
    return estimator.steps[-1][0] if hasattr(estimator, "steps") else None


@task(cache_policy=NO_CACHE)
def fit_threshold_optimizer(estimator: Any, x_fit: pd.DataFrame, y_fit: np.ndarray, s_fit: np.ndarray,
                            x_eval: pd.DataFrame, s_eval: np.ndarray, seed: int) -> Candidate:
    """Post-processing: group-specific thresholds on the fitted model's scores (demographic parity)."""
    from fairlearn.postprocessing import ThresholdOptimizer

    try:
        mitigator = ThresholdOptimizer(estimator=estimator, constraints="demographic_parity", prefit=True,
                                       predict_method="predict_proba")
        mitigator.fit(x_fit, y_fit, sensitive_features=s_fit)
        pred = mitigator.predict(x_eval, sensitive_features=s_eval, random_state=seed)
    except Exception as exc:  # reported in the comparison, the other candidates still run
        return Candidate(error=f"ThresholdOptimizer: {type(exc).__name__}: {exc}")
    return Candidate(pred=np.asarray(pred, dtype=int))


@task(cache_policy=NO_CACHE)
def fit_exponentiated_gradient(estimator: Any, x_fit: pd.DataFrame, y_fit: np.ndarray, s_fit: np.ndarray,
                               x_eval: pd.DataFrame, seed: int) -> Candidate:
    """In-processing: retrain under a demographic-parity constraint (Agarwal et al., 2018)."""
    from fairlearn.reductions import DemographicParity, ExponentiatedGradient
    from sklearn.base import clone

    step = _last_step(estimator)
    try:
        mitigator = ExponentiatedGradient(clone(estimator), DemographicParity(),
                                          sample_weight_name=f"{step}__sample_weight" if step else "sample_weight")
        mitigator.fit(x_fit, y_fit, sensitive_features=s_fit)
        pred = mitigator.predict(x_eval, random_state=seed)
        score = np.asarray(mitigator._pmf_predict(x_eval))[:, 1]
    except Exception as exc:
        return Candidate(error=f"ExponentiatedGradient: {type(exc).__name__}: {exc}")
    return Candidate(pred=np.asarray(pred, dtype=int), score=score)


@task(cache_policy=NO_CACHE)
def fit_reweighing(estimator: Any, x_fit: pd.DataFrame, y_fit: np.ndarray, s_fit: np.ndarray,
                   x_eval: pd.DataFrame) -> Candidate:
    """Pre-processing baseline: retrain the same pipeline with Kamiran-Calders sample weights."""
    from sklearn.base import clone

    step = _last_step(estimator)
    weights = reweighing_weights(y_fit, s_fit)
    try:
        model: Any = clone(estimator)
        model = model.fit(x_fit, y_fit, **{f"{step}__sample_weight" if step else "sample_weight": weights})
        pred, score = split_output(model.predict_proba(x_eval))
    except Exception as exc:
        return Candidate(error=f"reweighing: {type(exc).__name__}: {exc}")
    return Candidate(pred=np.asarray(pred, dtype=int), score=score, model=model)
