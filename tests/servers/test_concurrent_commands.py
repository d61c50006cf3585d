"""Commands started side by side on one data dir (issue 28, item 8): eight `govflow finding note` processes at
once, each starting its own embedded Prefect server on one database. None prints a traceback, whether it
succeeds or (its server lost the race to start) fails with one line; the chain holds exactly the notes that
exited 0, intact."""

import json
import os
import subprocess

import pytest
from mlflow import MlflowClient

from tests.servers.processes import BIN

pytestmark = [pytest.mark.servers, pytest.mark.slow]
MODEL = "vendor_fraud_score"


def test_eight_notes_at_once_print_no_traceback_and_leave_an_intact_chain(tmp_path, monkeypatch):
    from govflow.demo.seed import seed_fleet
    from govflow.settings import Settings

    monkeypatch.setenv("GOVFLOW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    settings = Settings()
    seed_fleet(MlflowClient(settings.resolved_tracking_uri), tmp_path / "datasets", settings.local_artifact_root,
               only=(MODEL,))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "MLFLOW_TRACKING"))},
           "GOVFLOW_DATA_DIR": str(tmp_path / "data"), "PREFECT_HOME": str(tmp_path / "prefect")}
    procs = [subprocess.Popen([str(BIN / "govflow"), "finding", "note", MODEL, "data.schema", "--by", "A. Rivera",
                               "--text", f"note {i}"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for i in range(8)]
    done = [(p, *p.communicate(timeout=600)) for p in procs]
    for proc, _, err in done:
        assert "Traceback" not in err, err[-3000:]
        if proc.returncode != 0:
            assert proc.returncode == 1 and err.count("govflow: ") == 1, err[-3000:]
    verified = subprocess.run([str(BIN / "govflow"), "verify", MODEL, "--json"], env=env, capture_output=True,
                              text=True, timeout=300, check=False)
    document = json.loads(verified.stdout.splitlines()[-1])
    assert document["intact"] and document["runs"] == sum(p.returncode == 0 for p, _, _ in done), document
