"""Reading a generative-AI application's answers from MLflow traces (issue 31): when a version's
`governance.evaluation_data` or `governance.monitoring_data` is `mlflow:traces`, its answers are the traces
MLflow holds for the version's external model (the application logs them with `mlflow.set_active_model`), one
row per trace: its input and output, when it was asked, and each feedback on it, a person's as `human.<name>`
and an LLM judge's as `judge.<name>`, the columns checks/genai.py reads."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from govflow.checks.manifest import canonical_json, sha256_hex
from govflow.datasets import LoadedData
from govflow.tasks.data import load_dataset
from govflow.tasks.paging import every_page
from govflow.tasks.task_type import task

TRACES_URI = "mlflow:traces"
TRACE_TIME = "request_time"  # the column a traces source is stamped by (tag governance.timestamp)
_SOURCES = {"HUMAN": "human.", "LLM_JUDGE": "judge.", "CODE": "judge."}


def model_id_of(source: str) -> str | None:
    """The logged model a version was registered from (`models:/m-...`), or None."""
    return source.removeprefix("models:/").split("/")[0] if source.startswith("models:/m-") else None


def _text(payload: str | None) -> str | None:
    """A trace's request or response as text: a JSON object of one field is that field's value."""
    if payload is None:
        return None
    try:
        value = json.loads(payload)
    except (TypeError, ValueError):
        return str(payload)
    if isinstance(value, dict) and len(value) == 1:
        value = next(iter(value.values()))
    return value if isinstance(value, str) else json.dumps(value)


def _row(trace) -> dict:
    info = trace.info
    row = {"trace_id": info.trace_id,
           TRACE_TIME: datetime.fromtimestamp(info.request_time / 1000, UTC).isoformat(timespec="seconds"),
           "input": _text(trace.data.request), "output": _text(trace.data.response)}
    for assessment in info.assessments or []:
        prefix = _SOURCES.get(str(assessment.source.source_type))
        if prefix and assessment.feedback is not None:
            row[f"{prefix}{assessment.name}"] = assessment.feedback.value
    return row


def read_traces(tracking_uri: str, model_id: str | None) -> LoadedData:
    """Every trace of the logged model as a table (oldest first); what cannot be read is said, not raised."""
    if model_id is None:
        return LoadedData(TRACES_URI, error="the version was not registered from a logged model, so it has no "
                                            "traces to read (register it with `govflow system add`)")
    client = MlflowClient(tracking_uri)
    try:
        # Wherever the application logged them: the traces of one logged model, in any experiment.
        traces = every_page(client.search_traces, model_id=model_id, max_results=500)
    except MlflowException as exc:
        return LoadedData(TRACES_URI, error=f"the traces of {model_id} cannot be read: {exc.message[:300]}")
    rows = [_row(t) for t in traces]
    frame = pd.DataFrame(rows).sort_values(TRACE_TIME, kind="stable").reset_index(drop=True) if rows \
        else pd.DataFrame(columns=["trace_id", TRACE_TIME, "input", "output"])
    return LoadedData(f"{TRACES_URI} of {model_id}", frame,
                      fingerprint=f"sha256:{sha256_hex(canonical_json(rows))}")


@task
def load_answers(tracking_uri: str, uri: str | None, source: str) -> LoadedData:
    """A generative-AI version's answers: its traces in MLflow when the tag says `mlflow:traces`, else the file."""
    return read_traces(tracking_uri, model_id_of(source)) if uri == TRACES_URI else load_dataset.fn(uri)
