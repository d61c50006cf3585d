"""`govflow controls coverage` on the demo fleet: every framework, evidence from the latest gate and
monitoring results, attestation from sign-off."""

import json

import pytest
from typer.testing import CliRunner

from govflow.checks.controls import FRAMEWORKS
from govflow.cli import app
from govflow.flows.gate import registration_gate

pytestmark = pytest.mark.usefixtures("prefect_harness")
runner = CliRunner()


@pytest.fixture(scope="module")
def report(fleet, signed_off):
    registration_gate("credit_scoring", fleet["credit_scoring"].version)
    signed_off("loan_approval")
    result = runner.invoke(app, ["controls", "coverage", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_every_framework_has_clauses_for_every_model(report, fleet):
    assert set(report["models"]) >= {"loan_approval", "credit_scoring"}
    assert {row["framework"] for row in report["clauses"]} == set(FRAMEWORKS)


def test_evidence_and_attestation_per_clause(report):
    rows = {(r["framework"], r["clause"]): r["models"] for r in report["clauses"]}
    assert rows[("eu_ai_act", "Art. 10(2)")]["loan_approval"] == "evidence (PASS)"
    assert rows[("eu_ai_act", "Art. 14(1)")]["loan_approval"] == "attested"  # owner and validator signed
    assert rows[("eu_ai_act", "Art. 14(1)")]["credit_scoring"] == "none"     # awaiting its sign-offs
    assert rows[("nist_ai_rmf", "MEASURE 2.11")]["credit_scoring"] == "evidence (PASS)"  # age bands: parity holds


def test_one_framework_as_a_table_and_bad_input(report):
    table = runner.invoke(app, ["controls", "coverage", "loan_approval", "--framework", "sr_11_7"])
    assert table.exit_code == 0 and "sr_11_7" in table.stdout and "eu_ai_act" not in table.stdout
    assert "loan_approval=" in table.stdout
    unknown = runner.invoke(app, ["controls", "coverage", "--framework", "gdpr"])
    assert unknown.exit_code == 2 and "unknown framework 'gdpr'" in unknown.stderr
