"""`govflow controls coverage` on the demo fleet: every framework, evidence from the latest gate and
monitoring results, attestation from sign-off."""

import json

import pytest
from typer.testing import CliRunner

from govflow.checks.controls import FRAMEWORKS
from govflow.cli import app
from govflow.flows.gate import registration_gate
from tests.flows.conftest import own_data_dir

pytestmark = pytest.mark.usefixtures("prefect_harness")
runner = CliRunner()


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The two high-tier models in a data dir of their own: coverage judges each model's serving or latest
    version, so a newer version another module registers in the shared store would be judged instead (under
    two workers the gate tests ran first and left loan_approval's newest version unsigned)."""
    from mlflow import MlflowClient

    from govflow.demo.seed import seed_fleet
    from govflow.flows.approval import sign_off

    with own_data_dir(tmp_path_factory.mktemp("controls")) as settings:
        client = MlflowClient(settings.resolved_tracking_uri)
        seeded = {s.model: s for s in seed_fleet(client, settings.datasets_dir, settings.local_artifact_root,
                                                  only=("loan_approval", "credit_scoring"))}
        registration_gate("credit_scoring", seeded["credit_scoring"].version)
        loan = seeded["loan_approval"].version
        sign_off("loan_approval", loan, "A. Rivera", "owner", "tests: reviewed the evidence")
        sign_off("loan_approval", loan, "M. Chen", "validator", "tests: challenged the model")
        result = runner.invoke(app, ["controls", "coverage", "--json"])
        assert result.exit_code == 0, result.output
        yield json.loads(result.stdout)  # the module's other commands read the same store


def test_every_framework_has_clauses_for_every_model(report):
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
