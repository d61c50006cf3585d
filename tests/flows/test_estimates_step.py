"""The nightly estimates step on frames: batches logged with decisions but no score are told apart, never a
crash; with scores, the estimates and the comparison appear per period."""

import json

import numpy as np
import pandas as pd

from govflow.checks.governance_tags import VersionTags
from govflow.checks.results import Status
from govflow.flows import monitoring as step
from govflow.flows.estimates import estimates
from govflow.policy_file import load_policy
from govflow.settings import DEFAULT_POLICY

TAGS = VersionTags.parse({"governance.label": "y", "governance.prediction": "pred", "governance.score": "p",
        "governance.sensitive_features": "sex"})


def _frame(rng, n, labelled=True):
    p = rng.random(n)
    y = (rng.random(n) < p).astype(float)
    return pd.DataFrame({"x": rng.normal(size=n), "sex": rng.choice(["f", "m"], n), "p": p,
                         "pred": (p > 0.5).astype(int), "y": y if labelled else np.nan})


def _run(periods, reference):
    policy, _ = load_policy(DEFAULT_POLICY)
    out = step.Collected()
    scorer = step.Scorer("sqlite:///unused.db", "m", "1", TAGS)  # the frames hold outputs: never loaded
    estimates(periods, {p for p, _ in periods}, reference, scorer, TAGS, policy.tier("high"), policy,
                   {"performance.auc": 0.8, "performance.accuracy": 0.75, "performance.precision": 0.7,
                    "performance.recall": 0.7}, out)
    return out


def test_estimates_for_waiting_periods_and_realised_against_estimated_for_labelled_ones():
    rng = np.random.default_rng(0)
    reference = _frame(rng, 4000)
    out = _run([("w1", _frame(rng, 800)), ("w2", _frame(rng, 800, labelled=False))], reference)
    by = {(r.check_id, r.period) for r in out.results}
    assert ("performance.estimated.auc", "w2") in by and ("fairness.estimated.equal_opportunity_difference", "w2") in by
    assert ("performance.estimation_error.auc", "w1") in by and ("performance.estimated.auc", "w1") not in by
    assert "evidence/estimation.json" in out.files


def test_batches_without_a_score_are_named_not_a_crash():
    rng = np.random.default_rng(1)
    reference = _frame(rng, 4000)
    periods = [("w1", _frame(rng, 800).drop(columns="p")), ("w2", _frame(rng, 800, labelled=False).drop(columns="p"))]
    out = _run(periods, reference)
    assert out.results and {r.status for r in out.results} == {Status.ERROR}
    assert all("no score column 'p'" in r.message for r in out.results)


PREMIUM_TAGS = VersionTags.parse({"governance.label": "premium", "governance.prediction": "quoted",
                                  "governance.task": "regression"})


def _premiums(rng, n, labelled=True, noise=60.0):
    age = rng.uniform(18, 80, n)
    premium = 400 + 12 * age + rng.normal(0, 80, n)
    return pd.DataFrame({"age": age, "region": rng.choice(["n", "s"], n),
                         "quoted": premium + rng.normal(0, noise, n), "premium": premium if labelled else np.nan})


def _run_regression(periods, reference):
    from govflow.checks.model_task import ModelTask
    from govflow.flows.estimates import loss_estimates

    policy, _ = load_policy(DEFAULT_POLICY)
    out = step.Collected()
    scorer = step.Scorer("sqlite:///unused.db", "m", "1", PREMIUM_TAGS)  # the frames hold outputs: never loaded
    loss_estimates(periods, {p for p, _ in periods}, reference, scorer, PREMIUM_TAGS,
                   policy.tier("high").for_task(ModelTask.REGRESSION), {"performance.mae": 80.0,
                                                                       "performance.rmse": 100.0}, out)
    return out


def test_a_regressions_errors_are_estimated_while_waiting_and_compared_once_outcomes_arrive():
    """performance.estimated.mae for the week awaiting outcomes, performance.estimation_error.mae for the one
    whose outcomes arrived; the evidence names the method and the inputs learned from."""
    rng = np.random.default_rng(2)
    out = _run_regression([("w1", _premiums(rng, 800)), ("w2", _premiums(rng, 800, labelled=False))],
                          _premiums(rng, 3000))
    by = {(r.check_id, r.period): r for r in out.results}
    assert {("performance.estimated.mae", "w2"), ("performance.estimated.rmse", "w2"),
            ("performance.estimation_error.mae", "w1"), ("performance.estimation_error.rmse", "w1")} == set(by)
    assert by[("performance.estimated.mae", "w2")].status is Status.PASS  # the same error as the reference's
    assert by[("performance.estimation_error.mae", "w1")].status is Status.PASS
    document = json.loads(out.files["evidence/loss_estimation.json"])
    assert document["inputs"] == ["age", "region"] and "direct loss estimation" in document["method"]


