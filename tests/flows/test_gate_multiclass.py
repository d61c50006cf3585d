"""A multinomial scikit-learn classifier registered with the README's tags alone: the gate tells it is multiclass
from its class probabilities, judges it by the tier's multiclass rules, and gives numbers equal to scikit-learn's
and, one class against the rest, to Fairlearn's on the same rows."""

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, equalized_odds_difference, selection_rate
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, log_loss, recall_score

from govflow.checks.results import Status
from govflow.flows.gate import registration_gate
from govflow.policy_file import load_policy
from tests.flows.conftest import register_fitted

pytestmark = pytest.mark.usefixtures("prefect_harness")
FEATURES = ["income", "age", "balance"]


def _customers(n: int, seed: int) -> pd.DataFrame:
    """Which product a bank offers next: savings to the well-off, loans to the young, cards to the rest; incomes
    differ by sex, so the offers do too."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["f", "m"], n)
    income = rng.normal(42_000, 9_000, n) + np.where(sex == "m", 6_000, 0)
    age = rng.integers(18, 75, n).astype(float)
    balance = rng.gamma(2.0, 4_000, n)
    logits = np.column_stack([0.00008 * income + 0.0002 * balance - 4.5, 2.5 - 0.06 * age,
                              np.zeros(n)]) + rng.gumbel(size=(n, 3))
    product = np.array(["savings", "loan", "card"])[logits.argmax(axis=1)]
    return pd.DataFrame({"income": income, "age": age, "balance": balance, "sex": sex, "product": product})


@pytest.fixture(scope="module")
def offer_gate(client, tmp_path_factory):
    folder = tmp_path_factory.mktemp("offers")
    reference, evaluation = _customers(3000, 1), _customers(1500, 2)
    model = LogisticRegression(max_iter=2000).fit(reference[FEATURES], reference["product"])
    version = register_fitted(client, folder, "next_best_offer", model, reference, evaluation, FEATURES, {
        "governance.owner": "crm-analytics@bank.example", "governance.use_case": "next product offered to customers",
        "governance.risk_tier": "medium", "governance.label": "product", "governance.prediction": "product_pred",
        "governance.sensitive_features": "sex"})
    return registration_gate("next_best_offer", version), model, evaluation


def _results(outcome, check_id: str) -> list:
    return [r for r in outcome.results if r.check_id == check_id]


def test_a_multinomial_classifier_is_told_from_its_probabilities_and_judged_by_the_multiclass_rules(offer_gate):
    outcome = offer_gate[0]
    [task] = _results(outcome, "governance.task")
    assert task.status is Status.PASS and task.value == "multiclass" and "3 classes" in task.message
    ids = {r.check_id for r in outcome.results}
    assert {"performance.accuracy", "performance.macro_f1", "performance.log_loss", "performance.class_recall",
            "fairness.demographic_parity_difference", "fairness.equalized_odds_difference"} <= ids
    assert not ids & {"performance.auc", "performance.brier", "fairness.demographic_parity_ratio"}
    [importance] = _results(outcome, "explainability.importance")  # ranked by the drop in accuracy
    assert importance.status is Status.PASS and "accuracy" in importance.message
    # Noise flips its offers as it flips a binary decision; a missing input is answered or refused, never a crash.
    assert _results(outcome, "robustness.noise") and len(_results(outcome, "robustness.missing_value")) == 3


def test_the_gates_multiclass_numbers_equal_scikit_learns_and_fairlearns(offer_gate, settings):
    outcome, model, evaluation = offer_gate
    y, x = evaluation["product"].to_numpy(), evaluation[FEATURES]
    pred, proba = model.predict(x), model.predict_proba(x)
    [accuracy] = _results(outcome, "performance.accuracy")
    [macro] = _results(outcome, "performance.macro_f1")
    [loss] = _results(outcome, "performance.log_loss")
    assert accuracy.value == pytest.approx(accuracy_score(y, pred), abs=1e-12)
    assert macro.value == pytest.approx(f1_score(y, pred, average="macro"), abs=1e-12)
    assert loss.value == pytest.approx(log_loss(y, proba, labels=model.classes_), abs=1e-9)
    recalls = dict(zip(model.classes_, recall_score(y, pred, average=None, labels=model.classes_), strict=True))
    assert {r.group: r.value for r in _results(outcome, "performance.class_recall")} == pytest.approx(recalls)
    sex = evaluation["sex"]
    parity = max(MetricFrame(metrics=selection_rate, y_true=y == c, y_pred=pred == c,
                             sensitive_features=sex).difference() for c in model.classes_)
    odds = max(equalized_odds_difference(y == c, pred == c, sensitive_features=sex) for c in model.classes_)
    [dp] = _results(outcome, "fairness.demographic_parity_difference")
    [eo] = _results(outcome, "fairness.equalized_odds_difference")
    assert dp.value == pytest.approx(parity, abs=1e-12) and eo.value == pytest.approx(odds, abs=1e-12)
    assert dp.group == "sex" and "largest for class" in dp.message
    straddle = Status(load_policy(settings.policy_file)[0].tier(outcome.tier).multiclass.fairness.on_straddle)
    low, high = dp.ci
    assert dp.status is (Status.PASS if high <= dp.limit else Status.FAIL if low > dp.limit else straddle)



def test_a_multiclass_night_judges_each_weeks_accuracy_and_the_windows_decay_of_macro_f1(offer_gate, client,
                                                                                       tmp_path):
    """At night, with outcomes: performance.accuracy per week equal to scikit-learn's on that week's logged
    decisions, performance.decay.macro_f1 over the window against the gate's macro F1, and performance.log_loss
    on the class probabilities the model gives for the week's rows."""
    from govflow.flows.nightly import monitor_version

    outcome, model, _ = offer_gate
    production = _customers(2016, 4)  # three whole weeks at one decision every 15 minutes
    production["product_pred"] = model.predict(production[FEATURES])
    production["offered_at"] = pd.date_range("2026-10-05", periods=len(production), freq="15min")
    production_file = str(tmp_path / "production.parquet")
    production.to_parquet(production_file)
    for key, value in {"governance.monitoring_data": production_file, "governance.timestamp": "offered_at"}.items():
        client.set_model_version_tag("next_best_offer", outcome.version, key, value)
    night = monitor_version("next_best_offer", outcome.version)
    weekly = _results(night, "performance.accuracy")
    assert len(weekly) >= 2, weekly
    for result in weekly:
        assert result.value is not None, result
        start, end = result.period.split("/")
        rows = production[(production["offered_at"] >= start)
                          & (production["offered_at"] < pd.Timestamp(end) + pd.Timedelta(days=1))]
        assert result.value == pytest.approx(accuracy_score(rows["product"], rows["product_pred"]), abs=1e-12)
    [decay] = _results(night, "performance.decay.macro_f1")
    [gate_f1] = _results(outcome, "performance.macro_f1")
    assert decay.status is not Status.ERROR and "against the validation baseline" in decay.message
    assert decay.value == pytest.approx(gate_f1.value - f1_score(production["product"], production["product_pred"],
                                                                  average="macro"), abs=1e-12)
    # Log loss on the class probabilities the model gives for each week's rows (logged decisions carry none).
    assert len(_results(night, "performance.log_loss")) == len(weekly)
    for result in _results(night, "performance.log_loss"):
        start, end = result.period.split("/")
        rows = production[(production["offered_at"] >= start)
                          & (production["offered_at"] < pd.Timestamp(end) + pd.Timedelta(days=1))]
        expected = log_loss(rows["product"], model.predict_proba(rows[FEATURES]), labels=model.classes_)
        assert result.value == pytest.approx(expected, abs=1e-9)
    # The estimate from the model's own class probabilities, set against the outcomes the window's weeks realised.
    assert _results(night, "performance.estimation_error.accuracy")
    assert not [r for r in night.results if r.status is Status.ERROR]


