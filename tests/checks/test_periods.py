import numpy as np
import pandas as pd
import pytest

from govflow.checks.evidence_documents import key_metrics, period_metrics
from govflow.checks.fairness import fairness_audit
from govflow.checks.periods import ALL_PERIODS, join_labels, split_periods
from govflow.checks.results import CheckResult, Status
from tests.checks.test_fairness import rules

BATCHES = pd.DataFrame({"id": ["a", "b", "c"], "at": ["2026-10-01 10:00", "2026-10-02 09:00", "2026-10-09 12:00"],
                        "x": [1, 2, 3]})


def test_labels_join_by_id_and_unarrived_stay_null():
    labels = pd.DataFrame({"id": ["a", "c"], "y": [1, 0]})
    joined = join_labels(BATCHES, labels, "id", "y")
    assert joined["y"].tolist()[0] == 1 and pd.isna(joined["y"].tolist()[1]) and joined["y"].tolist()[2] == 0


@pytest.mark.parametrize(
    ("labels", "id_column", "says"),
    [
        (pd.DataFrame({"id": ["a"], "y": [1]}), "key", "monitoring data has no id column 'key'"),
        (pd.DataFrame({"id": ["a"], "z": [1]}), "id", "labels data has no label column 'y'"),
        (pd.DataFrame({"id": ["a", "a"], "y": [1, 0]}), "id", "repeats ids"),
    ],
)
def test_label_join_errors_name_the_column(labels, id_column, says):
    with pytest.raises(ValueError, match=says):
        join_labels(BATCHES, labels, id_column, "y")


def test_outcomes_of_decisions_not_read_are_left_aside():
    labels = pd.DataFrame({"id": ["a", "z", "z"], "y": [1, 0, 1]})  # z: a decision before the rows read
    assert join_labels(BATCHES, labels, "id", "y")["y"].tolist()[:1] == [1]


def test_weekly_and_daily_periods():
    weekly = split_periods(BATCHES, "at", "W")
    assert [(p, len(rows)) for p, rows in weekly] == [("2026-09-28/2026-10-04", 2), ("2026-10-05/2026-10-11", 1)]
    assert [p for p, _ in split_periods(BATCHES, "at", "D")] == ["2026-10-01", "2026-10-02", "2026-10-09"]
    assert split_periods(BATCHES, None, "W")[0][0] == ALL_PERIODS


def test_bad_timestamps_are_named():
    with pytest.raises(ValueError, match="timestamp column 'at' has 1 empty or unparseable"):
        split_periods(BATCHES.assign(at=["2026-10-01", "soon", "2026-10-02"]), "at", "W")
    with pytest.raises(ValueError, match="no timestamp column 'when'"):
        split_periods(BATCHES, "when", "W")


def test_period_metrics_carry_the_period_start():
    r = CheckResult(check_id="fairness.demographic_parity_ratio", status=Status.PASS, value=0.9, message="m",
                    group="race&sex", period="2026-09-28/2026-10-04")
    assert period_metrics([r]) == [("fairness.demographic_parity_ratio.race_sex", 0.9,
                                    int(pd.Timestamp("2026-09-28", tz="UTC").timestamp() * 1000))]
    assert key_metrics([r]) == {}


def test_without_labels_only_selection_rates_are_judged():
    rng = np.random.default_rng(0)
    n = 3000
    sensitive = pd.DataFrame({"g": rng.choice(["a", "b"], n)})
    pred = (rng.random(n) < 0.4).astype(int)
    audit = fairness_audit(None, pred, sensitive, rules(), 0.95)
    by_id = {r.check_id: r for r in audit.results}
    assert by_id["fairness.demographic_parity_ratio"].status is Status.PASS
    labelled = fairness_audit(rng.integers(0, 2, n), pred, sensitive, rules(), 0.95)
    assert by_id["fairness.demographic_parity_ratio"].value == next(
        r.value for r in labelled.results if r.check_id == "fairness.demographic_parity_ratio")
    for check_id in ("fairness.equalized_odds_difference", "fairness.predictive_parity_difference"):
        assert by_id[check_id].status is Status.INCONCLUSIVE and "no labels have arrived" in by_id[check_id].message
    row = audit.groups[0]
    assert row["tpr"] is None and row["positives"] is None and row["inconclusive"]["tpr"] == "no labels have arrived"


@pytest.mark.parametrize(("previous", "start"), [
    (None, None),
    ({"governance.verdict": "APPROVED", "governance.monitored_through": "2026-10-02T09:00:00"}, "2026-10-02T09:00:00"),
    ({"governance.verdict": "REJECTED", "governance.monitored_from": "2026-09-01T00:00:00",
      "governance.monitored_through": "2026-10-02T09:00:00"}, "2026-10-02T09:00:00"),
    # A BLOCKED run judged nothing: the next one starts where it started, so no batch is skipped.
    ({"governance.verdict": "BLOCKED", "governance.monitored_from": "2026-09-01T00:00:00",
      "governance.monitored_through": "2026-10-02T09:00:00"}, "2026-09-01T00:00:00"),
    ({"governance.verdict": "BLOCKED", "governance.monitored_through": "2026-10-02T09:00:00"}, None),
])
def test_monitoring_start_follows_the_previous_run(previous, start):
    from govflow.checks.periods import monitoring_start

    assert monitoring_start(previous) == start


def test_rows_after_the_start_and_the_next_start():
    from govflow.checks.periods import last_stamp, rows_after

    assert rows_after(BATCHES, "at", None).equals(BATCHES)
    newer = rows_after(BATCHES, "at", "2026-10-02T09:00:00")  # strictly after: that row was judged already
    assert newer["id"].tolist() == ["c"]
    assert last_stamp(BATCHES, "at") == "2026-10-09T12:00:00"
    assert rows_after(BATCHES, "at", last_stamp(BATCHES, "at")).empty
    assert last_stamp(BATCHES.iloc[:0], "at") is None and last_stamp(BATCHES, None) is None


def test_labelled_window_keeps_the_last_labelled_periods():
    from govflow.checks.periods import labelled_window

    frame = BATCHES.assign(y=[1, None, None], at=["2026-10-01", "2026-10-08", "2026-10-15"])
    frame = pd.concat([frame, frame.assign(y=[None, 0, None], id=["d", "e", "f"])])
    periods = split_periods(frame, "at", "W")
    window = labelled_window(periods, "y", 2)
    assert [len(rows) for _, rows in window] == [1, 1] and [p for p, _ in window] == [periods[0][0], periods[1][0]]
    assert [p for p, _ in labelled_window(periods, "y", 1)] == [periods[1][0]]
