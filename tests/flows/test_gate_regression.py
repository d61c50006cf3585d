"""A scikit-learn regressor registered with the README's tags alone (no governance.task): the gate tells it is a
regression, judges it by the tier's regression rules and gives numbers equal to scikit-learn's and Fairlearn's
MetricFrame's on the same rows; the classifier-only probes are not expected of it."""

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

from govflow.checks.results import Status
from govflow.flows.gate import registration_gate
from govflow.policy_file import load_policy
from tests.flows.conftest import register_fitted

pytestmark = pytest.mark.usefixtures("prefect_harness")
FEATURES = ["age", "vehicle_value", "annual_miles"]


def _premiums(n: int, seed: int) -> pd.DataFrame:
    """Motor premiums: older drivers pay less, dearer cars and more miles more; the age band is not an input."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 80, n)
    frame = pd.DataFrame({"age": age.astype(float), "vehicle_value": rng.gamma(4.0, 6000.0, n),
                          "annual_miles": rng.normal(9000, 2500, n).clip(1000)})
    frame["premium"] = (900 - 6 * frame["age"] + 0.015 * frame["vehicle_value"] + 0.02 * frame["annual_miles"]
                        + rng.normal(0, 60, n))
    frame["age_band"] = pd.cut(frame["age"], [17, 25, 40, 60, 80], labels=["18-25", "26-40", "41-60", "61-80"]
                               ).astype(str)
    return frame


@pytest.fixture(scope="module")
def premium_gate(client, tmp_path_factory):
    folder = tmp_path_factory.mktemp("premium")
    reference, evaluation = _premiums(3000, 1), _premiums(1500, 2)
    model = LinearRegression().fit(reference[FEATURES], reference["premium"])
    version = register_fitted(client, folder, "motor_premium", model, reference, evaluation, FEATURES, {
        "governance.owner": "pricing@insurer.example", "governance.use_case": "motor insurance premiums",
        "governance.risk_tier": "medium", "governance.label": "premium", "governance.prediction": "premium_pred",
        "governance.sensitive_features": "age_band"})
    return registration_gate("motor_premium", version), model, reference, evaluation, folder


def _again(client, tags: dict[str, str]):
    """The same regressor registered again with version tags over the model's, and gated."""
    first = client.get_model_version("motor_premium", "1")
    version = client.create_model_version("motor_premium", first.source, run_id=first.run_id, tags=tags).version
    return registration_gate("motor_premium", str(version))


def _result(outcome, check_id: str, column: str | None = None):
    [found] = [r for r in outcome.results if r.check_id == check_id and (column is None or r.group == column)]
    return found


def test_a_regressor_is_told_from_its_numbers_and_judged_by_the_regression_rules(premium_gate, client):
    outcome = premium_gate[0]
    task = _result(outcome, "governance.task")
    assert task.status is Status.PASS and task.value == "regression" and "inferred" in task.message
    ids = {r.check_id for r in outcome.results}
    assert {"performance.mae", "performance.rmse", "performance.r2", "performance.mean_residual"} <= ids
    # A classifier's metrics and the probes that read a classifier's decisions are not expected of it; its
    # importance is ranked by the rise in MAE when an input is shuffled.
    assert not ids & {"performance.auc", "performance.brier", "fairness.demographic_parity_ratio", "robustness.noise"}
    assert not [r for r in outcome.reasons if r.startswith(("performance.auc", "robustness.noise", "explainability."))]
    importance = _result(outcome, "explainability.importance")
    assert importance.status is Status.PASS and "neg_mae" in importance.message
    assert importance.value == "vehicle_value"  # the dearest input to shuffle: premiums follow the car's value
    # Noise is a classifier's flipped decisions; a missing input must get a premium or a clear refusal, and this
    # bare LinearRegression (no imputer) crashes on one: a finding naming each input.
    missing = [r for r in outcome.results if r.check_id == "robustness.missing_value"]
    assert {r.column for r in missing} == set(FEATURES)
    assert all(r.status is Status.FAIL and "crashes the model" in r.message for r in missing)
    # The task is told once: the version carries it for the nightly run and the pages.
    assert client.get_model_version("motor_premium", outcome.version).tags["governance.task"] == "regression"
    # Accurate (R² 0.93), yet the youngest band's mean premium is 1.29 times the oldest's: the honest finding.
    assert outcome.verdict == "REJECTED"
    assert [r for r in outcome.reasons if r.startswith("fairness.mean_prediction_ratio[age_band] FAIL")]


