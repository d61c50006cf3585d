"""A generative-AI version's answers read from MLflow traces (issue 31): one row per trace of the version's
external model, its input and output as text, and people's and a judge's feedback as human./judge. columns."""

import mlflow
import pytest
from mlflow.entities import AssessmentSource

from govflow.checks.system_kind import SystemKind
from govflow.tasks.systems import register_system_version
from govflow.tasks.traces import TRACES_URI, load_answers, model_id_of, read_traces


@pytest.fixture(scope="module")
def traced(tmp_path_factory):
    """One store with three traces of one external model, for the module: MLflow's tracer keeps the store it
    first exported to for the process's life."""
    tmp_path = tmp_path_factory.mktemp("traced")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)  # the application logs its traces to this store
        added = register_system_version.fn(uri, "governance", tmp_path / "artifacts", "assistant", SystemKind.GENAI,
                                           {}, None)
        experiment = mlflow.MlflowClient(uri).create_experiment("assistant-traffic", (tmp_path / "traffic").as_uri())
        # As the application would; the variable mlflow.set_experiment sets is put back when the module ends, so
        # no later subprocess inherits it.
        monkeypatch.setenv("MLFLOW_EXPERIMENT_ID", experiment)
        mlflow.set_experiment(experiment_id=experiment)  # over any experiment an earlier test made active
        mlflow.set_active_model(model_id=added.model_id)
        ids = []
        try:
            for i in range(3):
                with mlflow.start_span(name="answer") as span:
                    span.set_inputs({"question": f"When is my refund {i}?"})
                    span.set_outputs({"answer": f"Refund {i} takes five days."})
                    ids.append(span.trace_id)
            mlflow.flush_trace_async_logging()
        finally:
            mlflow.clear_active_model()
        mlflow.log_feedback(trace_id=ids[0], name="helpful", value=True,
                            source=AssessmentSource(source_type="HUMAN", source_id="ana"))
        mlflow.log_feedback(trace_id=ids[0], name="helpful", value=False,
                            source=AssessmentSource(source_type="LLM_JUDGE", source_id="judge"))
        yield uri, added


def test_each_trace_is_a_row_with_its_text_and_the_feedback_on_it(traced):
    uri, added = traced
    assert model_id_of(f"models:/{added.model_id}") == added.model_id
    data = read_traces(uri, added.model_id)
    assert data.error is None and data.rows == 3 and (data.fingerprint or "").startswith("sha256:")
    frame = data.table
    assert sorted(frame["input"]) == [f"When is my refund {i}?" for i in range(3)]
    assert set(frame["output"]) == {f"Refund {i} takes five days." for i in range(3)}
    first = frame[frame["input"] == "When is my refund 0?"].iloc[0]
    assert first["human.helpful"] is True and first["judge.helpful"] is False
    assert list(frame["request_time"]) == sorted(frame["request_time"])


def test_traces_are_read_only_when_the_tag_asks_and_a_version_without_a_logged_model_has_none(traced, tmp_path):
    uri, added = traced
    assert load_answers.fn(uri, TRACES_URI, f"models:/{added.model_id}").rows == 3
    missing = load_answers.fn(uri, TRACES_URI, "file:///some/model")
    assert missing.rows is None and "no traces to read" in (missing.error or "")
    (tmp_path / "answers.csv").write_text("input,output\nq,a\n")
    assert load_answers.fn(uri, str(tmp_path / "answers.csv"), "file:///x").rows == 1
