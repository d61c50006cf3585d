"""Registry reads that must see every page: MLflow answers a page at a time (100 models unless asked)."""

from mlflow import MlflowClient

from govflow.tasks.registry import current_version, list_model_names


def test_every_registered_model_is_listed_across_pages(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(uri)
    names = [f"model_{i:02d}" for i in range(7)]
    for name in names:
        client.create_registered_model(name)
    assert list_model_names.fn(uri, page_size=3) == names
    assert list_model_names.fn(uri, page_size=1000) == names


def test_the_current_version_is_the_newest_aliased_else_the_newest(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(uri)
    client.create_registered_model("m")
    assert current_version(client, "m") is None
    for _ in range(3):
        client.create_model_version("m", source=str(tmp_path))
    assert current_version(client, "m") == "3"
    client.set_registered_model_alias("m", "champion", "2")
    assert current_version(client, "m") == "2"
