"""Tasks that load a registered model through mlflow.pyfunc and score a dataset with it."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from govflow.checks.model_task import ModelTask
from govflow.tasks.task_type import NO_CACHE, task


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
    raw: np.ndarray | None = None  # one number per row as the model gave it (a regression's predictions), if so
    width: int | None = None  # how many columns per row the model gave, where it gave more than one
    proba: np.ndarray | None = None  # a multiclass model's class probabilities, one column per class
    proba_classes: tuple | None = None  # the classes of `proba`'s columns, in order

    def decisions(self, regression: bool) -> np.ndarray:
        """What the model decided for each row: a regression's numbers as it gave them, else the classes."""
        return self.raw if regression and self.raw is not None else self.classes

    @property
    def classes(self) -> np.ndarray:
        """The predicted classes, where `error` said there are some: asking after an error is a caller's bug."""
        if self.pred is None:
            raise RuntimeError(f"no predictions: {self.error or 'not scored'}")
        return self.pred


def _cached_download(tracking_uri: str, source: str, target: Path) -> str:
    """The artifacts at `source` in `target`, downloaded once: into a fresh folder beside it, then renamed into
    place, so a process that loses the race (or dies mid-download) never leaves a half copy where others read.
    Without a target MLflow would leave a new temporary copy behind on every load of a long-running worker."""
    from mlflow.artifacts import download_artifacts

    if (target / "MLmodel").is_file():
        return str(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        downloaded = Path(download_artifacts(artifact_uri=source, dst_path=str(staging), tracking_uri=tracking_uri))
        if not target.exists():
            os.replace(downloaded, target)
    except OSError:
        if not (target / "MLmodel").is_file():  # not merely another process finishing first
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return str(target)


# Loaded models by artifact folder, for the life of the process: a registered version's artifacts never change,
# and loading one costs seconds (skops vets every type it unpickles), paid by every gate and every night's
# monitoring otherwise. Bounded, oldest out first, so a long-running worker holds a handful of models.
_LOADED: dict[str, Any] = {}
_LOADED_LOCK = threading.Lock()
_LOADED_MAX = 8


def _load_once(local: str, load: Callable[[str], Any]) -> Any:
    with _LOADED_LOCK:
        if local in _LOADED:
            return _LOADED[local]
    loaded = load(local)
    with _LOADED_LOCK:
        while len(_LOADED) >= _LOADED_MAX:
            _LOADED.pop(next(iter(_LOADED)))
        return _LOADED.setdefault(local, loaded)


@task(retries=1, retry_delay_seconds=2)
def fetch_model(tracking_uri: str, model: str, version: str, cache_dir: Path | None = None) -> LoadedModel:
    """Download the version's artifacts (once, into `cache_dir`, default the data dir's models folder) with an
    explicit tracking URI and load them as pyfunc."""
    import mlflow.pyfunc
    from mlflow import MlflowClient

    from govflow.settings import Settings

    root = cache_dir or Settings().models_dir
    try:
        source = MlflowClient(tracking_uri).get_model_version_download_uri(model, str(version))
        # Keyed by where the artifacts are, not the version number alone: a model deleted and registered again
        # reuses version numbers, and one data dir may serve more than one store.
        where = hashlib.sha256(f"{tracking_uri}\n{source}".encode()).hexdigest()[:16]
        local = _cached_download(tracking_uri, source, root / _safe(model) / f"{_safe(str(version))}-{where}")
        loaded = _load_once(local, mlflow.pyfunc.load_model)
    except Exception as exc:  # a model that will not load is a finding about the model, not a crash
        return LoadedModel(error=f"cannot load model '{model}' version {version}: {type(exc).__name__}: {exc}")
    schema = loaded.metadata.get_input_schema()
    columns = tuple(schema.input_names()) if schema is not None and schema.has_input_names() else ()
    return LoadedModel(model=loaded, input_columns=columns, local_path=local)


def _safe(name: str) -> str:
    """A registry name as one folder name: readable, and distinct for names that differ only in characters a
    folder name cannot hold (model names may hold '/' or '..')."""
    readable = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:80]
    return f"{readable}-{hashlib.sha256(name.encode()).hexdigest()[:12]}"


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


def predictor(loaded: LoadedModel, exclude: tuple[str, ...] = (),
              task: ModelTask = ModelTask.BINARY) -> Callable[[pd.DataFrame], tuple]:
    """The loaded model as the checks' `Predict`: rows in, (classes, scores or None) out; a regression's numbers
    as they are, a multiclass model's likeliest class. MLflow refusing the rows against the model's signature
    is a `Rejected` (a clear rejection); any other error propagates."""
    from mlflow.exceptions import MlflowException

    from govflow.checks.robustness import Rejected

    def run(rows: pd.DataFrame) -> tuple:
        columns = list(loaded.input_columns) or [c for c in rows.columns if c not in exclude]
        try:
            raw = loaded.model.predict(rows[columns])
        except MlflowException as exc:
            raise Rejected(exc.message) from exc
        if task is ModelTask.BINARY:
            return split_output(raw)
        values = _as_array(raw)
        if task is ModelTask.REGRESSION:
            return values.astype(float).reshape(-1), None
        return likeliest_class(loaded, values)[0], None

    return run


@task(cache_policy=NO_CACHE)
def predict(loaded: LoadedModel, frame: pd.DataFrame, exclude: tuple[str, ...] = ()) -> Scored:
    """Score the frame; a failure to predict comes back as an error message.

    A model without an input signature gets every column except `exclude` (label, sensitive features).
    """
    columns = list(loaded.input_columns) or [c for c in frame.columns if c not in exclude]
    try:
        output = loaded.model.predict(frame[columns])
        values = _as_array(output)
        if values.ndim == 2 and values.shape[1] > 2:  # one probability per class of a multiclass model
            pred, classes = likeliest_class(loaded, values)
            return Scored(pred=pred, width=values.shape[1], proba=values.astype(float), proba_classes=classes)
        pred, score = split_output(output)
    except Exception as exc:  # reported as an ERROR result naming the cause
        return Scored(error=f"prediction failed: {type(exc).__name__}: {exc}")
    wide = values.ndim == 2 and values.shape[1] > 1
    return Scored(pred=pred, score=score, raw=None if wide else values.reshape(-1),
                  width=values.shape[1] if wide else None)


def _as_array(output: Any) -> np.ndarray:
    return np.asarray(output.to_numpy() if isinstance(output, pd.DataFrame) else output)


def likeliest_class(loaded: LoadedModel, proba: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Each row's likeliest class from a multiclass model's probabilities, and the columns' classes."""
    classes = model_classes(loaded, proba.shape[1])
    return np.asarray(classes, dtype=object)[proba.argmax(axis=1)], classes


def model_classes(loaded: LoadedModel, width: int) -> tuple:
    """The classes of a classifier's probability columns: the underlying model's `classes_` where MLflow can
    reach it (scikit-learn's order), else the columns' positions."""
    try:
        classes = tuple(loaded.model.get_raw_model().classes_)
    except Exception:  # a flavour without a raw model, or a model without classes_: positions name them
        return tuple(range(width))
    return tuple(c.item() if isinstance(c, np.generic) else c for c in classes) if len(classes) == width \
        else tuple(range(width))
