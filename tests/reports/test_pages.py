import csv
import io
import json
from dataclasses import replace
from datetime import UTC, date, datetime

from govflow.checks.fleet_view import ModelFacts
from govflow.demo.report_fleet import synthetic_fleet
from govflow.reports.charts import interval_chart, line_chart, stacked_bars
from govflow.reports.pages import REGISTER_COLUMNS, build_site, page_name

TODAY, SINCE = date(2025, 12, 1), date(2025, 11, 1)
NOW = datetime(2025, 12, 1, 6, tzinfo=UTC)


def site(evidence=None):
    return build_site(evidence or synthetic_fleet(6, 40), TODAY, SINCE, NOW).files


def test_the_site_has_every_page_and_one_page_per_model():
    pages = site()
    assert {"index.html", "dashboard.html", "register.html", "register.csv", "register.json", "summary.html"} <= set(pages)
    assert pages["index.html"] == pages["dashboard.html"]  # the entry page a served folder opens
    assert sorted(k for k in pages if k.startswith("models/")) == sorted(
        f"models/{page_name(f'model_{m:03d}')}" for m in range(6))


def test_page_names_are_safe_and_distinct():
    assert page_name("../../etc/passwd").startswith("etc-passwd-")
    assert page_name("a b") != page_name("a-b")
    assert "/" not in page_name("team/model") and page_name("") .startswith("model-")


def test_register_csv_and_json_hold_the_same_rows():
    pages = site()
    rows = list(csv.DictReader(io.StringIO(pages["register.csv"].decode())))
    assert rows and tuple(rows[0]) == REGISTER_COLUMNS
    assert rows == json.loads(pages["register.json"])["findings"]
    assert {r["owner"] for r in rows if r["model"] == "model_000"} == {"unknown"}


def test_names_from_the_registry_are_escaped():
    evidence = synthetic_fleet(3, 5)
    hostile = ModelFacts("<script>alert(1)</script>", owner="<b>x</b>", versions={"1": (None, None, ())})
    pages = site(replace(evidence, models=[*evidence.models, hostile]))
    for name, body in pages.items():
        if name.endswith(".html"):
            assert b"<script>alert(1)" not in body and b"<b>x</b>" not in body, name
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in pages["dashboard.html"]


def test_edge_cases_show_as_such():
    pages = site()
    dashboard = pages["dashboard.html"].decode()
    assert "no runs yet" in dashboard and "evidence missing" in dashboard and "unknown owner" in dashboard
    no_runs = pages[f"models/{page_name('model_001')}"].decode()
    assert "No governance runs yet" in no_runs and "no measurements yet" in no_runs
    lost = pages[f"models/{page_name('model_002')}"].decode()
    assert "evidence is incomplete: evidence/verdict.json, evidence/findings.json not found" in lost


def test_line_chart_places_points_by_value():
    svg = line_chart([("d1", 0.0), ("d2", 1.0), ("d3", 0.5)], "x", width=134, height=40, limit=0.8)
    # plot area x 34..90, y 18..24 after padding the range 0..1 by 8% each side
    points = svg.split(' points="')[1].split('"')[0].split()
    xs = [float(p.split(",")[0]) for p in points]
    ys = [float(p.split(",")[1]) for p in points]
    assert xs == [34.0, 62.0, 90.0]
    assert ys[0] > ys[2] > ys[1]  # SVG's y grows downwards
    assert abs(ys[2] - 21.0) < 0.05  # the middle value sits mid-height
    assert 'data-points="3"' in svg and "limit 0.8" in svg
    assert "no measurements yet" in line_chart([], "x") and 'data-points="0"' in line_chart([("a", float("nan"))], "x")


def test_interval_and_bar_charts_count_what_they_draw():
    rows = [{"check_id": "a", "status": "PASS", "value": 0.5, "limit": 0.8, "ci": [0.4, 0.6]},
            {"check_id": "b", "status": "ERROR", "value": None, "limit": 0.8}]
    assert 'data-points="1"' in interval_chart(rows, "t")
    bars = stacked_bars({"critical": {"0-7 d": 2, "8-30 d": 0}, "major": {"0-7 d": 1, "8-30 d": 3}}, "t")
    assert 'data-points="6"' in bars and bars.count("<rect") == 3


