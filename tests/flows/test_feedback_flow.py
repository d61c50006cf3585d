"""Stakeholder feedback end to end in the session's MLflow: recorded through the CLI, it is evidence in the
model's chain; serious feedback is a finding for the owner on the register until a resolution closes it; a
bulk file keeps its good rows and names its bad ones; counts and themes show on the pages."""

import json

import pytest
from typer.testing import CliRunner

from govflow.cli import app
from govflow.reports.pages import page_name

runner = CliRunner()
MODEL = "loan_approval"


@pytest.fixture(scope="module")
def recorded(fleet, prefect_harness, tmp_path_factory):
    from govflow.flows.report import fleet_report

    added = runner.invoke(app, ["feedback", "add", MODEL, "--from", "applicant", "--severity", "high", "--theme",
                                "explanation", "--text", "declined with no reason I can act on"])
    folder = tmp_path_factory.mktemp("feedback")
    bulk = folder / "complaints.csv"
    bulk.write_text("model,from,severity,text,theme\n"
                    f"{MODEL},branch staff,low,customers ask which income counts,explanation\n"
                    f"{MODEL},ombudsman,urgent,bad severity,\n"
                    "no_such_model,applicant,low,unknown model,\n"
                    f"{MODEL},applicant,medium,appeal took six weeks,process\n")
    imported = runner.invoke(app, ["feedback", "import", str(bulk)])
    out = folder / "report"
    return added, imported, fleet_report(str(out)), out


def test_cli_feedback_opens_a_finding_for_the_owner_on_the_register(recorded):
    added, _, _, out = recorded
    assert added.exit_code == 0, added.output
    assert "1 feedback entry recorded" in added.stdout and "finding is open for the owner" in added.stdout
    rows = json.loads((out / "register.json").read_text())["findings"]
    [finding] = [r for r in rows if r["model"] == MODEL and r["check_id"] == "feedback.stakeholder"]
    assert finding["status"] == "open" and finding["severity"] == "critical"
    assert finding["owner"] == "retail-credit-risk@bank.example"
    assert "high feedback from applicant: declined with no reason" in finding["message"]


def test_bulk_intake_keeps_good_rows_and_names_bad_ones(recorded, client):
    _, imported, _, _ = recorded
    assert imported.exit_code == 1, imported.output
    assert "2 feedback entries recorded" in imported.stdout
    assert "complaints.csv, line 3: severity 'urgent' is not one of low, medium, high, critical" in imported.stderr
    assert "complaints.csv, line 4: model 'no_such_model' is not registered" in imported.stderr
    assert imported.stderr.count("no_such_model") == 1  # named once, as a skipped row, not also as a usage error


def test_counts_and_themes_appear_on_the_pages(recorded):
    _, _, _, out = recorded
    page = (out / "models" / page_name(MODEL)).read_text()
    assert "3 entries." in page and "explanation 2, process 1" in page and "appeal took six weeks" in page
    # The model card heads the page, each field with where it was found.
    assert "Out of scope uses</th><td>mortgages, business lending" in page and "(tag governance.contact)" in page
    summary = (out / "summary.html").read_text()
    assert 'id="feedback"' in summary and "high 1" in summary and "explanation 2" in summary


def test_a_resolution_closes_the_finding(recorded, tmp_path):
    from govflow.flows.report import fleet_report

    resolved = runner.invoke(app, ["feedback", "resolve", MODEL, "--by", "A. Rivera", "--text",
                                   "decline letters now name the top three factors"])
    assert resolved.exit_code == 0, resolved.output
    fleet_report(str(tmp_path))
    rows = json.loads((tmp_path / "register.json").read_text())["findings"]
    [finding] = [r for r in rows if r["model"] == MODEL and r["check_id"] == "feedback.stakeholder"]
    assert finding["status"] == "closed" and finding["closed_run"]


@pytest.mark.parametrize(("command", "message"), [
    (["feedback", "add", MODEL, "--from", "applicant", "--severity", "urgent", "--text", "t"],
     "severity 'urgent' is not one of low, medium, high, critical"),
    (["feedback", "add", MODEL, "--from", " ", "--severity", "low", "--text", "t"], "missing 'from'"),
    (["feedback", "add", "no_such_model", "--from", "a", "--severity", "low", "--text", "t"],
     "model 'no_such_model' is not registered"),
    (["feedback", "import", "/no/such/file.csv"], "cannot read /no/such/file.csv"),
    (["feedback", "resolve", MODEL, "--by", "A", "--text", "t"], "--by needs the person's name"),
])
def test_bad_input_exits_2_naming_it(fleet, command, message):
    result = runner.invoke(app, command)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