def test_the_gates_regression_numbers_equal_scikit_learns_and_fairlearns(premium_gate):
    outcome, model, _, evaluation, _ = premium_gate
    y, pred = evaluation["premium"].to_numpy(), model.predict(evaluation[FEATURES])
    assert _result(outcome, "performance.mae").value == pytest.approx(mean_absolute_error(y, pred), rel=1e-9)
    assert _result(outcome, "performance.rmse").value == pytest.approx(np.sqrt(mean_squared_error(y, pred)), rel=1e-9)
    assert _result(outcome, "performance.r2").value == pytest.approx(r2_score(y, pred), rel=1e-9)
    assert _result(outcome, "performance.mean_residual").value == pytest.approx(abs(np.mean(pred - y)), abs=1e-9)
    bands = evaluation["age_band"]
    frame = MetricFrame(metrics={"mae": mean_absolute_error, "mean_prediction": lambda t, p: float(np.mean(p)),
                                 "mean_residual": lambda t, p: float(np.mean(p - t))},
                        y_true=y, y_pred=pred, sensitive_features=bands)
    assert _result(outcome, "fairness.mae_difference", "age_band").value == pytest.approx(
        frame.difference()["mae"], abs=1e-9)
    assert _result(outcome, "fairness.mean_residual_difference", "age_band").value == pytest.approx(
        frame.difference()["mean_residual"], abs=1e-9)
    ratio = _result(outcome, "fairness.mean_prediction_ratio", "age_band")
    assert ratio.value == pytest.approx(frame.ratio()["mean_prediction"], abs=1e-9)


def test_limits_in_the_outcomes_units_are_the_tiers_shares_of_the_reference_outcomes(premium_gate, settings):
    outcome, _, reference, _, _ = premium_gate
    policy, _ = load_policy(settings.policy_file)
    rules = policy.tier(outcome.tier).regression  # no risk assessment on file: the unassessed tier
    scale = reference["premium"].abs().mean()
    assert _result(outcome, "performance.mae").limit == pytest.approx(rules.performance.mae.max_relative * scale)
    assert _result(outcome, "fairness.mae_difference", "age_band").limit == pytest.approx(
        rules.fairness.mae_difference.max_relative * scale)
    # Each figure's status is what its interval says against that limit.
    for check_id in ("performance.mae", "performance.r2", "fairness.mean_prediction_ratio"):
        result = _result(outcome, check_id)
        low, high = result.ci
        assert low <= result.value <= high
        if check_id == "fairness.mean_prediction_ratio":
            assert result.status is (Status.PASS if low >= result.limit else
                                     Status.FAIL if high < result.limit else Status.WARN)



def test_a_task_tag_that_contradicts_the_model_blocks_naming_both(premium_gate, client):
    outcome = _again(client, {"governance.task": "binary"})
    task = _result(outcome, "governance.task")
    assert task.status is Status.ERROR and "says binary" in task.message and "(regression)" in task.message
    assert outcome.verdict == "BLOCKED"
    assert not [r for r in outcome.results if r.family in ("performance", "fairness") and r.status is Status.PASS]


def test_a_regression_label_that_is_text_is_an_error_naming_the_column(premium_gate, client):
    folder, evaluation = premium_gate[4], premium_gate[3].copy()
    evaluation["premium"] = [f"£{v:,.2f}" for v in evaluation["premium"]]  # an export that kept the currency
    evaluation.to_parquet(folder / "evaluation-text.parquet")
    outcome = _again(client, {"governance.task": "regression",
                              "governance.evaluation_data": str(folder / "evaluation-text.parquet")})
    mae = _result(outcome, "performance.mae")
    assert mae.status is Status.ERROR and "label column 'premium'" in mae.message
    # The data check names the column that changed type first; nothing is approved.
    assert outcome.verdict == "REJECTED" and outcome.reasons[0].startswith("data.schema[premium] FAIL")
    assert not [r for r in outcome.results if r.family in ("performance", "fairness") and r.status is Status.PASS]


