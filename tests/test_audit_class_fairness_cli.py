"""`govflow audit fairness --task multiclass` on a file of products offered: one class against the rest, the
largest gap over the classes equal to Fairlearn's on the same rows, each group's rate per class in the table;
decisions alone judge demographic parity only; bad input is a clear exit 2."""

import json

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, equalized_odds_difference, selection_rate
from typer.testing import CliRunner

from govflow.cli import app

runner = CliRunner()
PRODUCTS = ["card", "loan", "savings"]


@pytest.fixture(scope="module")
def offers(tmp_path_factory):
    """Products offered and the product each customer took up; women are offered savings less often."""
    rng = np.random.default_rng(11)
    n = 3000
    frame = pd.DataFrame({"sex": rng.choice(["f", "m"], n), "region": rng.choice(["n", "s"], n)})
    frame["taken"] = rng.choice(PRODUCTS, n)
    right = rng.random(n) < 0.8
    frame["offered"] = np.where(right, frame["taken"], rng.choice(PRODUCTS, n))
    steered = (frame["sex"] == "f") & (frame["offered"] == "savings") & (rng.random(n) < 0.8)
    frame.loc[steered, "offered"] = "card"
    path = tmp_path_factory.mktemp("offers") / "offers.csv"
    frame.to_csv(path, index=False)
    return frame, path


def _audit(*args):
    return runner.invoke(app, ["audit", "fairness", "--task", "multiclass", *args])


def _by_id(payload: dict, check_id: str, column: str) -> dict:
    [found] = [r for r in payload["results"] if r["check_id"] == check_id and r["group"] == column]
    return found


def test_decisions_among_classes_with_outcomes_equal_fairlearns_one_class_against_the_rest(offers):
    """fairness.demographic_parity_difference and fairness.equalized_odds_difference: the largest over the
    classes of Fairlearn's gap on `is this class`."""
    frame, path = offers
    result = _audit("--data", str(path), "--prediction", "offered", "--label", "taken", "--sensitive", "sex,region",
                    "--tier", "medium", "--json")
    assert result.exit_code == 1, result.output  # women are steered away from savings
    payload = json.loads(result.stdout)
    for column in ("sex", "region"):
        parity = max(MetricFrame(metrics=selection_rate, y_true=frame["taken"] == c, y_pred=frame["offered"] == c,
                                 sensitive_features=frame[column]).difference() for c in PRODUCTS)
        odds = max(equalized_odds_difference(frame["taken"] == c, frame["offered"] == c,
                                             sensitive_features=frame[column]) for c in PRODUCTS)
        assert _by_id(payload, "fairness.demographic_parity_difference", column)["value"] == pytest.approx(parity,
                                                                                                       abs=1e-12)
        assert _by_id(payload, "fairness.equalized_odds_difference", column)["value"] == pytest.approx(odds, abs=1e-12)
    sex = _by_id(payload, "fairness.demographic_parity_difference", "sex")
    assert sex["status"] == "FAIL" and "class 'savings'" in sex["message"]
    rates = {(g["group"], g["class"]): g["assigned_rate"] for g in payload["groups"] if g["feature"] == "sex"}
    women = frame[frame["sex"] == "f"]
    assert rates[("f", "savings")] == pytest.approx((women["offered"] == "savings").mean())


def test_decisions_alone_judge_parity_and_say_the_error_gap_needs_outcomes(offers):
    frame, path = offers
    women = frame[frame["sex"] == "f"]
    result = _audit("--data", str(path), "--prediction", "offered", "--sensitive", "sex", "--tier", "medium")
    assert result.exit_code == 1, result.output
    assert "decisions among classes" in result.output and "decisions only: no outcomes" in result.output
    assert "fairness.equalized_odds_difference" in result.output and "not run: no outcomes" in result.output
    assert [line.split() for line in result.output.splitlines() if line.strip().startswith("sex=f  savings")] == [
        ["sex=f", "savings", str(len(women)), f"{(women['offered'] == 'savings').mean():.4f}"]]


def test_a_decision_that_is_empty_or_a_binary_option_is_a_clear_usage_error(offers, tmp_path):
    frame, _ = offers
    holed = tmp_path / "holed.csv"
    frame.assign(offered=frame["offered"].where(frame.index % 10 != 0)).to_csv(holed, index=False)
    result = _audit("--data", str(holed), "--prediction", "offered", "--sensitive", "sex")
    assert result.exit_code == 2 and "prediction column 'offered' has 300 empty value(s)" in result.output
    result = _audit("--data", str(holed), "--prediction", "offered", "--sensitive", "sex", "--favourable", "loan")
    assert result.exit_code == 2 and "a multiclass decision has none" in result.output
    assert "Traceback" not in result.output