def test_a_reference_without_outcomes_is_named_not_a_crash():
    rng = np.random.default_rng(3)
    out = _run_regression([("w2", _premiums(rng, 800, labelled=False))], _premiums(rng, 3000).drop(columns="premium"))
    assert out.results and {r.status for r in out.results} == {Status.ERROR}
    assert all("no label column 'premium'" in r.message for r in out.results)


OFFER_TAGS = VersionTags.parse({"governance.label": "product", "governance.prediction": "offered",
                                "governance.task": "multiclass"})


class _Offers:
    """A multinomial model standing in for the registered one: the step asks it for class probabilities."""

    def __init__(self, reference):
        from sklearn.linear_model import LogisticRegression

        self.model = LogisticRegression(max_iter=1000).fit(reference[["income", "age"]], reference["product"])

    def probabilities(self, frame):
        from govflow.tasks.scoring import Scored

        return Scored(proba=self.model.predict_proba(frame[["income", "age"]]),
                      proba_classes=tuple(self.model.classes_)), None


def _offers(rng, n, labelled=True):
    income, age = rng.normal(40, 10, n), rng.uniform(18, 80, n)
    logits = np.column_stack([0.1 * income - 4, 2.5 - 0.05 * age, np.zeros(n)]) + rng.gumbel(size=(n, 3))
    product = np.array(["savings", "loan", "card"])[logits.argmax(axis=1)]
    return pd.DataFrame({"income": income, "age": age, "product": product if labelled else None})


def test_a_multiclass_models_accuracy_is_estimated_from_its_class_probabilities_while_waiting():
    """performance.estimated.accuracy and performance.estimated.macro_f1 for the week awaiting outcomes, from the
    class probabilities the model gives (logged decisions carry none), performance.estimation_error.accuracy for
    the labelled week; the evidence names each class's calibration."""
    from govflow.checks.model_task import ModelTask
    from govflow.flows.estimates import class_estimates

    rng = np.random.default_rng(4)
    reference = _offers(rng, 3000)
    scorer = _Offers(reference)
    periods = []
    for period, labelled in (("w1", True), ("w2", False)):
        rows = _offers(rng, 800, labelled)
        periods.append((period, rows.assign(offered=scorer.model.predict(rows[["income", "age"]]))))
    policy, _ = load_policy(DEFAULT_POLICY)
    out = step.Collected()
    class_estimates(periods, {"w1", "w2"}, reference, scorer, OFFER_TAGS,  # type: ignore[arg-type]
                    policy.tier("high").for_task(ModelTask.MULTICLASS), policy,
                    {"performance.accuracy": 0.6, "performance.macro_f1": 0.55}, out)
    by = {(r.check_id, r.period): r for r in out.results}
    assert {("performance.estimated.accuracy", "w2"), ("performance.estimated.macro_f1", "w2"),
            ("performance.estimation_error.accuracy", "w1"), ("performance.estimation_error.macro_f1", "w1")} == set(by)
    assert by[("performance.estimation_error.accuracy", "w1")].status is Status.PASS  # no concept drift here
    document = json.loads(out.files["evidence/class_estimation.json"])
    assert [c["class"] for c in document["calibration"]] == ["card", "loan", "savings"]


def test_a_multiclass_weeks_log_loss_says_why_when_the_model_gives_no_probabilities():
    """performance.log_loss at night is measured on the class probabilities the model gives for the week; a
    model that cannot give them leaves it INCONCLUSIVE naming the cause, and accuracy is still judged."""
    from govflow.checks.model_task import ModelTask

    class Broken:
        def probabilities(self, frame):
            return None, "prediction failed: ValueError: columns are missing: ['income']"

    rng = np.random.default_rng(5)
    week = _offers(rng, 400).assign(offered=lambda f: f["product"])
    policy, _ = load_policy(DEFAULT_POLICY)
    out = step.Collected()
    step.performance([("w1", week)], {"w1"}, _offers(rng, 1000), Broken(), OFFER_TAGS,  # type: ignore[arg-type]
                     policy.tier("high").for_task(ModelTask.MULTICLASS), policy, None, out)
    by = {r.check_id: r for r in out.results}
    assert by["performance.log_loss"].status is Status.INCONCLUSIVE
    assert "the model gave none for these rows: prediction failed" in by["performance.log_loss"].message
    assert by["performance.accuracy"].status is Status.PASS
