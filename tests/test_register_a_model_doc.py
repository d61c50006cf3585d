"""docs/register-a-model.md runs as written (issue 27, defect 11): its script, assessment and shell steps are
taken from the page's code blocks and run in an empty folder with the project's `.venv`; the gate blocks for
sign-off and the second sign-off approves, with the AUC scikit-learn gives on the same rows."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).parents[1] / "docs" / "register-a-model.md"


def blocks() -> dict[str, str]:
    """The page's named code blocks: ```lang name``` -> body."""
    return {info.split(" ", 1)[1]: body for info, body in re.findall(r"```(\w+ [^\n]+)\n(.*?)```", DOC.read_text(), re.DOTALL)}


def test_the_page_names_its_three_blocks():
    assert set(blocks()) == {"register_credit_model.py", "assessments/my_credit_model.yaml", "steps"}


@pytest.mark.slow
def test_the_page_runs_as_written(tmp_path):
    for name, body in blocks().items():
        if name != "steps":
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_text(body)
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parents[1])  # the README's first command made it
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_TRACKING", "GOVFLOW_", "PREFECT_API"))}
    done = subprocess.run(["bash", "-c", "set -euo pipefail\n" + blocks()["steps"]], check=False, cwd=tmp_path,
                          env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    last = out.split("my_credit_model v1 [high tier]: ")[-1]
    assert out.count("[high tier]: BLOCKED") == 2 and "awaiting sign-off by owner, validator" in out
    assert last.startswith("APPROVED") and "governance.signoff: signed off by owner: R. Okafor" in last

    import mlflow
    import pandas as pd
    from mlflow import MlflowClient
    from sklearn.metrics import roc_auc_score

    client = MlflowClient(f"sqlite:///{tmp_path / '.govflow' / 'mlflow.db'}")
    evaluation = pd.read_parquet(tmp_path / "evaluation.parquet")
    model = mlflow.pyfunc.load_model(client.get_model_version_download_uri("my_credit_model", "1"))
    score = model.predict(evaluation[["income", "debt_ratio", "late_payments"]])[:, 1]
    auc = re.search(r"performance.auc: AUC (\d\.\d{4})", last).group(1)
    assert float(auc) == pytest.approx(roc_auc_score(evaluation["repaid"], score), abs=5e-5)
