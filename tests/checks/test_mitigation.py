import numpy as np
import pytest

from govflow.checks.mitigation import comparison_table, recommend, reweighing_weights
from govflow.checks.results import CheckResult, Status
from tests.checks.policies import tier


def test_reweighing_hand_worked():
    # group a: labels 1 1 1 0; group b: labels 1 0 0 0. P(a)=P(b)=1/2, P(y=1)=P(y=0)=1/2.
    # w(a,1) = (1/2 * 1/2) / (3/8) = 2/3; w(a,0) = (1/4) / (1/8) = 2; w(b,1) = 2; w(b,0) = 2/3.
    y = np.array([1, 1, 1, 0, 1, 0, 0, 0])
    g = np.array(list("aaaabbbb"))
    assert reweighing_weights(y, g) == pytest.approx([2 / 3, 2 / 3, 2 / 3, 2, 2, 2 / 3, 2 / 3, 2 / 3])


def test_reweighing_makes_label_independent_of_group():
    rng = np.random.default_rng(0)
    g = rng.choice(["a", "b", "c"], 5000)
    y = (rng.random(5000) < np.where(g == "a", 0.7, 0.3)).astype(int)
    w = reweighing_weights(y, g)
    rates = [np.average(y[g == k], weights=w[g == k]) for k in "abc"]
    assert rates == pytest.approx([y.mean()] * 3, abs=1e-12)
    assert w.sum() == pytest.approx(len(y))


def _r(check_id, value, status=Status.PASS, group=None):
    return CheckResult(check_id=check_id, status=status, value=value, message="m", group=group)


def test_comparison_table_puts_candidates_side_by_side():
    table = comparison_table({"original": [_r("fairness.demographic_parity_ratio", 0.5, Status.FAIL, "sex")],
                              "reweighing": [_r("fairness.demographic_parity_ratio", 0.9, Status.PASS, "sex")]})
    assert table == [{"check_id": "fairness.demographic_parity_ratio", "group": "sex", "limit": None,
                      "original": {"value": 0.5, "ci": None, "status": "FAIL"},
                      "reweighing": {"value": 0.9, "ci": None, "status": "PASS"}}]


def test_recommend_picks_the_most_accurate_approved_candidate():
    passing = [_r(c, 0.9) for c in tier().enabled_check_ids("performance")]
    better = [_r("performance.auc", 0.9), _r("performance.accuracy", 0.95)]
    failing = [_r("performance.auc", 0.9), _r("performance.accuracy", 0.99, Status.FAIL)]
    candidates = {"a": passing, "b": better, "c": failing}
    assert recommend(candidates, tier(), eligible={"a", "b", "c"}) == "b"
    assert recommend(candidates, tier(), eligible={"a", "c"}) == "a"
    assert recommend(candidates, tier(), eligible={"c"}) is None


def test_the_mitigations_apply_to_a_binary_classifier_only():
    from govflow.checks.mitigation import inapplicable_to
    from govflow.checks.model_task import ModelTask

    assert inapplicable_to(ModelTask.BINARY) is None
    assert "a multiclass model" in (inapplicable_to(ModelTask.MULTICLASS) or "")
    assert "none of them applies to a regression's decisions" in (inapplicable_to(ModelTask.REGRESSION) or "")
