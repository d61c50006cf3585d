"""Judging scored rows by the task's methods: a regression's limits set from the reference outcomes, and every
way it cannot be judged an ERROR naming why (never a pass); the task result for each finding."""

import numpy as np
import pandas as pd
import pytest

from govflow.checks.model_task import ModelTask, TaskFinding
from govflow.checks.policy import parse_policy
from govflow.checks.results import Status
from govflow.checks.task_judging import ScoredRows, judge_scored, outcome_scale, task_result
from govflow.settings import DEFAULT_POLICY

TIER = parse_policy(DEFAULT_POLICY.read_text(), "policy.yaml").tier("medium").for_task(ModelTask.REGRESSION)


def _rows(n: int = 400, **extra) -> ScoredRows:
    rng = np.random.default_rng(3)
    y = rng.gamma(3.0, 100.0, n)
    group = pd.DataFrame({"region": rng.choice(["n", "s"], n)})
    return ScoredRows(**{"y": y, "pred": np.zeros(n), "score": None, "sensitive": group,
                         "raw": y + rng.normal(0, 20, n), "label_column": "claim", "reference_y": y, **extra})


def test_the_scale_is_the_reference_outcomes_mean_absolute_value_or_why_not():
    assert outcome_scale(np.array([-2.0, 4.0, None]))[0] == pytest.approx(3.0)
    assert outcome_scale(None) == (None, "the reference data has no label column")
    assert "not numbers" in outcome_scale(np.array(["a", "b"]))[1]
    assert "all zero" in outcome_scale(np.zeros(5))[1]


def test_a_regression_is_judged_with_limits_scaled_to_its_outcomes():
    rows = _rows()
    judged = judge_scored(ModelTask.REGRESSION, rows, TIER, 0.95)
    mae = next(r for r in judged.results if r.check_id == "performance.mae")
    assert mae.limit == pytest.approx(TIER.rule("performance.mae").max_relative * np.mean(np.abs(rows.reference_y)))
    assert mae.status is Status.PASS and mae.value == pytest.approx(np.mean(np.abs(rows.raw - rows.y)))
    assert {r.group for r in judged.results if r.check_id.startswith("fairness.")} == {"region"}
    assert {row["group"] for row in judged.group_rows} == {"n", "s"}


@pytest.mark.parametrize(("extra", "named"), [
    ({"reference_y": np.zeros(400)}, "all zero"),
    ({"raw": None}, "several numbers per row"),
    ({"missing_sensitive": ("region_code",)}, "lacks sensitive column(s) ['region_code']"),
    ({"sensitive": pd.DataFrame({"postcode": [f"p{i}" for i in range(400)]})}, "more than max_groups"),
])
def test_what_cannot_be_judged_is_an_error_naming_why(extra, named):
    judged = judge_scored(ModelTask.REGRESSION, _rows(**extra), TIER, 0.95)
    errors = [r for r in judged.results if r.status is Status.ERROR]
    assert errors and all(named in r.message for r in errors)
    assert not {r.check_id for r in errors} & {r.check_id for r in judged.results if r.status is Status.PASS}


def test_the_task_result_passes_a_told_task_and_blocks_an_unknown_or_unruled_one():
    binary = TIER.for_task(ModelTask.BINARY)
    assert task_result(TaskFinding(ModelTask.REGRESSION, "inferred: x"), binary).status is Status.PASS
    unknown = task_result(TaskFinding(None, error="set tag governance.task"), binary)
    assert unknown.status is Status.ERROR and unknown.message == "set tag governance.task"
    # A tier with no multiclass: section judges no multiclass model: blocked, never judged by a classifier's rules.
    bare = binary.model_copy(update={"multiclass": None})
    unruled = task_result(TaskFinding(ModelTask.MULTICLASS, "the outcomes are 4 named classes"), bare)
    assert unruled.status is Status.ERROR and "add a multiclass: section" in unruled.message


def test_a_multiclass_periods_fairness_is_one_class_against_the_rest_with_or_without_outcomes():
    from fairlearn.metrics import MetricFrame, selection_rate

    from govflow.checks.task_judging import period_fairness

    rng = np.random.default_rng(5)
    n = 900
    sex = rng.choice(["f", "m"], n)
    pred = np.where(rng.random(n) < np.where(sex == "m", 0.5, 0.3), "savings", rng.choice(["loan", "card"], n))
    y = np.where(rng.random(n) < 0.8, pred, "card")
    tier = TIER.for_task(ModelTask.MULTICLASS)
    rows = ScoredRows(y, pred, None, pd.DataFrame({"sex": sex}), raw=pred, label_column="product")
    parity = max(MetricFrame(metrics=selection_rate, y_true=y == c, y_pred=pred == c,
                             sensitive_features=sex).difference() for c in ("card", "loan", "savings"))
    for known in (True, False):
        results = {r.check_id: r for r in period_fairness(rows, tier, 0.95, outcomes_known=known).results}
        assert results["fairness.demographic_parity_difference"].value == pytest.approx(parity, abs=1e-12)
        odds = results["fairness.equalized_odds_difference"]
        assert (odds.status is Status.INCONCLUSIVE and "needs outcomes" in odds.message) is not known