def test_a_shared_scale_places_values_against_each_other_and_zero():
    import re

    import pytest

    rows = [{"check_id": "a", "value": 0.1, "ci": [0.05, 0.15]}, {"check_id": "b", "value": 0.4, "ci": [0.3, 0.5]}]
    own = [float(x) for x in re.findall(r'<circle cx="([\d.]+)"', interval_chart(rows, "t"))]
    shared = [float(x) for x in re.findall(r'<circle cx="([\d.]+)"', interval_chart(rows, "t", shared=True))]
    assert own[0] == own[1]  # each on its own scale: both dots mid-line
    # One scale from 0 to 0.5 (padded by 8%): the dots sit at 0.1 and 0.4 of it, in proportion.
    zero = float(re.search(r'<line x1="([\d.]+)" x2="[\d.]+" y1="18"', interval_chart(rows, "t", shared=True))[1])
    assert (shared[1] - zero) / (shared[0] - zero) == pytest.approx(4.0, rel=1e-2)  # pixels to 0.1


def test_a_finding_on_an_estimate_is_marked_as_an_estimate_in_the_register():
    from govflow.checks.register import RunRecord

    evidence = synthetic_fleet(3, 10)
    row = {"check_id": "performance.estimated.auc", "severity": "major", "status": "INCONCLUSIVE", "due": "2025-12-20",
           "message": "estimated (no outcomes yet) AUC 0.61"}
    run = RunRecord(run_id="r-estimate", model="model_000", version="1", flow="monitor",
                    started=datetime(2025, 11, 30, 6, tzinfo=UTC), verdict="APPROVED", tier="high",
                    judged={"performance.estimated.auc": "WARN"}, findings=(row,))
    register = site(replace(evidence, runs=[*evidence.runs, run]))["register.html"].decode()
    assert 'performance.estimated.auc <span class="badge estimate"' in register


def test_the_model_page_shows_the_card_the_gate_read_with_its_source():
    """The identity section reads what documentation.model_card judged (the card file logged with the model
    included), not the tags alone."""
    from govflow.checks.register import RunRecord
    from govflow.reports.pages import LatestRun

    evidence = synthetic_fleet(3, 10)
    gate = RunRecord(run_id="g", model="model_000", version="1", flow="gate",
                     started=datetime(2025, 11, 1, tzinfo=UTC), verdict="APPROVED")
    card = {"intended_use": {"text": "limits for credit cards", "source": "model card file"},
            "limitations": {"text": "N/A", "source": "model card file"}}
    latest = {**evidence.latest, "model_000": {"gate": LatestRun(gate, (), card)}}
    page = site(replace(evidence, latest=latest))[f"models/{page_name('model_000')}"].decode()
    assert "limits for credit cards <span class=\"meta\">(model card file)</span>" in page
    assert "<th>Limitations</th><td>not recorded</td>" in page  # a placeholder documents nothing


def _credit_like():
    """A model as the demo leaves credit_scoring: v1 approved at the gate and rejected by monitoring, then
    replaced; v2 approved at the gate, serving, rejected last night by drift.share in one period, with 140
    per-period passes and a passing whole-window check."""
    from govflow.checks.controls import Catalogue, Control
    from govflow.checks.register import RunRecord
    from govflow.demo.report_fleet import _result
    from govflow.reports.pages import FleetEvidence, LatestRun

    facts = ModelFacts("credit", owner="risk@bank", tier="high", versions={
        "1": ("APPROVED", None, ()), "2": ("APPROVED", None, ("champion",))})
    day = datetime(2026, 11, 1, tzinfo=UTC)
    runs = [RunRecord(run_id=f"{flow}-{v}", model="credit", version=v, flow=flow, started=day.replace(day=d),
                      verdict=verdict)
            for d, (flow, v, verdict) in enumerate([("gate", "1", "APPROVED"), ("monitor", "1", "REJECTED"),
                                                    ("gate", "2", "APPROVED"), ("monitor", "2", "REJECTED")], 1)]
    passes = tuple({**_result("drift.feature", "PASS", 0.01, 0.1), "period": f"p{i}", "column": f"x{i}"}
                   for i in range(140))
    failing = {**_result("drift.share", "FAIL", 0.67, 0.5), "period": "2026-11-23/2026-11-29"}
    monitor = (*passes, failing, _result("drift.multivariate", "PASS", 0.52, 0.6, ci=(0.5, 0.54)))
    gate = (_result("performance.auc", "PASS", 0.8, 0.7, ci=(0.75, 0.85)),)
    catalogue = Catalogue(version=1, controls=(Control(
        id="MON-01", title="monitoring", objective="drift watched", kind="automated", checks=("drift.share",),
        clauses={"sr_11_7": ("ongoing monitoring",)}),))
    return FleetEvidence(models=[facts], runs=runs, catalogue=catalogue, latest={"credit": {
        "gate": LatestRun(runs[2], gate), "monitor": LatestRun(runs[3], monitor)}})