def test_a_regressions_night_judges_its_data_and_the_drift_of_its_numbers_not_a_classifiers_metrics(
        premium_gate, client):
    from govflow.flows.nightly import monitor_version

    outcome, _, _, _, folder = premium_gate
    production = _premiums(1200, 3)
    production["age"] = production["age"] + 12  # an older book: the premiums it is quoted drift down
    production["scored_at"] = pd.date_range("2026-10-05", periods=len(production), freq="15min")
    production.assign(premium=np.nan).to_parquet(folder / "production.parquet")  # outcomes not known yet
    for key, value in {"governance.monitoring_data": str(folder / "production.parquet"),
                       "governance.timestamp": "scored_at"}.items():
        client.set_model_version_tag("motor_premium", outcome.version, key, value)
    night = monitor_version("motor_premium", outcome.version)
    ids = {r.check_id for r in night.results}
    # No classifier metric: before outcomes, the errors estimated (direct loss estimation), no ERROR.
    assert {i for i in ids if i.startswith("performance.")} == {"performance.estimated.mae", "performance.estimated.rmse"}
    assert not ids & {"fairness.demographic_parity_ratio", "fairness.equalized_odds_difference"}
    assert not [r for r in night.results if r.status is Status.ERROR], [r for r in night.results
                                                                         if r.status is Status.ERROR]
    # The premiums quoted, judged as numbers (a classifier's decisions would be classes): an older book, lower premiums.
    shifts = [r for r in night.results if r.check_id == "drift.prediction"]
    assert shifts and all(r.status is not Status.PASS and "'premium_pred'" in r.message and "wasserstein" in r.message
                          for r in shifts)
    # Fairness of the premiums quoted, per week, on the decisions alone: the ratio by age band, the error gaps
    # waiting for outcomes.
    ratios = [r for r in night.results if r.check_id == "fairness.mean_prediction_ratio"]
    assert len(ratios) == len(shifts) and all(r.group == "age_band" and r.ci for r in ratios)
    waiting = [r for r in night.results if r.check_id == "fairness.mae_difference"]
    assert waiting and all(r.status is Status.INCONCLUSIVE and "needs outcomes" in r.message for r in waiting)
    # ... and estimated meanwhile from the loss model, per age band.
    estimated = [r for r in night.results if r.check_id == "fairness.estimated.mae_difference"]
    assert len(estimated) == len(waiting) and all(r.group == "age_band" and r.ci for r in estimated)


def test_a_regressions_night_with_outcomes_judges_each_weeks_errors_their_decay_and_the_estimates_miss(
        premium_gate, client):
    """Once the premiums' outcomes arrive: performance.mae per week equal to scikit-learn's on that week's rows,
    performance.decay.mae over the window against the gate's MAE, and performance.estimation_error.mae for the
    weeks whose errors were estimated before."""
    from govflow.flows.nightly import monitor_version

    outcome, model, _, _, folder = premium_gate
    production = _premiums(1800, 3)
    production["age"] = production["age"] + 12
    production["scored_at"] = pd.date_range("2026-10-05", periods=len(production), freq="15min")
    production["premium_pred"] = model.predict(production[FEATURES])
    production.to_parquet(folder / "production-labelled.parquet")
    for key, value in {"governance.monitoring_data": str(folder / "production-labelled.parquet"),
                       "governance.timestamp": "scored_at"}.items():
        client.set_model_version_tag("motor_premium", outcome.version, key, value)
    night = monitor_version("motor_premium", outcome.version)
    assert not [r for r in night.results if r.status is Status.ERROR]
    weekly = [r for r in night.results if r.check_id == "performance.mae"]
    assert len(weekly) >= 2
    for result in weekly:
        start, end = result.period.split("/")
        rows = production[(production["scored_at"] >= start) & (production["scored_at"] < pd.Timestamp(end)
                                                                  + pd.Timedelta(days=1))]
        assert result.n == len(rows)
        assert result.value == pytest.approx(mean_absolute_error(rows["premium"], rows["premium_pred"]), rel=1e-9)
    [decay] = [r for r in night.results if r.check_id == "performance.decay.mae"]
    gate_mae = _result(outcome, "performance.mae").value
    window = production[production["scored_at"] >= weekly[-3].period.split("/")[0]] if len(weekly) >= 3 else production
    assert decay.value == pytest.approx(mean_absolute_error(window["premium"], window["premium_pred"]) - gate_mae,
                                        rel=1e-9)
    assert decay.status is not Status.ERROR and decay.ci[0] <= decay.value <= decay.ci[1]
    assert [r for r in night.results if r.check_id == "performance.estimation_error.mae"]
    # The importance ranking by MAE on the labelled window against the one the gate ranked: the same model on the
    # same kind of rows ranks the same.
    [stability] = [r for r in night.results if r.check_id == "explainability.stability"]
    assert stability.status is Status.PASS and "Spearman" in stability.message


def test_the_gates_fairness_page_shows_each_age_bands_premiums(premium_gate, client, tmp_path):
    from pathlib import Path

    outcome = premium_gate[0]
    page = Path(client.download_artifacts(outcome.run_id, "evidence/fairness.html", str(tmp_path))).read_text()
    assert "fairness.mean_prediction_ratio" in page and "mean prediction" in page
    assert all(f"<td>{band}" in page for band in ("18-25", "26-40", "41-60", "61-80"))


def test_mitigation_says_plainly_that_its_methods_do_not_apply_to_a_regression(premium_gate):
    from govflow.flows.mitigation import MitigationInputError, mitigation_evaluation

    outcome = premium_gate[0]
    with pytest.raises(MitigationInputError, match="is a regression model: the mitigations compared here "
                                                   r"\(threshold_optimizer, exponentiated_gradient, reweighing\)"):
        mitigation_evaluation("motor_premium", outcome.version)
