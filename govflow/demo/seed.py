"""Train, log and register the demo fleet in MLflow with its governance tags and Parquet data.

Seeding is idempotent: a model already registered is left as it is, so running the demo
twice neither duplicates versions nor undoes tags someone has since filled in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from govflow import clock
from govflow.demo.data import Scenario, demo_fleet
from govflow.tasks.models import log_sklearn_model
from govflow.tasks.queries import name_is

TRAINING_EXPERIMENT = "govflow-demo-training"


@dataclass(frozen=True)
class Seeded:
    model: str
    version: str
    created: bool
    data: dict[str, Path]


def write_datasets(scenario: Scenario, root: Path, through: date | None = None) -> dict[str, Path]:
    """Write reference, evaluation and monitoring data as Parquet; return each one's path.

    With `through`, the production feed as it stood that day: the batches of the days up to it and the labels
    that had arrived by then (the demo's simulated weeks deliver the rest night by night)."""
    folder = root / scenario.name
    (folder / "monitoring").mkdir(parents=True, exist_ok=True)
    paths = {"reference": folder / "reference.parquet", "evaluation": folder / "evaluation.parquet"}
    scenario.reference.to_parquet(paths["reference"], index=False)
    scenario.evaluation.to_parquet(paths["evaluation"], index=False)
    if scenario.monitoring:
        paths["monitoring"] = folder / "monitoring"
        for day, batch in scenario.monitoring.items():
            target = paths["monitoring"] / f"batch_{day}.parquet"
            if through is None or date.fromisoformat(day) <= through:
                batch.to_parquet(target, index=False)
            else:
                target.unlink(missing_ok=True)
    if scenario.labels is not None:
        paths["labels"] = folder / "labels.parquet"
        labels = scenario.labels
        if through is not None:
            labels = labels[labels["label_arrived_at"].dt.date <= through]
        labels.to_parquet(paths["labels"], index=False)
    return paths


def _pipeline(scenario: Scenario, frame: pd.DataFrame):
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [c for c in scenario.features if pd.api.types.is_numeric_dtype(frame[c])]
    categorical = [c for c in scenario.features if c not in numeric]
    prep = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
    ])
    if scenario.estimator == "gradient_boosting":
        estimator = GradientBoostingClassifier(random_state=0, n_estimators=100, max_depth=3)
    elif scenario.estimator == "linear_regression":
        estimator = LinearRegression()
    else:  # logistic_regression, and multinomial: scikit-learn's LogisticRegression fits either
        estimator = LogisticRegression(max_iter=1000)
    return Pipeline([("prep", prep), ("model", estimator)])


def _train(client: MlflowClient, scenario: Scenario, experiment_id: str) -> tuple[str, str]:
    """Fit the scenario's pipeline on its reference data and log it as a training run; return the logged
    model's source and the run's id."""
    x = scenario.reference[list(scenario.features)]
    model = _pipeline(scenario, x).fit(x, scenario.reference[scenario.label])
    run = client.create_run(experiment_id, run_name=f"train-{scenario.name}", start_time=clock.now_ms(),
                            tags={"govflow.demo": "true", "mlflow.source.type": "LOCAL"})
    source = log_sklearn_model(client, run.info.run_id, model, x, card=scenario.card or None)
    client.log_param(run.info.run_id, "estimator", scenario.estimator)
    client.set_terminated(run.info.run_id, end_time=clock.now_ms())
    return source, run.info.run_id


def _register(client: MlflowClient, scenario: Scenario, experiment_id: str) -> str:
    source, run_id = _train(client, scenario, experiment_id)
    client.create_registered_model(scenario.name, tags=scenario.tags | {"govflow.demo": "true"},
                                   description=scenario.description or None)
    return client.create_model_version(scenario.name, source=source, run_id=run_id).version


def register_retrained(client: MlflowClient, scenario: Scenario, datasets_dir: Path, through: date | None) -> str:
    """A new version of an already registered model, trained on `scenario`'s data; its own data tags (version
    tags win over the model's) point at its datasets, under `datasets_dir`/retrained. Returns the version."""
    paths = write_datasets(scenario, datasets_dir / "retrained", through)
    experiment = client.get_experiment_by_name(TRAINING_EXPERIMENT)
    if experiment is None:
        raise RuntimeError(f"no experiment '{TRAINING_EXPERIMENT}': the demo's first models were never trained here")
    source, run_id = _train(client, scenario, experiment.experiment_id)
    return str(client.create_model_version(scenario.name, source=source, run_id=run_id,
                                           tags=data_tags(scenario, paths) | {"govflow.demo": "true"}).version)


def data_tags(scenario: Scenario, paths: dict[str, Path]) -> dict[str, str]:
    """The data-description tags a complete registration carries for this scenario."""
    tags = {
        "governance.label": scenario.label,
        "governance.prediction": f"{scenario.label}_pred",
        "governance.score": f"{scenario.label}_score",
        "governance.reference_data": str(paths["reference"]),
        "governance.evaluation_data": str(paths["evaluation"]),
    }
    if scenario.sensitive:
        tags["governance.sensitive_features"] = ",".join(scenario.sensitive)
    if "monitoring" in paths:
        tags["governance.monitoring_data"] = str(paths["monitoring"])
    if "labels" in paths and scenario.id_column:
        tags["governance.labels_data"] = str(paths["labels"])
        tags["governance.id_column"] = scenario.id_column
    return tags


def seed_fleet(
    client: MlflowClient, datasets_dir: Path, artifact_root: Path | None, only: tuple[str, ...] = (),
    scenarios: list[Scenario] | None = None, through: date | None = None,
) -> list[Seeded]:
    """Write every scenario's data (or only the named ones) and register each model once.

    `artifact_root` is where a local store keeps artifacts; None lets a tracking server decide.
    `scenarios` replaces the demo fleet (the benchmarks seed a large one). `through` writes the production
    feed as it stood that day (see `write_datasets`).
    """
    experiment = client.get_experiment_by_name(TRAINING_EXPERIMENT)
    location = (artifact_root / TRAINING_EXPERIMENT).as_uri() if artifact_root is not None else None
    experiment_id = experiment.experiment_id if experiment else client.create_experiment(
        TRAINING_EXPERIMENT, artifact_location=location, tags={"mlflow.experimentKind": "custom_model_development"})
    seeded = []
    for scenario in demo_fleet() if scenarios is None else scenarios:
        if only and scenario.name not in only:
            continue
        paths = write_datasets(scenario, datasets_dir, through)
        try:
            versions = client.search_model_versions(name_is(scenario.name))
        except MlflowException:
            versions = []
        if versions:
            latest = max(versions, key=lambda v: int(v.version))
            seeded.append(Seeded(scenario.name, str(latest.version), False, paths))
            continue
        is_vendor = scenario.estimator == "gradient_boosting"
        tags = scenario.tags if is_vendor else scenario.tags | data_tags(scenario, paths)
        scenario = Scenario(**{**scenario.__dict__, "tags": tags})
        version = _register(client, scenario, experiment_id)
        seeded.append(Seeded(scenario.name, str(version), True, paths))
    return seeded