def test_the_model_page_states_what_the_inventory_states_with_gate_and_monitoring_beside_it():
    built = build_site(_credit_like(), TODAY, SINCE, NOW)
    (row,) = built.inventory
    assert (row["status"], row["gate"], row["monitoring"]) == ("REJECTED", "APPROVED", "REJECTED")
    page = built.files[f"models/{page_name('credit')}"].decode()
    assert '<span class="badge REJECTED" id="overall-state"' in page
    assert "gate <span class=\"badge APPROVED\">APPROVED</span>" in page.split('id="state-detail"')[1]
    versions = page.split('id="versions-table"')[1].split("</table>")[0]
    v2 = versions.split('data-version="2"')[1].split("</tr>")[0]
    v1 = versions.split('data-version="1"')[1].split("</tr>")[0]
    assert v2.count(">REJECTED<") == 2 and ">APPROVED<" in v2 and "serving" in v2 and "champion" in v2
    # Replaced, but rejected while it served: it stands at REJECTED, the gate's APPROVED beside it.
    assert "not serving" in v1 and v1.count(">REJECTED<") == 2 and ">APPROVED<" in v1
    assert "—</td><td>—" not in versions


def test_what_failed_comes_first_and_is_never_folded_away():
    page = build_site(_credit_like(), TODAY, SINCE, NOW).files[f"models/{page_name('credit')}"].decode()
    monitor = page.split("Latest monitor run")[1]
    attention = monitor.split('id="attention-monitor"')[1].split("</table>")[0]
    assert "drift.share" in attention and "2026-11-23/2026-11-29" in attention and "FAIL" in attention
    # Before any folded block, and not inside one.
    assert monitor.index('id="attention-monitor"') < monitor.index("<details")
    assert "drift.feature" not in attention
    assert "140 further per-period results passed" in monitor


def test_the_page_and_the_cli_compute_coverage_with_one_function():
    """The page's coverage of a clause is what checks.controls.coverage gives on current_evidence of the latest
    gate and monitoring runs (per-period results included), as `govflow controls coverage` computes it."""
    from govflow.checks.controls import coverage, current_evidence
    from govflow.checks.results import CheckResult

    evidence = _credit_like()
    page = build_site(evidence, TODAY, SINCE, NOW).files[f"models/{page_name('credit')}"].decode()
    blocks = evidence.latest["credit"]
    results = current_evidence({f: [CheckResult.model_validate(r) for r in b.results] for f, b in blocks.items()})
    (row,) = coverage(evidence.catalogue, {"credit": results}, "sr_11_7")
    assert row["models"]["credit"] == "evidence (FAIL)"
    assert "<td>ongoing monitoring</td><td>MON-01</td><td>evidence (FAIL)</td>" in page


def test_the_footer_names_govflow_once_and_open_feedback_is_not_called_none():
    from govflow.checks.register import RunRecord

    evidence = synthetic_fleet(2, 3)
    row = {"check_id": "feedback.stakeholder", "severity": "critical", "status": "FAIL", "due": "2025-10-10",
           "message": "critical feedback from applicant"}
    old = RunRecord(run_id="fb", model="model_000", version="1", flow="feedback",
                    started=datetime(2025, 9, 30, tzinfo=UTC), verdict="REJECTED", findings=(row,))
    pages = build_site(replace(evidence, runs=[*evidence.runs, old], code_version="govflow 0.1.0+gabc"),
                       TODAY, SINCE, NOW).files
    assert "by govflow 0.1.0+gabc from" in pages["dashboard.html"].decode()
    assert "govflow govflow" not in pages["dashboard.html"].decode()
    summary = pages["summary.html"].decode()
    assert "No stakeholder feedback recorded in the period" in summary  # none received in November
    assert 'id="open-feedback"' in summary and "overdue since 2025-10-10" in summary


