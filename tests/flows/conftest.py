import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from mlflow import MlflowClient

from govflow.settings import Settings, apply_environment


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def settings() -> Settings:
    """The embedded defaults inside the session's temporary data dir (tests/conftest.py sets it)."""
    settings = Settings()
    assert str(settings.data_dir).startswith(os.path.dirname(os.environ["GOVFLOW_DATA_DIR"]))
    apply_environment(settings)
    return settings


@pytest.fixture(scope="session")
def client(settings) -> MlflowClient:
    return MlflowClient(settings.resolved_tracking_uri)


@pytest.fixture(scope="session")
def fleet(settings, client):
    """The demo fleet seeded once into the temporary MLflow, keyed by model name."""
    from govflow.demo.seed import seed_fleet

    return {s.model: s for s in seed_fleet(client, settings.datasets_dir, settings.local_artifact_root)}


@pytest.fixture(scope="session")
def signed_off(fleet, prefect_harness):
    """Sign a version off as owner and validator through the approval flow; returns the last gate outcome."""
    from govflow.flows.approval import sign_off

    def sign(model: str) -> object:
        version = fleet[model].version
        sign_off(model, version, "A. Rivera", "owner", "tests: reviewed the evidence")
        return sign_off(model, version, "M. Chen", "validator", "tests: challenged the model")

    return sign


@contextmanager
def own_data_dir(root) -> Iterator[Settings]:
    """Settings for a data dir of its own (MLflow store, head log, artifacts), for tests whose recordings no
    other test may see; the environment is put back when the block ends."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GOVFLOW_DATA_DIR", str(root / "data"))
        patch.delenv("MLFLOW_TRACKING_URI", raising=False)
        yield Settings()


def register_fitted(client: MlflowClient, folder, name: str, model, reference, evaluation, features: list[str],
                    tags: dict[str, str]) -> str:
    """Register a fitted scikit-learn `model` as a new model `name` with the README's tags: its reference and
    evaluation data written as Parquet in `folder` and named by the data tags, the model logged into an
    experiment of its own under `folder` (MLflow's Default one writes ./mlruns where it runs). The version."""
    from govflow.tasks.models import log_sklearn_model

    reference.to_parquet(folder / "reference.parquet")
    evaluation.to_parquet(folder / "evaluation.parquet")
    client.create_registered_model(name, tags={**tags, "governance.reference_data": str(folder / "reference.parquet"),
                                               "governance.evaluation_data": str(folder / "evaluation.parquet")})
    experiment = client.create_experiment(f"tests-{folder.name}", artifact_location=(folder / "mlruns").as_uri())
    run = client.create_run(experiment)
    source = log_sklearn_model(client, run.info.run_id, model, reference[features])
    client.set_terminated(run.info.run_id)
    return str(client.create_model_version(name, source, run_id=run.info.run_id).version)
