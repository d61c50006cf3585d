from datetime import UTC, date, datetime

import pytest

from govflow.checks.register import RunRecord, risk_register, worst_findings


def run(run_id, day, *, judged=None, findings=(), version="1", flow="monitor", note=None, missing=()):
    return RunRecord(run_id=run_id, model="credit", version=version, flow=flow,
                     started=datetime(2026, 10, day, 2, tzinfo=UTC), verdict="X", tier="high",
                     judged=judged or {}, findings=tuple(findings), note=note, missing=missing, link=f"link/{run_id}")


def finding(check, severity, due="2026-10-20", owner="risk@bank"):
    return {"check_id": check, "severity": severity, "due": due, "owner": owner, "message": f"{check} bad"}


def test_worst_finding_per_check_ignores_minor():
    rows = [finding("drift.feature", "major"), finding("drift.feature", "critical"), finding("drift.share", "minor")]
    assert {k: v["severity"] for k, v in worst_findings(rows).items()} == {"drift.feature": "critical"}


def test_a_finding_opens_stays_open_and_closes_when_a_later_run_passes():
    runs = [
        run("r1", 1, judged={"fairness.demographic_parity_ratio": "FAIL"},
            findings=[finding("fairness.demographic_parity_ratio", "critical")]),
        run("r2", 2, judged={"fairness.demographic_parity_ratio": "FAIL"},
            findings=[finding("fairness.demographic_parity_ratio", "critical", due="2026-10-21")]),
        run("r3", 3, judged={"drift.share": "PASS"}),  # does not judge fairness: the finding stays open
        run("r4", 4, judged={"fairness.demographic_parity_ratio": "PASS"}),
    ]
    [entry] = risk_register(runs, today=date(2026, 10, 30))
    assert (entry.opened, entry.opened_run, entry.last_seen_run) == ("2026-10-01", "r1", "r2")
    assert entry.due == "2026-10-20"  # the first run's due date holds while the severity does not rise
    assert (entry.status, entry.closed_on, entry.closed_run, entry.closed_link) == ("closed", "2026-10-04", "r4", "link/r4")


@pytest.mark.parametrize(("today", "status"), [
    (date(2026, 10, 19), "open"),  # inside
    (date(2026, 10, 20), "open"),  # on the due date
    (date(2026, 10, 21), "overdue"),  # the day after
])
def test_overdue_from_the_day_after_the_due_date(today, status):
    runs = [run("r1", 1, judged={"data.schema": "ERROR"}, findings=[finding("data.schema", "major")])]
    assert risk_register(runs, today)[0].status == status


def test_a_finding_is_per_version_and_a_new_failure_reopens_a_new_entry():
    runs = [
        run("a", 1, judged={"drift.share": "FAIL"}, findings=[finding("drift.share", "critical")]),
        run("b", 2, judged={"drift.share": "FAIL"}, findings=[finding("drift.share", "critical")], version="2"),
        run("c", 3, judged={"drift.share": "PASS"}),
        run("d", 4, judged={"drift.share": "FAIL"}, findings=[finding("drift.share", "critical")]),
    ]
    entries = risk_register(runs, today=date(2026, 10, 5))
    assert [(e.version, e.opened_run, e.status) for e in entries] == [
        ("1", "a", "closed"), ("2", "b", "open"), ("1", "d", "open")]


def test_a_waived_result_closes_and_an_error_that_turns_into_a_failure_raises_the_severity():
    runs = [
        run("a", 1, judged={"drift.share": "ERROR"}, findings=[finding("drift.share", "major", due="2026-10-31")]),
        run("b", 2, judged={"drift.share": "FAIL"}, findings=[finding("drift.share", "critical", due="2026-10-09")]),
        run("c", 3, judged={"drift.share": "WAIVED"}),
    ]
    [entry] = risk_register(runs, today=date(2026, 10, 3))
    assert (entry.severity, entry.due, entry.status, entry.closed_run) == ("critical", "2026-10-09", "closed", "c")


