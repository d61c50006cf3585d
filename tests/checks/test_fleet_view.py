import itertools
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from govflow.checks.fleet_view import ModelFacts, findings_by_age, inventory, management_summary, trend_value, trends
from govflow.checks.register import RegisterEntry, RunRecord


def entry(model="credit", opened="2026-10-01", status="open", severity="critical", closed_on=None):
    return RegisterEntry(model=model, version="1", check_id="drift.share", severity=severity, tier="high",
                         owner=None, opened=opened, opened_run="r", due="2026-10-10", status=status, message="",
                         last_seen_run="r", closed_on=closed_on)


def record(model, day, flow="monitor", metrics=None, review_due=None, version="1"):
    return RunRecord(run_id=f"{model}-{day}", model=model, version=version, flow=flow,
                     started=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=day),
                     metrics=metrics or {}, review_due=review_due)


def test_trend_values_hand_worked():
    metrics = {"drift.share": 0.25, "fairness.demographic_parity_ratio.sex": 0.83,
               "fairness.demographic_parity_ratio.race": 0.78, "fairness.demographic_parity_ratio.race.ci_low": 0.5,
               "fairness.equalized_odds_ratio.sex": 0.71, "fairness.demographic_parity_difference.sex": 0.02,
               "performance.accuracy": 0.8}
    assert trend_value("drift.share", metrics) == 0.25
    # The disparate-impact ratio's lowest level: not another kind of ratio, not an interval bound.
    assert trend_value("fairness.demographic_parity_ratio", metrics) == 0.78
    assert trend_value("performance.auc", metrics) is None  # accuracy is another check, another chart
    assert trend_value("performance.auc", metrics | {"performance.auc": 0.9}) == 0.9
    assert trend_value("drift.share", {}) is None
    with pytest.raises(KeyError, match="unknown trend series 'x'"):
        trend_value("x", metrics)


def test_trends_keep_the_last_value_of_a_day_and_thin_a_year_to_the_cap():
    runs = [record("m", d, metrics={"drift.share": d / 1000}) for d in range(365)]
    runs.append(RunRecord(run_id="late", model="m", version="1", flow="monitor",
                          started=datetime(2026, 1, 1, 23, tzinfo=UTC), metrics={"drift.share": 0.5},
                          judged={"drift.share": "FAIL"}))
    runs.append(record("m", 3, flow="approval", metrics={"drift.share": 9.0}))  # not a judging flow
    series = trends(runs, max_points=50)["m"]["drift.share"]
    assert len(series) == 50
    assert series[0] == ("2026-01-01", 0.5, "FAIL", "1")  # the later run of that day wins, with its status
    assert series[-1] == ("2026-12-31", 0.364, "", "1")
    assert all(a[0] < b[0] for a, b in itertools.pairwise(series))
    assert "performance.auc" not in trends(runs)["m"]


def test_a_trend_draws_its_limit_and_marks_the_runs_that_failed():
    from govflow.checks.fleet_view import series_limit
    from govflow.reports.charts import line_chart

    points = [("2026-01-01", 0.9, "PASS"), ("2026-01-02", 0.75, "WARN"), ("2026-01-03", 0.6, "FAIL")]
    limit = series_limit([{"check_id": "performance.auc", "limit": 0.7}, {"check_id": "x", "limit": 1}],
                         "performance.auc")
    svg = line_chart(points, "AUC (performance.auc)", limit=limit)
    assert limit == 0.7 and 'data-limit="0.7"' in svg and 'class="limit"' in svg and "limit 0.7" in svg
    # A FAIL is red; a WARN (here a non-blocking miss) amber, so a night of only non-blocking findings is no red dot.
    assert 'data-failed="1"' in svg and svg.count('class="failed"') == 1
    assert 'data-warned="1"' in svg and svg.count('class="warned"') == 1
    assert "2026-01-03: 0.6, FAIL" in svg


def test_a_trend_wraps_its_title_scales_its_axis_and_marks_a_new_version():
    from govflow.reports.charts import line_chart

    title = "share of drifted features (drift.share)"
    points = [("2026-10-12", 0.6, "FAIL", "1"), ("2026-10-19", 0.7, "FAIL", "1"), ("2026-11-16", 0.1, "PASS", "2")]
    svg = line_chart(points, title, width=220, height=70, limit=0.3)
    shown = re.findall(r'class="t">([^<]*)</text>', svg)
    assert len(shown) == 2 and " ".join(shown) == title  # wrapped at a word: the check id is never cut
    assert svg.count('class="version"') == 1 and ">v2<" in svg
    assert 'class="s axis-label" text-anchor="end">0.' in svg  # the scale's ends on the left


