"""Logging and registering scikit-learn models in MLflow with an explicit client and run id."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from mlflow import MlflowClient

from govflow.tasks.task_type import NO_CACHE, task

# The models logged here are built by govflow itself, so these types, which skops would
# otherwise refuse to load, are ours.
TRUSTED_TYPES = ["numpy.dtype", "sklearn.tree._tree.Tree"]


def log_sklearn_model(client: MlflowClient, run_id: str, model: Any, sample: pd.DataFrame,
                      card: dict[str, str] | None = None) -> str:
    """Save `model` as an MLflow model whose pyfunc returns a classifier's probabilities or a regression's
    predictions, log it under `model/` of the run (with `card` as its `model_card.yaml`), and return the
    artifact URI to register."""
    import mlflow.sklearn
    from mlflow.models import infer_signature

    method = "predict_proba" if hasattr(model, "predict_proba") else "predict"
    signature = infer_signature(sample, getattr(model, method)(sample.head(50)))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model"
        mlflow.sklearn.save_model(
            model, str(path), signature=signature, pyfunc_predict_fn=method, input_example=sample.head(3),
            skops_trusted_types=TRUSTED_TYPES,
            # Explicit requirements: inferring them costs seconds per model.
            pip_requirements=mlflow.sklearn.get_default_pip_requirements(),
        )
        if card:
            (path / "model_card.yaml").write_text(yaml.safe_dump(card, sort_keys=False), encoding="utf-8")
        client.log_artifacts(run_id, str(path), "model")
    return f"{client.get_run(run_id).info.artifact_uri}/model"


@task(cache_policy=NO_CACHE)
def register_sklearn_version(tracking_uri: str, beside_run_id: str, name: str, model: Any, sample: pd.DataFrame,
                             run_name: str, version_tags: dict[str, str]) -> str:
    """Log `model` in a new run of `beside_run_id`'s experiment and register it as a new version of `name`."""
    client = MlflowClient(tracking_uri)
    experiment_id = client.get_run(beside_run_id).info.experiment_id
    run = client.create_run(experiment_id, run_name=run_name, tags={"mlflow.source.type": "LOCAL"})
    source = log_sklearn_model(client, run.info.run_id, model, sample)
    client.set_terminated(run.info.run_id)
    version = client.create_model_version(name, source=source, run_id=run.info.run_id, tags=version_tags)
    return str(version.version)
