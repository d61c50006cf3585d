"""The report flow once on the demo fleet in the session's MLflow: the register lists the rejected model's
finding with its remediation note, every model has a page, the site is logged to MLflow and announced as
Prefect artifacts, and the real pages open in Chromium without an error."""

import json

import pytest

from govflow.reports.pages import page_name

CHECK = "fairness.demographic_parity_ratio"


@pytest.fixture(scope="module")
def report(fleet, prefect_harness, tmp_path_factory):
    from govflow.flows.finding_note import finding_note
    from govflow.flows.gate import registration_gate
    from govflow.flows.report import fleet_report

    version = fleet["hiring_promotion"].version
    assert registration_gate("hiring_promotion", version).verdict == "REJECTED"
    note_run = finding_note("hiring_promotion", CHECK, "A. Rivera", "re-weighting the training data", version)
    out = tmp_path_factory.mktemp("report")
    return out, fleet_report(str(out)), note_run


def test_the_register_lists_the_failing_models_finding_with_its_note(report):
    out, outcome, _note_run = report
    rows = json.loads((out / "register.json").read_text())["findings"]
    [hiring] = [r for r in rows if r["model"] == "hiring_promotion" and r["check_id"] == CHECK and r["status"] != "closed"]
    assert hiring["severity"] == "critical" and hiring["owner"] == "people-analytics@bank.example"
    assert "A. Rivera: re-weighting the training data" in hiring["notes"]
    assert outcome.open_findings == sum(r["status"] != "closed" for r in rows) > 0
    csv_lines = (out / "register.csv").read_text().splitlines()
    assert len(csv_lines) == len(rows) + 1


def test_every_registered_model_has_a_page_and_the_site_is_logged_to_mlflow(report, client):
    out, outcome, _ = report
    for registered in client.search_registered_models():
        assert (out / "models" / page_name(registered.name)).is_file()
    logged = {f.path for f in client.list_artifacts(outcome.run_id)}
    assert {"dashboard.html", "register.html", "register.csv", "register.json", "summary.html", "models"} <= logged
    run = client.get_run(outcome.run_id)
    assert run.info.status == "FINISHED" and run.data.tags["governance.flow"] == "report"
    assert client.get_experiment(run.info.experiment_id).name == "governance-reports"


def test_the_fleet_status_and_the_dashboard_link_are_prefect_artifacts(report, client):
    from prefect.artifacts import Artifact

    from govflow.checks.fleet_view import overall_state
    from govflow.tasks.registry import current_version

    _, outcome, _ = report
    table = Artifact.get("fleet-status", _sync=True)  # the browser fixture runs an event loop
    rows = {row["model"]: row for row in json.loads(table.data)}
    assert set(rows) == {m.name for m in client.search_registered_models()} and len(rows) == outcome.models
    for model, row in rows.items():  # other tests may have registered newer versions: the current one is shown
        version = current_version(client, model)
        status = client.get_model_version(model, version).tags.get("governance.status", "NOT_GATED")
        assert (row["version"], row["gate"]) == (version, status)
        # Overall: a version that serves, or that monitoring judged (it served, even if its alias has since
        # moved: an earlier test in this session may have moved it), at the worse of its gate status and its
        # latest monitoring verdict; any other version at its gate status.
        served = bool(client.get_model_version(model, version).aliases) or row["monitoring"] is not None
        assert row["status"] == overall_state(status, row["monitoring"], served)
    link = Artifact.get("fleet-dashboard", _sync=True)
    assert link is not None and outcome.link in link.data


def test_the_real_pages_open_in_chromium(report, open_page):
    out, outcome, _ = report
    dashboard = open_page(outcome.dashboard)
    dashboard.screenshot("fleet-dashboard")
    assert dashboard.errors == []
    assert dashboard.page.locator("#inventory-table tbody tr").count() == outcome.models
    dashboard.page.fill("#filter", "hiring")
    assert dashboard.page.locator("#inventory-table tbody tr:visible").count() == 1
    model = open_page(out / "models" / page_name("hiring_promotion"))
    model.screenshot("hiring_promotion-report")
    assert model.errors == []
    drawn = model.page.evaluate("""() => Array.from(document.querySelectorAll('svg.intervals circle'))
        .filter(c => c.getBBox().width > 0).length""")
    assert drawn > 5
    text = model.page.inner_text("body")
    assert "re-weighting the training data" in text and "Framework coverage" in text


def test_govflow_inventory_lists_the_fleet_in_the_terminal_and_as_json(report, client):
    from typer.testing import CliRunner

    from govflow.cli import app

    as_json = CliRunner().invoke(app, ["inventory", "--json"])
    rows = {r["model"]: r for r in json.loads(as_json.stdout)["models"]}
    assert set(rows) == {m.name for m in client.search_registered_models()}
    hiring = rows["hiring_promotion"]
    assert (hiring["gate"], hiring["status"], hiring["owner"]) == ("REJECTED", "REJECTED",
                                                                  "people-analytics@bank.example")
    assert hiring["open_findings"] > 0 and {"monitoring", "review_due", "tier", "version"} <= set(hiring)
    assert hiring["task"] == "binary"  # as its gate told it
    # Exit 1 exactly when a serving model's overall state is not approved.
    serving_bad = [r for r in rows.values() if r["lifecycle"] == "serving" and r["status"] not in (
        "APPROVED", "APPROVED_WITH_WAIVERS")]
    assert as_json.exit_code == (1 if serving_bad else 0)
    table = CliRunner().invoke(app, ["inventory"])
    header, *lines = table.stdout.splitlines()
    assert header.split()[:8] == ["model", "kind", "owner", "tier", "task", "version", "lifecycle", "status"]
    assert any(line.startswith("hiring_promotion ") and " REJECTED " in line for line in lines)