def test_a_run_without_its_verdict_neither_opens_nor_closes():
    runs = [
        run("a", 1, judged={"drift.share": "FAIL"}, findings=[finding("drift.share", "critical")]),
        run("b", 2, missing=("evidence/verdict.json", "evidence/findings.json")),
    ]
    [entry] = risk_register(runs, today=date(2026, 10, 3))
    assert entry.status == "open" and entry.last_seen_run == "a"


def test_notes_attach_to_the_finding_open_for_that_version_and_check():
    note = {"check_id": "drift.share", "by": "A. Rivera", "text": "retraining on Q3 data", "at": "2026-10-02"}
    runs = [
        run("a", 1, judged={"drift.share": "FAIL"}, findings=[finding("drift.share", "critical")]),
        run("n", 2, flow="finding_note", note=note),
        run("m", 2, flow="finding_note", note=note | {"check_id": "performance.auc"}),  # no such finding
    ]
    [entry] = risk_register(runs, today=date(2026, 10, 3))
    assert entry.notes == (note,)


def test_an_unknown_owner_reads_unknown_in_the_row():
    runs = [run("a", 1, judged={"drift.share": "FAIL"}, findings=[finding("drift.share", "critical", owner=None)])]
    row = risk_register(runs, today=date(2026, 10, 3))[0].row()
    assert row["owner"] == "unknown" and row["status"] == "open" and row["closed_run"] == ""


def test_a_note_after_closure_goes_to_the_latest_finding_of_that_check():
    note = {"check_id": "drift.share", "by": "A. Rivera", "text": "root cause: a feed change", "at": "2026-10-05"}
    runs = [
        run("a", 1, judged={"drift.share": "FAIL"}, findings=[finding("drift.share", "critical")]),
        run("b", 2, judged={"drift.share": "PASS"}),
        run("c", 3, judged={"drift.share": "FAIL"}, findings=[finding("drift.share", "critical")]),
        run("d", 4, judged={"drift.share": "PASS"}),
        run("n", 5, flow="finding_note", note=note),
    ]
    first, second = risk_register(runs, today=date(2026, 10, 6))
    assert (first.notes, second.notes) == ((), (note,))


def test_a_retrained_version_that_replaced_the_old_one_closes_its_findings_late_or_on_time():
    drift = "drift.share"
    runs = [
        run("v1-a", 1, judged={drift: "FAIL"}, findings=[finding(drift, "critical", due="2026-10-08")]),
        run("v1-b", 8, judged={drift: "FAIL"}, findings=[finding(drift, "critical", due="2026-10-15")]),
        run("v2-gate", 9, version="2", flow="gate", judged={drift: "PASS"}),  # a gate does not show it serving
        run("v2-a", 12, version="2", judged={drift: "PASS"}),
    ]
    [entry] = risk_register(runs, today=date(2026, 10, 30))
    assert (entry.status, entry.closed_on, entry.closed_run, entry.closed_version) == ("closed", "2026-10-12", "v2-a", "2")
    assert entry.days_late == 4 and entry.row()["days_late"] == "4" and entry.row()["closed_version"] == "2"


def test_a_newer_version_beside_the_old_one_in_service_closes_nothing():
    drift = "drift.share"
    runs = [
        run("v1-a", 1, judged={drift: "FAIL"}, findings=[finding(drift, "critical")]),
        run("v2-a", 2, version="2", judged={drift: "PASS"}),  # a challenger passing while v1 still serves
        run("v1-b", 3, judged={drift: "FAIL"}, findings=[finding(drift, "critical")]),
    ]
    [entry] = risk_register(runs, today=date(2026, 10, 10))
    assert (entry.status, entry.closed_version, entry.last_seen_run) == ("open", None, "v1-b")


def test_an_older_version_never_closes_a_newer_ones_finding_and_other_checks_stay_open():
    runs = [
        run("v2-a", 1, version="2", judged={"drift.share": "FAIL"}, findings=[finding("drift.share", "critical")]),
        run("v1-a", 3, judged={"drift.share": "PASS"}),
        run("v3-a", 4, version="3", judged={"performance.auc": "PASS"}),  # judges another check
    ]
    [entry] = risk_register(runs, today=date(2026, 10, 5))
    assert entry.status == "open" and entry.days_late is None


