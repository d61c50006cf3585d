"""Tasks that load a registered model through mlflow.pyfunc and score a dataset with it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE


@dataclass(frozen=True)
class LoadedModel:
    """A loaded pyfunc model and the input columns its signature declares, or why it failed to load."""

    model: Any = None
    input_columns: tuple[str, ...] = ()
    error: str | None = None
    local_path: str | None = None


@dataclass(frozen=True)
class Scored:
    """Predicted classes and, where the model gives them, positive-class probabilities."""

    pred: np.ndarray | None = None
    score: np.ndarray | None = None
    error: str | None = None


@task(retries=1, retry_delay_seconds=2)
def fetch_model(tracking_uri: str, model: str, version: str) -> LoadedModel:
    """Download the version's artifacts with an explicit tracking URI and load them as pyfunc."""
    import mlflow.pyfunc
    from mlflow import MlflowClient
    from mlflow.artifacts import download_artifacts

    try:
        source = MlflowClient(tracking_uri).get_model_version_download_uri(model, str(version))
        local = download_artifacts(artifact_uri=source, tracking_uri=tracking_uri)
        loaded = mlflow.pyfunc.load_model(local)
    except Exception as exc:  # a model that will not load is a finding about the model, not a crash
        return LoadedModel(error=f"cannot load model '{model}' version {version}: {type(exc).__name__}: {exc}")
    schema = loaded.metadata.get_input_schema()
    columns = tuple(schema.input_names()) if schema is not None and schema.has_input_names() else ()
    return LoadedModel(model=loaded, input_columns=columns, local_path=local)


def split_output(raw: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """Classes and positive-class scores from what a binary classifier's predict returned."""
    if isinstance(raw, pd.DataFrame):
        raw = raw.to_numpy()
    arr = np.asarray(raw)
    if arr.ndim == 2 and arr.shape[1] == 2:
        score = arr[:, 1].astype(float)
        return arr.argmax(axis=1), score
    if arr.ndim == 2 and arr.shape[1] != 1:
        raise ValueError(f"the model returned {arr.shape[1]} columns per row; govflow judges binary classifiers")
    arr = arr.reshape(-1)
    if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isin(arr, (0.0, 1.0))):
        # A single probability column: the positive class wins where it is the likelier one.
        return (arr > 0.5).astype(int), arr.astype(float)
    return arr, None


def predictor(loaded: LoadedModel, exclude: tuple[str, ...] = ()) -> Callable[[pd.DataFrame], tuple]:
    """The loaded model as the checks' `Predict`: rows in, (classes, scores or None) out. MLflow refusing the
    rows against the model's signature is a `Rejected` (a clear rejection); any other error propagates."""
    from mlflow.exceptions import MlflowException

    from govflow.checks.robustness import Rejected

    def run(rows: pd.DataFrame) -> tuple:
        columns = list(loaded.input_columns) or [c for c in rows.columns if c not in exclude]
        try:
            raw = loaded.model.predict(rows[columns])
        except MlflowException as exc:
            raise Rejected(exc.message) from exc
        return split_output(raw)

    return run


@task(cache_policy=NO_CACHE)
def predict(loaded: LoadedModel, frame: pd.DataFrame, exclude: tuple[str, ...] = ()) -> Scored:
    """Score the frame; a failure to predict comes back as an error message.

    A model without an input signature gets every column except `exclude` (label, sensitive features).
    """
    columns = list(loaded.input_columns) or [c for c in frame.columns if c not in exclude]
    try:
        pred, score = split_output(loaded.model.predict(frame[columns]))
    except Exception as exc:  # reported as an ERROR result naming the cause
        return Scored(error=f"prediction failed: {type(exc).__name__}: {exc}")
    return Scored(pred=pred, score=score)
