from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from govflow.tasks.scoring import LoadedModel, predict, split_output


def test_two_column_probabilities():
    pred, score = split_output(np.array([[0.9, 0.1], [0.2, 0.8]]))
    assert pred.tolist() == [0, 1] and score.tolist() == [0.1, 0.8]


def test_single_probability_column():
    pred, score = split_output(pd.DataFrame({"p": [0.2, 0.7]}))
    assert pred.tolist() == [0, 1] and score.tolist() == [0.2, 0.7]


def test_more_than_two_classes_is_refused():
    with pytest.raises(ValueError, match="3 columns per row"):
        split_output(np.full((4, 3), 1 / 3))


def test_classes_only():
    pred, score = split_output(np.array([1, 0, 1]))
    assert pred.tolist() == [1, 0, 1] and score is None


class _Broken:
    def predict(self, frame):
        raise ValueError("column 'x' has the wrong type")


def test_prediction_failure_is_reported_not_raised():
    scored = predict.fn(LoadedModel(model=_Broken(), input_columns=("x",)), pd.DataFrame({"x": [1]}))
    assert scored.pred is None
    assert scored.error == "prediction failed: ValueError: column 'x' has the wrong type"


def test_model_without_signature_never_sees_the_label():
    seen = {}

    class Spy:
        def predict(self, frame):
            seen["columns"] = list(frame.columns)
            return np.zeros(len(frame), dtype=int)

    frame = pd.DataFrame({"x": [1.0], "y": [0], "sex": ["f"]})
    predict.fn(LoadedModel(model=Spy()), frame, exclude=("y", "sex"))
    assert seen["columns"] == ["x"]


@pytest.mark.slow  # registers a model in a fresh MLflow store
def test_a_registered_version_is_downloaded_once_and_no_temporary_copy_is_left(tmp_path, monkeypatch):
    """A long-running worker loads the same versions night after night: one cached copy per version, none in
    the temporary folder."""
    import tempfile

    import mlflow.sklearn
    from mlflow import MlflowClient
    from sklearn.linear_model import LogisticRegression

    from govflow.tasks.scoring import fetch_model

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(uri)
    experiment = client.create_experiment("train", artifact_location=(tmp_path / "artifacts").as_uri())
    run = client.create_run(experiment)
    model = LogisticRegression().fit(pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]}), [0, 0, 1, 1])
    mlflow.sklearn.save_model(model, str(tmp_path / "saved"),
                              pip_requirements=mlflow.sklearn.get_default_pip_requirements())
    client.log_artifacts(run.info.run_id, str(tmp_path / "saved"), "model")
    client.create_registered_model("Credit scoring (EU)")  # a name that is no tidy folder name
    client.create_model_version("Credit scoring (EU)", f"runs:/{run.info.run_id}/model", run.info.run_id)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    cache = tmp_path / "models"
    first = fetch_model.fn(uri, "Credit scoring (EU)", "1", cache)
    second = fetch_model.fn(uri, "Credit scoring (EU)", "1", cache)
    assert first.error is None and second.error is None, first.error
    assert second.model is first.model  # loaded once per process: the artifacts of a version never change
    assert first.local_path == second.local_path and (Path(first.local_path) / "MLmodel").is_file()
    assert [p.name for p in cache.iterdir()] == [Path(first.local_path).parent.name]
    assert len(list(Path(first.local_path).parent.iterdir())) == 1  # no staging folder left beside it
    assert list(scratch.iterdir()) == []
    assert list(first.model.predict(pd.DataFrame({"x": [0.0, 3.0]}))) == [0, 1]
    # The model deleted and registered again reuses version 1 for other artifacts: not the cached copy.
    client.delete_registered_model("Credit scoring (EU)")
    rerun = client.create_run(experiment)
    flipped = LogisticRegression().fit(pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]}), [1, 1, 0, 0])
    mlflow.sklearn.save_model(flipped, str(tmp_path / "flipped"),
                              pip_requirements=mlflow.sklearn.get_default_pip_requirements())
    client.log_artifacts(rerun.info.run_id, str(tmp_path / "flipped"), "model")
    client.create_registered_model("Credit scoring (EU)")
    client.create_model_version("Credit scoring (EU)", f"runs:/{rerun.info.run_id}/model", rerun.info.run_id)
    again = fetch_model.fn(uri, "Credit scoring (EU)", "1", cache)
    assert again.local_path != first.local_path
    assert list(again.model.predict(pd.DataFrame({"x": [0.0, 3.0]}))) == [1, 0]
