"""The night's estimate plan, without Prefect (issue 29, item 2): new periods without outcomes wait for
estimates; labelled rows of new periods and the decay window's are compared; a tier that estimates nothing,
or a night with nothing to do, plans nothing."""

import numpy as np
import pandas as pd

from govflow.checks.monitoring_plan import estimate_plan, report_not_asked
from govflow.checks.results import CheckResult, Status
from govflow.policy_file import load_policy
from govflow.settings import DEFAULT_POLICY

POLICY, _ = load_policy(DEFAULT_POLICY)


def _period(labelled: int, rows: int = 4) -> pd.DataFrame:
    return pd.DataFrame({"y": [1.0] * labelled + [np.nan] * (rows - labelled)})


def test_waiting_and_arrived_periods_and_the_ids_each_answers_for():
    periods = [("2026-09", _period(4)), ("2026-10", _period(2)), ("2026-11", _period(0))]
    plan = estimate_plan(periods, {"2026-10", "2026-11"}, "y", POLICY.tier("high"))
    assert [p for p, _ in plan.waiting] == ["2026-11"]
    # New labelled periods and the decay window's (the last three labelled periods): 09 is in the window.
    assert [(p, len(rows)) for p, rows in plan.arrived] == [("2026-09", 4), ("2026-10", 2)]
    assert [p for p, _ in plan.compared] == ["2026-09", "2026-10"]
    assert plan.performance_ids and all(i.startswith("performance.estimated.") for i in plan.performance_ids)
    assert plan.fairness_ids == ("fairness.estimated.equal_opportunity_difference",
                                 "fairness.estimated.equalized_odds_difference")
    assert plan.error_ids and all(i.startswith("performance.estimation_error.") for i in plan.error_ids)


def test_nothing_waiting_and_nothing_to_compare_plans_nothing():
    periods = [("2026-11", _period(0))]
    assert estimate_plan(periods, set(), "y", POLICY.tier("high")) is None  # no new period
    assert estimate_plan(periods, {"2026-11"}, "y", POLICY.tier("low")) is None  # the low tier estimates nothing
    assert estimate_plan(periods, {"2026-11"}, "y", POLICY.tier("high")) is not None


def test_evidentlys_report_is_rendered_when_the_tier_asks_for_it():
    passed = [CheckResult(check_id="drift.share", status=Status.PASS, message="0 of 5 drifted"),
              CheckResult(check_id="fairness.x", status=Status.FAIL, message="gap 0.2")]
    warned = [*passed, CheckResult(check_id="drift.feature", status=Status.WARN, column="income", message="moved")]
    assert report_not_asked("always", passed) is None and report_not_asked("on_finding", warned) is None
    assert "every drift result passed" in str(report_not_asked("on_finding", passed))  # a fairness FAIL asks nothing
    assert "'never'" in str(report_not_asked("never", warned))
    assert [POLICY.tier(t).drift.report for t in ("high", "medium", "low")] == ["always", "on_finding", "on_finding"]
