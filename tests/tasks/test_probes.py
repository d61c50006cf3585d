"""The probing tasks through a real MLflow pyfunc model: MLflow's signature enforcement is a clear rejection,
a model that cannot take a missing value crashes, and a model card file is read or its fault named."""

import numpy as np
import pandas as pd
import pytest

from govflow.checks.policy import ExplainabilityChecks, MonotonicRule, NoiseRule, RobustnessChecks, Rule
from govflow.checks.results import Status
from govflow.tasks.probes import explain_model, probe_robustness, read_model_card
from govflow.tasks.scoring import LoadedModel


@pytest.fixture(scope="module")
def pyfunc_model(tmp_path_factory):
    """A logistic regression with no imputer, saved and loaded as MLflow saves registered models: its
    signature types `visits` as a long integer and `income` as a double."""
    import mlflow.pyfunc
    import mlflow.sklearn
    from mlflow.models import infer_signature
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"income": rng.normal(50, 10, 400), "visits": rng.integers(0, 10, 400),
                          "region": rng.choice(["n", "s"], 400)})
    y = (frame["income"] + 2 * frame["visits"] + rng.normal(0, 5, 400) > 60).astype(int).to_numpy()
    prep = ColumnTransformer([("num", StandardScaler(), ["income", "visits"]),
                              ("cat", OneHotEncoder(handle_unknown="ignore"), ["region"])])
    model = make_pipeline(prep, LogisticRegression()).fit(frame, y)
    path = tmp_path_factory.mktemp("model") / "model"
    mlflow.sklearn.save_model(model, str(path), signature=infer_signature(frame, model.predict_proba(frame)),
                              pyfunc_predict_fn="predict_proba",
                              pip_requirements=mlflow.sklearn.get_default_pip_requirements())
    loaded = mlflow.pyfunc.load_model(str(path))
    columns = tuple(loaded.metadata.get_input_schema().input_names())
    return LoadedModel(model=loaded, input_columns=columns, local_path=str(path)), frame, y


ROBUST = RobustnessChecks(sample_rows=200, seed=1, noise=NoiseRule(scale=0.05, max=0.05),
                          monotonic=MonotonicRule(step=0.5, tolerance=1e-9, max_violations=0.0),
                          missing_value=Rule())


def test_missing_values_through_mlflow_are_rejected_crash_or_predicted(pyfunc_model):
    loaded, frame, _ = pyfunc_model
    probed = probe_robustness.fn(loaded, frame, list(loaded.input_columns), "income:+,visits:+", ROBUST, 0.95, ())
    missing = {r.column: r for r in probed.results if r.check_id == "robustness.missing_value"}
    # MLflow refuses a missing value in an integer column with a message: a clear rejection.
    assert missing["visits"].status is Status.PASS and missing["visits"].value == "rejected"
    # The pipeline has no imputer, so scikit-learn raises on the NaN: a crash, and a FAIL naming the input.
    assert missing["income"].status is Status.FAIL and missing["income"].value == "crash"
    assert "a missing 'income' crashes the model: ValueError" in missing["income"].message
    monotonic = {r.column: r.status for r in probed.results if r.check_id == "robustness.monotonic"}
    assert monotonic == {"income": Status.PASS, "visits": Status.PASS}
    noise = next(r for r in probed.results if r.check_id == "robustness.noise")
    assert noise.n == 200 and 0 <= noise.value <= 0.05
    assert probed.document["rows"] == 200 and probed.document["of_rows"] == 400


def test_importance_through_the_pyfunc_model(pyfunc_model):
    loaded, frame, y = pyfunc_model
    rules = ExplainabilityChecks(sample_rows=300, repeats=3, seed=2, top_features=2, grid_points=5, importance=Rule())
    probed = explain_model.fn(loaded, frame, y, list(loaded.input_columns), rules, 0.95, ())
    assert probed.results[0].status is Status.PASS
    assert [r["feature"] for r in probed.document["importance"]][:2] == ["income", "visits"]
    assert probed.document["partial_dependence"][0]["feature"] == "income"


class _Unscorable:
    def predict(self, frame):
        raise RuntimeError("the scoring service is down")


def test_a_model_that_cannot_score_is_an_error_for_every_check_with_the_cause():
    frame = pd.DataFrame({"x": [1.0, 2.0] * 30})
    loaded = LoadedModel(model=_Unscorable(), input_columns=("x",))
    rules = ExplainabilityChecks(sample_rows=50, repeats=2, seed=1, top_features=1, grid_points=3, importance=Rule())
    explained = explain_model.fn(loaded, frame, np.array([0, 1] * 30), ["x"], rules, 0.95, ())
    assert [r.status for r in explained.results] == [Status.ERROR]
    assert "RuntimeError: the scoring service is down" in explained.document["error"]
    probed = probe_robustness.fn(loaded, frame, ["x"], "x:+", ROBUST, 0.95, ())
    assert {r.check_id: r.status for r in probed.results} == {
        "robustness.noise": Status.ERROR, "robustness.monotonic": Status.ERROR, "robustness.missing_value": Status.ERROR}


def test_model_card_file_read_or_its_fault_named(tmp_path):
    assert read_model_card.fn(None) == (None, None, None)
    assert read_model_card.fn(str(tmp_path)) == (None, None, None)
    (tmp_path / "model_card.yaml").write_text("intended_use: scoring\ncontact: a@b.example\n")
    assert read_model_card.fn(str(tmp_path)) == ({"intended_use": "scoring", "contact": "a@b.example"},
                                                  "model_card.yaml", None)
    (tmp_path / "model_card.yaml").write_text("intended_use: [unclosed\n")
    card, name, error = read_model_card.fn(str(tmp_path))
    assert card is None and name == "model_card.yaml" and error.startswith("model_card.yaml: ")
    (tmp_path / "model_card.yaml").write_text("- a list\n")
    assert read_model_card.fn(str(tmp_path))[2] == "model_card.yaml: expected a mapping of fields, got list"