@pytest.mark.parametrize(("opened", "bucket"), [
    ("2026-10-31", "0-7 d"), ("2026-10-24", "0-7 d"), ("2026-10-23", "8-30 d"), ("2026-10-01", "8-30 d"),
    ("2026-09-30", "31-90 d"), ("2026-08-02", "31-90 d"), ("2026-08-01", "over 90 d"),
])
def test_findings_by_age_bucket_boundaries(opened, bucket):
    table = findings_by_age([entry(opened=opened), entry(opened=opened, status="closed")], today=date(2026, 10, 31))
    assert table["critical"][bucket] == 1 and sum(table["critical"].values()) == 1
    assert sum(table["major"].values()) == 0


def test_model_lifecycle_and_status():
    serving = ModelFacts("a", versions={"1": ("APPROVED", None, ()), "2": ("APPROVED", None, ("champion",))})
    assert (serving.current, serving.status, serving.lifecycle) == ("2", "APPROVED", "serving")
    retired = ModelFacts("b", versions={"1": ("APPROVED", "retired", ())})
    assert retired.lifecycle == "retired"
    fresh = ModelFacts("c", versions={"1": (None, None, ()), "10": (None, None, ())})
    assert (fresh.current, fresh.status, fresh.lifecycle) == ("10", "NOT_GATED", "registered")
    empty = ModelFacts("d")
    assert (empty.current, empty.status, empty.lifecycle) == (None, "NO_VERSIONS", "no versions")


def test_inventory_counts_findings_and_flags_an_overdue_review_of_a_serving_version():
    models = [ModelFacts("credit", owner="risk@bank", tier="high", versions={"1": ("APPROVED", None, ("prod",))}),
              ModelFacts("new")]
    runs = [record("credit", 10, flow="gate", review_due="2026-01-20"), record("credit", 12)]
    register = [entry(), entry(status="overdue"), entry(status="closed"), entry(model="other")]
    rows = {r["model"]: r for r in inventory(models, runs, register, today=date(2026, 1, 21))}
    assert rows["credit"]["open_findings"] == 2 and rows["credit"]["overdue_findings"] == 1
    assert rows["credit"]["last_run"] == "2026-01-13" and rows["credit"]["last_run_flow"] == "monitor"
    assert rows["credit"]["review_due"] == "2026-01-20" and rows["credit"]["review_overdue"]
    assert rows["new"]["last_run"] is None and rows["new"]["status"] == "NO_VERSIONS"
    on_time = {r["model"]: r for r in inventory(models, runs, register, today=date(2026, 1, 20))}
    assert not on_time["credit"]["review_overdue"]


def test_inventory_shows_each_models_task_as_the_gate_told_it():
    models = [ModelFacts("premium", tags={"governance.task": "regression"}, versions={"1": ("REJECTED", None, ())}),
              ModelFacts("credit", versions={"1": (None, None, ())}),
              ModelFacts("odd", tags={"governance.task": "ordinal"}, versions={"1": (None, None, ())})]
    rows = {r["model"]: r["task"] for r in inventory(models, [], [], today=date(2026, 1, 20))}
    assert rows == {"premium": "regression", "credit": None, "odd": None}  # never gated; a tag govflow cannot read


def test_management_summary_counts_the_period_and_ranks_top_risks():
    models = [ModelFacts("a", tier="high", versions={"1": ("REJECTED", None, ("prod",))}), ModelFacts("b")]
    register = [
        entry(opened="2026-09-01", severity="major", status="overdue"),
        entry(opened="2026-10-05", status="open"),
        entry(opened="2026-10-02", status="overdue"),
        entry(opened="2026-09-15", status="closed", closed_on="2026-10-03"),
        entry(opened="2026-11-02", status="open", severity="major"),
    ]
    s = management_summary(models, register, since=date(2026, 10, 1), until=date(2026, 10, 31), top=3)
    assert (s["opened"], s["closed"], s["open"], s["overdue"], s["critical_open"]) == (2, 1, 4, 2, 2)
    assert s["by_status"] == {"NO_VERSIONS": 1, "REJECTED": 1} and s["by_tier"] == {"high": 1, "unknown": 1}
    assert [e.opened for e in s["top_risks"]] == ["2026-10-02", "2026-10-05", "2026-09-01"]