def test_remediation_is_set_by_a_named_person_and_closed_by_evidence():
    """Issue 27, defect 9: open, a plan agreed with its date, in progress, remediated (a run passed the check),
    accepted (a waiver); each status but the last two set by a note that names who set it."""
    from dataclasses import replace

    plan = {"check_id": "drift.share", "by": "A. Rivera", "text": "retrain", "at": "2026-10-02T10:00:00",
            "remediation": "plan_agreed", "plan_due": "2026-11-02"}
    runs = [run("r1", 1, judged={"drift.share": "FAIL", "performance.auc": "FAIL"},
                findings=[finding("drift.share", "critical"), finding("performance.auc", "critical")]),
            run("n1", 2, flow="finding_note", note=plan)]
    opened = {e.check_id: e for e in risk_register(runs, today=date(2026, 10, 5))}
    assert (opened["drift.share"].remediation, opened["drift.share"].remediation_by,
            opened["drift.share"].remediation_due) == ("plan_agreed", "A. Rivera", "2026-11-02")
    assert (opened["performance.auc"].remediation, opened["performance.auc"].remediation_by) == ("open", None)
    progress = replace(run("n2", 3, flow="finding_note", note={**plan, "remediation": "in_progress",
                                                                "plan_due": None, "by": "B. Osei"}))
    entry = {e.check_id: e for e in risk_register([*runs, progress], today=date(2026, 10, 5))}["drift.share"]
    assert (entry.remediation, entry.remediation_by) == ("in_progress", "B. Osei")
    closing = run("r2", 6, judged={"drift.share": "PASS", "performance.auc": "WAIVED"})
    closed = {e.check_id: e for e in risk_register([*runs, progress, closing], today=date(2026, 10, 7))}
    assert (closed["drift.share"].remediation, closed["drift.share"].remediation_by) == ("remediated", None)
    assert closed["performance.auc"].remediation == "accepted"
    assert closed["performance.auc"].row()["remediation"] == "accepted"


def test_serving_versions_come_first_and_one_cause_is_one_group():
    """Findings of a version that never served sit below the live one however overdue; a version whose tags are
    missing shows its could-not-run findings under the missing-tag finding."""
    from govflow.checks.register import by_cause, in_order

    def on(model, version, check, severity="major", due="2026-10-03", message=None):
        row = {**finding(check, severity, due=due), "message": message or f"{check} bad"}
        return RunRecord(run_id=f"{model}-{check}", model=model, version=version, flow="gate",
                         started=datetime(2026, 10, 1, 2, tzinfo=UTC), verdict="X", tier="high",
                         judged={check: "ERROR"}, findings=(row,))

    runs = [on("vendor", "1", "performance.auc", message="not run: no evaluation data to score"),
            on("vendor", "1", "governance.required_tags", message="required tag 'governance.owner' is not set"),
            on("vendor", "1", "data.schema", message="not run: reference and evaluation data are both needed"),
            on("orphan", "1", "performance.auc", message="not run: no evaluation data to score"),
            on("orphan", "1", "fairness.demographic_parity_ratio", message="not run: no evaluation data to score"),
            on("credit", "2", "drift.share", severity="critical", due="2026-12-30")]
    register = in_order(risk_register(runs, today=date(2026, 11, 30)), serving={("credit", "2")})
    assert (register[0].model, register[0].status) == ("credit", "open")  # live, not yet due: still first
    groups = [(lead.model, lead.check_id, sorted(f.check_id for f in followers)) for lead, followers in
              by_cause(register)]
    assert groups[0] == ("credit", "drift.share", [])
    assert ("vendor", "governance.required_tags", ["data.schema", "performance.auc"]) in groups
    [orphan] = [g for g in groups if g[0] == "orphan"]  # the first in the register's order leads
    assert sorted([orphan[1], *orphan[2]]) == ["fairness.demographic_parity_ratio", "performance.auc"]
    assert sum(1 + len(f) for _, _, f in groups) == len(register)  # every finding once