def test_an_outcome_of_a_class_the_model_never_saw_is_an_error_naming_it(offer_gate, client, tmp_path):
    """The evaluation data's label holds 'mortgage', which the model gives no probability for: the performance
    results are ERRORs naming the class, and nothing is approved."""
    outcome = offer_gate[0]
    evaluation = _customers(1500, 5)
    evaluation.loc[evaluation.index % 7 == 0, "product"] = "mortgage"
    evaluation.to_parquet(tmp_path / "evaluation-mortgage.parquet")
    first = client.get_model_version("next_best_offer", outcome.version)
    version = client.create_model_version("next_best_offer", first.source, run_id=first.run_id, tags={
        "governance.evaluation_data": str(tmp_path / "evaluation-mortgage.parquet")}).version
    again = registration_gate("next_best_offer", str(version))
    accuracy = _results(again, "performance.accuracy")
    assert accuracy and all(r.status is Status.ERROR and "'mortgage'" in r.message for r in accuracy)
    assert again.verdict != "APPROVED"
    assert not [r for r in again.results if r.family == "performance" and r.status is Status.PASS]


def test_the_gates_fairness_page_charts_each_products_rate_by_sex(offer_gate, client, tmp_path):
    from pathlib import Path

    outcome = offer_gate[0]
    page = Path(client.download_artifacts(outcome.run_id, "evidence/fairness.html", str(tmp_path))).read_text()
    assert all(f"Class {p}: rate of being assigned it" in page for p in ("card", "loan", "savings"))
    assert "fairness.demographic_parity_difference" in page