def test_a_serving_version_stands_at_the_worse_of_its_gate_and_its_latest_monitoring():
    from dataclasses import replace

    from govflow.checks.fleet_view import overall_state

    serving = ModelFacts("credit", versions={"1": ("APPROVED", None, ("champion",))})
    waiting = ModelFacts("hiring", versions={"1": ("APPROVED", None, ())})
    runs = [replace(record("credit", 1, flow="gate"), verdict="APPROVED"),
            replace(record("credit", 2), verdict="APPROVED"), replace(record("credit", 3), verdict="REJECTED"),
            replace(record("hiring", 3), verdict="REJECTED")]
    rows = {r["model"]: r for r in inventory([serving, waiting], runs, [], date(2026, 2, 1))}
    assert (rows["credit"]["gate"], rows["credit"]["monitoring"], rows["credit"]["status"]) == (
        "APPROVED", "REJECTED", "REJECTED")
    # No longer serving, but monitoring rejected it while it served: it does not read APPROVED (issue 27).
    assert rows["hiring"]["status"] == "REJECTED"
    never = ModelFacts("fresh", versions={"1": ("APPROVED", None, ())})  # never served, never monitored
    rows |= {r["model"]: r for r in inventory([never], runs, [], date(2026, 2, 1))}
    assert rows["fresh"]["status"] == "APPROVED"
    summary = management_summary([serving, waiting, never], [], date(2026, 1, 1), date(2026, 2, 1),
                                 states={m: r["status"] for m, r in rows.items()})
    assert summary["by_status"] == {"APPROVED": 1, "REJECTED": 2}
    assert overall_state("APPROVED", "BLOCKED", True) == "BLOCKED"
    assert overall_state("REJECTED", "APPROVED", True) == "REJECTED"
    assert overall_state("APPROVED_WITH_WAIVERS", "APPROVED", True) == "APPROVED_WITH_WAIVERS"
    assert overall_state("NOT_GATED", None, True) == "NOT_GATED"


def test_coverage_per_jurisdiction_counts_each_model_in_every_region_it_declares():
    from govflow.checks.fleet_view import by_jurisdiction

    rows = [{"model": "loan", "status": "APPROVED", "jurisdictions": ["eu", "us"], "open_findings": 1,
             "overdue_findings": 0},
            {"model": "credit", "status": "REJECTED", "jurisdictions": ["us"], "open_findings": 2,
             "overdue_findings": 1},
            {"model": "hr", "status": "BLOCKED", "jurisdictions": [], "open_findings": 5, "overdue_findings": 5}]
    assert by_jurisdiction(rows) == [
        {"jurisdiction": "eu", "models": 1, "approved": 1, "not_approved": [], "open_findings": 1,
         "overdue_findings": 0},
        {"jurisdiction": "us", "models": 2, "approved": 1, "not_approved": ["credit"], "open_findings": 3,
         "overdue_findings": 1}]


def test_each_task_is_drawn_with_its_own_headline_series():
    from govflow.checks.fleet_view import task_series, trend_value

    assert task_series(None) == task_series("binary") == ("drift.share", "fairness.demographic_parity_ratio",
                                                          "performance.auc")
    assert task_series("regression")[1:] == ("fairness.mean_prediction_ratio", "performance.r2")
    assert task_series("multiclass")[1:] == ("fairness.demographic_parity_difference", "performance.accuracy")
    # A ratio's worst level is its lowest, a gap's its largest; interval bounds are never the value.
    metrics = {"fairness.mean_prediction_ratio.age_band": 0.7, "fairness.mean_prediction_ratio.region": 0.9,
               "fairness.demographic_parity_difference.sex": 0.12, "fairness.demographic_parity_difference.age": 0.05,
               "fairness.demographic_parity_difference.sex.ci_high": 0.3}
    assert trend_value("fairness.mean_prediction_ratio", metrics) == 0.7
    assert trend_value("fairness.demographic_parity_difference", metrics) == 0.12