def test_the_latest_run_says_why_in_one_line():
    evidence = _credit_like()
    monitor = replace(evidence.latest["credit"]["monitor"].run, because="rejected because drift.share failed")
    latest = {"credit": {**evidence.latest["credit"],
                         "monitor": replace(evidence.latest["credit"]["monitor"], run=monitor)}}
    page = build_site(replace(evidence, latest=latest), TODAY, SINCE, NOW).files[f"models/{page_name('credit')}"]
    assert b'<p class="because"><b>rejected because drift.share failed</b></p>' in page


def test_the_register_leads_with_the_live_finding_and_shows_who_set_its_remediation():
    from govflow.checks.register import RunRecord

    evidence = _credit_like()
    failing = RunRecord(run_id="m2", model="credit", version="2", flow="monitor", started=datetime(2026, 11, 5,
                        tzinfo=UTC), verdict="REJECTED", judged={"drift.share": "FAIL"}, findings=({
                            "check_id": "drift.share", "severity": "critical", "due": "2026-12-30",
                            "message": "drift"},))
    stale = RunRecord(run_id="g1", model="credit", version="1", flow="gate", started=datetime(2026, 9, 1,
                      tzinfo=UTC), verdict="BLOCKED", judged={"governance.signoff": "ERROR"}, findings=({
                          "check_id": "governance.signoff", "severity": "major", "due": "2026-09-10",
                          "message": "awaiting sign-off"},))
    note = RunRecord(run_id="n", model="credit", version="2", flow="finding_note",
                     started=datetime(2026, 11, 6, tzinfo=UTC), note={
                         "check_id": "drift.share", "by": "A. Rivera", "text": "retrain", "at": "2026-11-06",
                         "remediation": "plan_agreed", "plan_due": "2026-12-01"})
    files = build_site(replace(evidence, runs=[*evidence.runs, failing, stale, note]), TODAY, SINCE, NOW).files
    rows = list(csv.DictReader(io.StringIO(files["register.csv"].decode())))
    assert [(r["version"], r["check_id"], r["serving"]) for r in rows[:2]] == [
        ("2", "drift.share", "yes"), ("1", "governance.signoff", "no")]
    assert (rows[0]["remediation"], rows[0]["remediation_by"], rows[0]["remediation_due"]) == (
        "plan_agreed", "A. Rivera", "2026-12-01")
    table = files["register.html"].decode().split('id="register-table"')[1].split("</table>")[0]
    assert table.index("drift.share") < table.index("governance.signoff")
    assert "plan agreed</span> by 2026-12-01 <span class=\"meta\">set by A. Rivera</span>" in table


def test_characters_a_reader_cannot_see_are_shown_on_every_page():
    """A right-to-left override would make `rtl\u202egnp.exe` read as "rtlexe.png"; a zero-width space would
    make two names look alike. Pages show both as escapes (issue 28, item 8)."""
    evidence = synthetic_fleet(3, 5)
    spoof, twin = "rtl\u202egnp.exe", "model\u200b_000"
    hostile = [ModelFacts(name, owner="o\u2066wner", versions={"1": (None, None, ())}) for name in (spoof, twin)]
    pages = site(replace(evidence, models=[*evidence.models, *hostile]))
    for name, body in pages.items():
        if name.endswith((".html", ".svg")):
            text = body.decode()
            assert "\u202e" not in text and "\u200b" not in text and "\u2066" not in text, name
    dashboard = pages["dashboard.html"].decode()
    assert "rtl\\u202egnp.exe" in dashboard and "model\\u200b_000" in dashboard and "o\\u2066wner" in dashboard
    assert "rtl\\u202egnp.exe" in pages[f"models/{page_name(spoof)}"].decode()


def test_the_terminal_shows_them_too_and_keeps_its_own_colours():
    import io

    from govflow.redact import RedactingStream

    out = io.StringIO()
    RedactingStream(out).write("rtl\u202egnp.exe\t\x1b[31mred\x1b[0m\n")
    assert out.getvalue() == "rtl\\u202egnp.exe\t\x1b[31mred\x1b[0m\n"
