"""Shared test setup: telemetry off and every path inside a temporary folder, before any import."""

import os
import tempfile

_ROOT = tempfile.mkdtemp(prefix="govflow-tests-")
os.environ.update({
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "PREFECT_HOME": os.path.join(_ROOT, "prefect"),
    "GOVFLOW_DATA_DIR": os.path.join(_ROOT, "data"),
})
os.environ.pop("MLFLOW_TRACKING_URI", None)
os.environ.pop("GOVFLOW_TRACKING_URI", None)
