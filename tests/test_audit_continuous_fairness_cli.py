"""`govflow audit fairness --task regression` on a file of continuous decisions (offered credit limits): the
lowest group's mean over the highest's with its interval, and with outcomes the error gaps, equal to Fairlearn's
MetricFrame on the same rows; decisions alone judge the ratio only; bad input is a clear exit 2."""

import json

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame
from sklearn.metrics import mean_absolute_error
from typer.testing import CliRunner

from govflow.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def limits(tmp_path_factory):
    """Credit limits offered, and the limit each customer went on to need; group c is offered less."""
    rng = np.random.default_rng(7)
    n = 3000
    frame = pd.DataFrame({"region": rng.choice(["a", "b", "c"], n), "sex": rng.choice(["f", "m"], n)})
    frame["needed"] = rng.gamma(4.0, 1500.0, n)
    frame["offered"] = frame["needed"] * rng.normal(1.0, 0.1, n) * np.where(frame["region"] == "c", 0.7, 1.0)
    frame["fair_offer"] = frame["needed"] * rng.normal(1.0, 0.1, n)
    path = tmp_path_factory.mktemp("limits") / "limits.csv"
    frame.to_csv(path, index=False)
    return frame, path


def _audit(*args):
    return runner.invoke(app, ["audit", "fairness", "--task", "regression", *args])


def _by_id(payload: dict, check_id: str, column: str) -> dict:
    [found] = [r for r in payload["results"] if r["check_id"] == check_id and r["group"] == column]
    return found


def test_continuous_decisions_with_outcomes_equal_fairlearns_metricframe(limits):
    frame, path = limits
    result = _audit("--data", str(path), "--prediction", "offered", "--label", "needed", "--sensitive", "region,sex",
                    "--tier", "medium", "--json")
    assert result.exit_code == 1, result.output  # region c is offered 70% of the others
    payload = json.loads(result.stdout)
    metrics = {"mae": mean_absolute_error, "mean": lambda t, p: float(np.mean(p)),
               "residual": lambda t, p: float(np.mean(p - t))}
    for column in ("region", "sex"):
        frame_ = MetricFrame(metrics=metrics, y_true=frame["needed"], y_pred=frame["offered"],
                             sensitive_features=frame[column])
        ratio = _by_id(payload, "fairness.mean_prediction_ratio", column)
        assert ratio["value"] == pytest.approx(frame_.ratio()["mean"], abs=1e-9)
        assert _by_id(payload, "fairness.mae_difference", column)["value"] == pytest.approx(
            frame_.difference()["mae"], abs=1e-9)
        assert _by_id(payload, "fairness.mean_residual_difference", column)["value"] == pytest.approx(
            frame_.difference()["residual"], abs=1e-9)
    region = _by_id(payload, "fairness.mean_prediction_ratio", "region")
    assert region["status"] == "FAIL" and region["ci"][1] < 0.8 and "c " in region["message"]
    assert _by_id(payload, "fairness.mean_prediction_ratio", "sex")["status"] == "PASS"
    assert {g["group"] for g in payload["groups"] if g["feature"] == "region"} == {"a", "b", "c"}


def test_decisions_alone_judge_the_mean_ratio_and_say_the_error_gaps_need_outcomes(limits):
    _, path = limits
    result = _audit("--data", str(path), "--prediction", "fair_offer", "--sensitive", "region", "--tier", "medium")
    assert result.exit_code == 0, result.output
    assert "continuous decisions): APPROVED (decisions only: no outcomes)" in result.stdout
    assert "fairness.mae_difference" in result.stdout and "which need the true outcome" in result.stdout
    assert "mean_prediction" in result.stdout  # the per-group table


@pytest.mark.parametrize(("args", "named"), [
    (["--prediction", "region", "--sensitive", "sex"], "prediction column 'region' holds 'c', not a number"),
    (["--prediction", "offered", "--sensitive", "sex", "--favourable", "1"], "--favourable and --score"),
    (["--prediction", "offered", "--sensitive", "postcode"], "no column 'postcode'"),
])
def test_bad_input_is_a_clear_usage_error(limits, args, named):
    _, path = limits
    result = _audit("--data", str(path), *args)
    assert result.exit_code == 2 and named in result.output and "Traceback" not in result.output


def test_what_failed_is_printed_before_what_warned_or_passed(limits):
    _, path = limits
    result = _audit("--data", str(path), "--prediction", "offered", "--label", "needed", "--sensitive", "region,sex",
                    "--tier", "medium")
    statuses = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ") and "fairness." in line]
    assert statuses[0] == "FAIL" and statuses.index("PASS") > statuses.index("WARN"), statuses
