"""The registration gate end to end, once per scenario, under a session Prefect harness and a temporary MLflow."""

import json
from datetime import UTC
from pathlib import Path

import pandas as pd
import pytest

from govflow.checks.results import Status
from govflow.demo.data import vendor_scoring
from govflow.demo.seed import data_tags, seed_fleet
from govflow.flows.gate import registration_gate
from govflow.tasks.registry import UnknownModelVersion
from tests.evidence_check import assert_manifest_intact

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture(scope="module")
def outcomes(fleet, client):
    gated = {name: registration_gate(name, seeded.version) for name, seeded in fleet.items()}
    # Other modules sign the high tier's v1 off (the nightly tests deploy both); a fresh version of each shows the
    # gate before sign-off, whichever module ran first.
    for model in ("loan_approval", "credit_scoring"):
        gated[model] = registration_gate(model, _new_version(client, model, {}))
    return gated


def _new_version(client, model: str, tags: dict[str, str]) -> str:
    """Another version of `model` from the same source, with version tags that override the model's."""
    first = client.get_model_version(model, "1")
    return str(client.create_model_version(model, first.source, run_id=first.run_id, tags=tags).version)


def test_demo_verdicts(outcomes):
    verdicts = {name: o.verdict for name, o in outcomes.items()}
    assert verdicts == {"loan_approval": "BLOCKED", "hiring_promotion": "REJECTED",
                        "credit_scoring": "BLOCKED", "vendor_fraud_score": "BLOCKED"}
    # The loan and credit models pass every check; the high tier waits for its owner's and a validator's sign-off.
    for model in ("loan_approval", "credit_scoring"):
        assert outcomes[model].reasons == ("governance.signoff INCONCLUSIVE: awaiting sign-off by owner, validator",)


@pytest.fixture(scope="module")
def approved_loan(outcomes):
    """The unsigned loan version signed off by its owner, then by a validator, through the approval flow."""
    from govflow.flows.approval import sign_off

    version = outcomes["loan_approval"].version
    owner = sign_off("loan_approval", version, "A. Rivera", "owner", "reviewed the evidence")
    assert owner.verdict == "BLOCKED" and "awaiting sign-off by validator" in " ".join(owner.reasons)
    return sign_off("loan_approval", version, "M. Chen", "validator", "challenged the model")


def test_signoff_by_owner_and_validator_approves_and_is_evidence(approved_loan, client, tmp_path):
    assert approved_loan.verdict == "APPROVED"
    signoff = next(r for r in approved_loan.results if r.check_id == "governance.signoff")
    assert signoff.status is Status.PASS and "owner: A. Rivera" in signoff.message and "M. Chen" in signoff.message
    version = client.get_model_version("loan_approval", approved_loan.version)
    record = json.loads(version.tags["governance.signoff.validator"])
    assert record["by"] == "M. Chen" and record["verdict"] == "BLOCKED"  # what they saw when they signed
    manifest = assert_manifest_intact(client, version.tags["governance.last_approval_run"], tmp_path)
    assert manifest["flow"] == "approval" and "evidence/signoff.json" in manifest["artifacts"]
    signed = json.loads((tmp_path / "evidence" / "signoff.json").read_text())
    assert (signed["by"], signed["role"], signed["model"]) == ("M. Chen", "validator", "loan_approval")


def test_hiring_fails_on_disparate_impact_with_its_interval_in_the_evidence(outcomes, client, tmp_path):
    hiring = outcomes["hiring_promotion"]
    failed = [r for r in hiring.results if r.status is Status.FAIL]
    # Also a proxy and the seeded monotonicity violation: test_hiring_transparency_names_... below.
    assert {r.check_id for r in failed} == {"fairness.demographic_parity_ratio", "proxy.association",
                                            "robustness.monotonic"}
    sex = next(r for r in failed if r.group == "sex" and r.check_id == "fairness.demographic_parity_ratio")
    assert sex.value < 0.8 and sex.ci[1] < 0.8
    assert_manifest_intact(client, hiring.run_id, tmp_path)
    evidence = json.loads((tmp_path / "evidence" / "fairness.json").read_text())
    recorded = next(r for r in evidence["results"]
                    if r["check_id"] == "fairness.demographic_parity_ratio" and r["group"] == "sex")
    assert recorded["value"] == sex.value and recorded["ci"] == list(sex.ci)
    assert "<svg" in (tmp_path / "evidence" / "fairness.html").read_text()
    groups = json.loads((tmp_path / "evidence" / "fairness_groups.json").read_text())["groups"]
    women = next(g for g in groups if g["feature"] == "sex" and g["group"] == "female")
    men = next(g for g in groups if g["feature"] == "sex" and g["group"] == "male")
    assert women["selection_rate"] / men["selection_rate"] == pytest.approx(sex.value, abs=1e-12)
    metrics = client.get_run(hiring.run_id).data.metrics
    assert metrics["fairness.demographic_parity_ratio.sex"] == pytest.approx(sex.value)
    assert metrics["fairness.demographic_parity_ratio.sex_age_band"] < 0.8


def test_hiring_transparency_names_the_proxy_and_catches_the_seeded_monotonic_violation(outcomes, client, tmp_path,
                                                                                       open_page):
    hiring = outcomes["hiring_promotion"]
    failed = {(r.check_id, r.column) for r in hiring.results if r.status is Status.FAIL}
    # The disparity is built into career gaps (45% of women, no men): the proxy check names that input.
    assert ("proxy.association", "career_gap_years") in failed
    predict_sex = next(r for r in hiring.results if r.check_id == "proxy.predictability" and r.column == "sex")
    assert predict_sex.value > 0.65 and "strongest single proxy 'career_gap_years'" in predict_sex.message
    # A career gap must never lower a recommendation (career_gap_years:+); trained on history that penalised
    # gaps, the model lowers it on every row ...
    monotonic = next(r for r in hiring.results if r.check_id == "robustness.monotonic" and r.status is Status.FAIL)
    assert monotonic.column == "career_gap_years" and monotonic.value == 1.0
    # ... and keeps the three relationships that hold.
    held = {r.column for r in hiring.results if r.check_id == "robustness.monotonic" and r.status is Status.PASS}
    assert held == {"performance_rating", "projects_led", "years_experience"}
    assert_manifest_intact(client, hiring.run_id, tmp_path)
    importance = json.loads((tmp_path / "evidence" / "explainability" / "importance.json").read_text())
    assert importance["importance"][0]["feature"] == "performance_rating" and importance["rows"] == 2000
    assert len(importance["partial_dependence"]) == 3
    page = open_page(tmp_path / "evidence" / "explainability" / "report.html")
    page.screenshot("hiring_promotion-explainability")
    assert page.errors == []
    drawn = page.page.evaluate("""() => Array.from(document.querySelectorAll('svg circle, svg polyline'))
        .filter(c => c.getBBox().width > 0 || c.getBBox().height > 0).length""")
    assert drawn >= 6 + 3  # a dot per feature, a curve per top feature
    body = page.page.inner_text("body")
    assert "career_gap_years" in body
    # The page shows the judged results: the non-blocking predictability FAIL as the WARN the verdict saw.
    row = page.page.locator("tr", has_text="the inputs predict 'sex'").inner_text()
    assert "WARN" in row and "non-blocking for this tier" in row
    card = json.loads((tmp_path / "evidence" / "model_card.json").read_text())
    assert card["fields"]["contact"]["source"] == "registered model description"


def test_every_loadable_demo_model_has_importance_and_robustness_evidence(outcomes):
    for name in ("loan_approval", "hiring_promotion", "credit_scoring"):
        ids = {r.check_id: r.status for r in outcomes[name].results}
        assert ids["explainability.importance"] is Status.PASS, name
        assert {"robustness.noise", "robustness.missing_value", "robustness.monotonic"} <= set(ids), name
    # The vendor model declares no data, so nothing can be measured: ERROR, never a pass.
    vendor = {r.check_id: r for r in outcomes["vendor_fraud_score"].results}
    assert vendor["explainability.importance"].status is Status.ERROR
    assert "not documented" in vendor["documentation.model_card"].message


def test_vendor_is_blocked_listing_each_missing_tag(outcomes):
    vendor = outcomes["vendor_fraud_score"]
    missing = sorted(r.column for r in vendor.results if r.check_id == "governance.required_tags")
    assert missing == sorted(["governance.owner", "governance.risk_tier", "governance.label",
                              "governance.prediction", "governance.reference_data", "governance.evaluation_data"])
    assert all(f"'{tag}' is not set" in " ".join(vendor.reasons) for tag in missing)
    assert not any(r.status is Status.PASS for r in vendor.results if r.family != "governance")


def test_approved_evidence_is_complete_and_verifiable(approved_loan, client, tmp_path):
    loan = approved_loan
    manifest = assert_manifest_intact(client, loan.run_id, tmp_path)
    assert {"evidence/governance.json", "evidence/data.json", "evidence/performance.json", "evidence/verdict.json",
            "evidence/great_expectations/suite.json",
            "evidence/great_expectations/validation_result.json"} <= set(manifest["artifacts"])
    assert manifest["model"] == "loan_approval" and manifest["flow"] == "gate"
    assert manifest["inputs"]["evaluation_data"].startswith("sha256:")
    run = client.get_run(loan.run_id)
    assert run.data.tags["governance.verdict"] == "APPROVED"
    assert run.data.tags["governance.policy_sha256"] == manifest["policy_sha256"]
    assert run.data.tags["governance.prefect_flow_run_id"]
    assert run.data.metrics["performance.auc"] == pytest.approx(
        next(r.value for r in loan.results if r.check_id == "performance.auc"))
    version = client.get_model_version("loan_approval", loan.version)
    assert version.tags["governance.status"] == "APPROVED"
    assert version.tags["governance.last_gate_run"] == loan.run_id


def test_blocked_evidence_still_records_what_ran(outcomes, client, tmp_path):
    vendor = outcomes["vendor_fraud_score"]
    manifest = assert_manifest_intact(client, vendor.run_id, tmp_path)
    verdict = json.loads((tmp_path / "evidence" / "verdict.json").read_text())
    assert verdict["verdict"] == "BLOCKED"
    assert len(verdict["results"]) == len(vendor.results)
    assert manifest["previous_manifest_sha256"] is None
    assert client.get_model_version("vendor_fraud_score", "1").tags["governance.status"] == "BLOCKED"


def test_chain_links_to_the_previous_manifest(outcomes, client, tmp_path):
    first = outcomes["hiring_promotion"]
    again = registration_gate("hiring_promotion", first.version)
    manifest = assert_manifest_intact(client, again.run_id, tmp_path)
    assert manifest["previous_manifest_sha256"] == first.manifest_sha256


def test_vendor_is_approved_once_its_tags_are_filled_in_and_its_risk_assessed(fleet, client, settings, tmp_path,
                                                                               monkeypatch):
    """Filled-in tags declaring `medium` are not enough: with no assessment on file the version is judged at the
    unassessed tier (high), where it lacks sign-offs and a model card; once its owner's answers (medium) are on
    file, the same version is approved."""
    import shutil

    paths = fleet["vendor_fraud_score"].data
    tags = data_tags(vendor_scoring(), paths) | {"governance.owner": "vendor-risk@bank.example",
                                                 "governance.risk_tier": "medium"}
    version = _new_version(client, "vendor_fraud_score", tags)
    declared_only = registration_gate("vendor_fraud_score", version)
    assert (declared_only.tier, declared_only.verdict) == ("high", "BLOCKED")
    assessments = shutil.copytree(settings.assessments_dir, tmp_path / "assessments")
    (assessments / "vendor_fraud_score.yaml").write_text(
        "version: 1\nmodel: vendor_fraud_score\nassessed_by: vendor-risk@bank.example\ndate: 2026-11-01\n"
        "answers:\n  domain: fraud_detection\n  autonomy: human_reviews_every_case\n"
        "  affected: individuals_under_100k\n  data_sensitivity: personal\n  explanation: expected\n"
        "  provenance: third_party\n")  # score 7: medium
    monkeypatch.setenv("GOVFLOW_ASSESSMENTS_DIR", str(assessments))
    assessed = registration_gate("vendor_fraud_score", version)
    assert (assessed.tier, assessed.verdict) == ("medium", "APPROVED")


def _evaluation_variant(fleet, tmp_path, name, transform):
    frame = pd.read_parquet(fleet["loan_approval"].data["evaluation"])
    path = tmp_path / name
    transform(frame).to_parquet(path, index=False)
    return str(path)


def test_evaluation_missing_a_column_is_an_error_naming_it(fleet, client, tmp_path):
    path = _evaluation_variant(fleet, tmp_path, "no_income.parquet", lambda f: f.drop(columns="income"))
    outcome = registration_gate("loan_approval", _new_version(client, "loan_approval",
                                                             {"governance.evaluation_data": path}))
    assert outcome.verdict == "BLOCKED"
    schema = [r for r in outcome.results if r.check_id == "data.schema" and r.status is Status.ERROR]
    assert any(r.column == "income" and "no column 'income'" in r.message for r in schema)
    perf = [r for r in outcome.results if r.family == "performance"]
    assert perf and all(r.status is Status.ERROR and "income" in r.message for r in perf)


def test_empty_evaluation_data_is_an_error(fleet, client, tmp_path):
    path = _evaluation_variant(fleet, tmp_path, "empty.parquet", lambda f: f.iloc[:0])
    outcome = registration_gate("loan_approval", _new_version(client, "loan_approval",
                                                             {"governance.evaluation_data": path}))
    assert outcome.verdict == "BLOCKED"
    readable = next(r for r in outcome.results if r.check_id == "data.readable" and r.column == "evaluation")
    assert readable.status is Status.ERROR and "has no rows" in readable.message


def test_unreadable_evaluation_data_is_an_error_naming_the_file(client, tmp_path):
    path = tmp_path / "garbage.parquet"
    path.write_bytes(b"this is not parquet")
    outcome = registration_gate("loan_approval", _new_version(client, "loan_approval",
                                                             {"governance.evaluation_data": str(path)}))
    assert outcome.verdict == "BLOCKED"
    readable = next(r for r in outcome.results if r.check_id == "data.readable" and r.column == "evaluation")
    assert readable.status is Status.ERROR and str(path) in readable.message


def test_drifted_data_fails_validation(fleet, client, tmp_path):
    def corrupt(frame):
        frame = frame.copy()
        frame.loc[: len(frame) // 10, "income"] = None
        frame.loc[:50, "purpose"] = "crypto"
        return frame
    path = _evaluation_variant(fleet, tmp_path, "corrupt.parquet", corrupt)
    outcome = registration_gate("loan_approval", _new_version(client, "loan_approval",
                                                             {"governance.evaluation_data": path}))
    assert outcome.verdict == "REJECTED"
    failed = {(r.check_id, r.column) for r in outcome.results if r.status is Status.FAIL}
    assert {("data.null_rate", "income"), ("data.category_set", "purpose")} <= failed


@pytest.mark.parametrize(("model", "version"), [("no_such_model", "1"), ("loan_approval", "999")])
def test_unknown_model_or_version_raises(fleet, model, version):
    with pytest.raises(UnknownModelVersion, match=model if model != "loan_approval" else "no version '999'"):
        registration_gate(model, version)


def test_seeding_twice_does_not_duplicate(fleet, client, settings):
    before = {m: len(client.search_model_versions(f"name = '{m}'")) for m in fleet}
    again = seed_fleet(client, settings.datasets_dir, settings.local_artifact_root)
    assert not any(s.created for s in again)
    assert {m: len(client.search_model_versions(f"name = '{m}'")) for m in fleet} == before


def test_an_unexpected_failure_blocks_and_keeps_the_evidence(fleet, client, tmp_path, monkeypatch):
    import govflow.flows.gate

    def broken(*args, **kwargs):
        raise RuntimeError("simulated defect")

    monkeypatch.setattr(govflow.flows.gate, "judge_scored", broken)
    outcome = registration_gate("loan_approval", fleet["loan_approval"].version)
    assert outcome.verdict == "BLOCKED"
    assert any(r.check_id == "performance.auc" and "gate stopped: simulated defect" in r.message for r in outcome.results)
    assert_manifest_intact(client, outcome.run_id, tmp_path)
    assert "RuntimeError: simulated defect" in (tmp_path / "evidence" / "errors.txt").read_text()


def test_a_waiver_takes_a_finding_away_until_it_expires(fleet, client, monkeypatch, tmp_path):
    """Hiring fails disparate impact by sex; an approved waiver of exactly that takes the finding away, and once
    expired the same finding rejects it again."""
    version = fleet["hiring_promotion"].version

    def gate_with_waiver(expires: str, subject: str = ""):
        waivers = tmp_path / f"waivers-{expires}-{subject}.yaml"
        waivers.write_text(
            "version: 1\nwaivers:\n  - check: fairness.demographic_parity_ratio\n    model: hiring_promotion\n"
            f"    versions: ['{version}']\n{subject}    reason: pilot under human review of every case\n"
            f"    approved_by: Head of Model Validation\n    expires: {expires}\n")
        monkeypatch.setenv("GOVFLOW_WAIVERS_FILE", str(waivers))
        return registration_gate("hiring_promotion", version)

    def fairness_failures(outcome):
        return [r for r in outcome.reasons if r.startswith("fairness.") and " FAIL:" in r]

    narrow = gate_with_waiver("2099-01-01", "    subject: sex\n")
    assert narrow.verdict == "REJECTED"  # sex is waived; the sex & age-band intersection still fails
    assert fairness_failures(narrow) and all("[sex&age_band]" in r for r in fairness_failures(narrow))
    waived = gate_with_waiver("2099-01-01")
    # With the finding waived no fairness failure is left; the proxy and the seeded monotonicity violation
    # still reject the version.
    assert fairness_failures(waived) == []
    assert waived.verdict == "REJECTED" and all(
        r.startswith(("proxy.", "robustness.")) for r in waived.reasons if " FAIL:" in r)
    ratio = next(r for r in waived.results if r.check_id == "fairness.demographic_parity_ratio" and r.group == "sex")
    assert ratio.status is Status.WAIVED and ratio.value < 0.8 and "was FAIL" in ratio.message
    # The fairness page shows the statuses the verdict rests on (waivers and severity applied), not raw ones.
    page = Path(client.download_artifacts(waived.run_id, "evidence/fairness.html", str(tmp_path))).read_text()
    assert ">WAIVED</td>" in page and "fairness.demographic_parity_ratio</td><td>sex</td>" in page
    expired = gate_with_waiver("2020-01-01")
    assert expired.verdict == "REJECTED" and any("[sex]" in r for r in fairness_failures(expired))
    report = next(r for r in expired.results if r.check_id == "governance.waivers")
    assert report.status is Status.WARN and "expired on 2020-01-01" in report.message


def test_the_risk_assessment_on_file_sets_the_tier_and_is_evidence(outcomes, client, tmp_path):
    loan, credit, vendor = outcomes["loan_approval"], outcomes["credit_scoring"], outcomes["vendor_fraud_score"]
    tiering = {name: next(r for r in o.results if r.check_id == "governance.risk_assessment")
               for name, o in (("loan", loan), ("credit", credit), ("vendor", vendor))}
    assert tiering["loan"].status is Status.PASS and "Annex III 5(b)" in tiering["loan"].message
    assert tiering["credit"].status is Status.PASS and "Annex III 5(b)" in tiering["credit"].message
    assert tiering["vendor"].status is Status.ERROR  # neither an assessment nor a declared tier: blocked
    manifest = assert_manifest_intact(client, loan.run_id, tmp_path)
    assert "evidence/risk_assessment.json" in manifest["artifacts"] and manifest["inputs"]["risk_assessment"]
    answers = json.loads((tmp_path / "evidence" / "risk_assessment.json").read_text())
    assert answers["tier"] == "high" and {a["id"] for a in answers["answers"]} >= {"domain", "autonomy"}
    assert client.get_model_version("loan_approval", loan.version).tags["governance.risk_tier"] == "high"


def test_findings_carry_owner_severity_and_due_date(outcomes, client, tmp_path):
    from datetime import datetime, timedelta

    hiring = outcomes["hiring_promotion"]
    assert_manifest_intact(client, hiring.run_id, tmp_path)
    rows = json.loads((tmp_path / "evidence" / "findings.json").read_text())["findings"]
    ratio = next(r for r in rows if r["check_id"] == "fairness.demographic_parity_ratio" and r["subject"] == "sex")
    days = {datetime.now(UTC).date() - timedelta(days=d) for d in (0, 1)}  # the run may predate midnight
    assert ratio["severity"] == "critical" and ratio["owner"] == "people-analytics@bank.example"
    assert ratio["due"] in {(d + timedelta(days=14)).isoformat() for d in days}  # high tier: 14 days
    verdict = json.loads((tmp_path / "evidence" / "verdict.json").read_text())
    assert verdict["review_due"] in {(d + timedelta(days=90)).isoformat() for d in days}
    assert verdict["retain_until"] in {d.replace(year=d.year + 10).isoformat() for d in days}


def test_automation_gates_a_version_once_a_person_as_often_as_asked(outcomes, client):
    from govflow.flows.reconcile import reconciliation
    from govflow.tasks.artifacts import fetch_runs

    version = outcomes["hiring_promotion"].version
    def gates() -> int:
        return sum(f.stored.version == version for f in fetch_runs.fn(client.tracking_uri, "governance", "hiring_promotion")
                   if f.tags.get("governance.flow") == "gate")
    before = gates()
    # A delivery's queued run, or reconciliation, reaching a version gated meanwhile leaves it alone.
    assert registration_gate("hiring_promotion", version, only_if_ungated=True) is None
    assert "hiring_promotion v" + version not in reconciliation(["hiring_promotion"])
    assert gates() == before
    assert registration_gate("hiring_promotion", version).verdict == "REJECTED"
    assert gates() == before + 1


def test_of_two_automated_gates_judging_one_version_at_once_only_the_first_to_record_counts(outcomes, client):
    from govflow.checks.verification import evidence_notes, evidence_problems
    from govflow.settings import Settings
    from govflow.tasks.artifacts import fetch_runs
    from govflow.tasks.chain import read_heads

    model = "vendor_fraud_score"
    version = _new_version(client, model, {})
    first = registration_gate(model, version, only_if_ungated=True)
    # The second started before the first tagged the version (or the first died before tagging it): its check
    # at the start passed. It is set aside, and the version gets the status the first one earned.
    client.delete_model_version_tag(model, version, "governance.status")
    assert registration_gate(model, version, only_if_ungated=True) is None
    tags = client.get_model_version(model, version).tags
    assert (tags["governance.status"], tags["governance.last_gate_run"]) == (first.verdict, first.run_id)
    runs = [f for f in fetch_runs.fn(client.tracking_uri, "governance", model) if f.stored.version == version]
    set_aside = [f for f in runs if f.stored.run_id != first.run_id]
    assert len(runs) == 2 and set_aside[0].tags["governance.superseded_by"] == first.run_id
    assert "governance.manifest_sha256" not in set_aside[0].tags
    stored, heads = [f.stored for f in fetch_runs.fn(client.tracking_uri, "governance", model)], read_heads(
        Settings().resolved_chain_log)
    assert evidence_problems(stored, heads, model) == []
    assert f"run {set_aside[0].stored.run_id} stopped before it was committed; run {first.run_id} completed it" in \
        evidence_notes(stored, heads, model)


def test_the_loan_model_is_judged_by_its_tier_tightened_for_the_eu_and_the_us(outcomes, client, tmp_path):
    loan = outcomes["loan_approval"]
    manifest = assert_manifest_intact(client, loan.run_id, tmp_path)
    assert "evidence/jurisdictions.json" in manifest["artifacts"]
    regional = json.loads((tmp_path / "evidence" / "jurisdictions.json").read_text())
    assert [j["code"] for j in regional["jurisdictions"]] == ["eu", "us"]
    changed = {c["path"]: (c["tier"], c["in_force"]) for c in regional["changes"]}
    assert changed == {"data.missing_share.blocking": (False, True), "lifecycle.fix_within_days.critical": (14, 7),
                       "robustness.monotonic.require_declaration": (False, True)}
    # missing_share now blocks for it: judged, and its verdict still rests on sign-off alone
    assert any(r.check_id == "data.missing_share" and r.status is Status.PASS for r in loan.results)
    assert all(r.startswith("governance.signoff") for r in loan.reasons), loan.reasons


def test_a_jurisdiction_the_policy_does_not_define_blocks_naming_it(fleet, client):
    version = _new_version(client, "loan_approval", {"governance.jurisdictions": "eu,atlantis"})
    outcome = registration_gate("loan_approval", version)
    assert outcome.verdict == "BLOCKED"
    [error] = [r for r in outcome.results if r.column == "governance.jurisdictions"]
    assert error.status is Status.ERROR and "'atlantis'" in error.message and "eu, uk, us" in error.message


def test_a_declared_tier_without_an_assessment_is_judged_no_lower_than_the_unassessed_tier(fleet, client):
    """Issue 27, defect 5: an owner who tags `medium` on a model nobody assessed is judged at the policy's
    unassessed tier (high), with a WARN saying why; tagging a lower tier cannot lower the bar."""
    from govflow.flows.gate import registration_gate

    source = client.get_model_version("credit_scoring", fleet["credit_scoring"].version)
    client.create_registered_model("self_declared", tags={**client.get_registered_model("credit_scoring").tags,
                                                          "governance.risk_tier": "medium"})
    version = str(client.create_model_version("self_declared", source.source, run_id=source.run_id).version)
    outcome = registration_gate("self_declared", version)
    tiering = next(r for r in outcome.results if r.check_id == "governance.risk_assessment")
    assert outcome.tier == "high" and tiering.status is Status.WARN
    assert "tier medium is declared but no risk assessment is on file: judged as high" in tiering.message
    assert outcome.verdict == "BLOCKED"  # the high tier's sign-offs, which medium would not have asked for


def test_a_gate_that_died_after_another_gated_its_version_is_set_aside_by_the_next_night(outcomes, client):
    """An automated gate that started before the winner tagged the version and died mid-judgement (a webhook
    delivery's gate cut off by an MLflow restart) is reached by no later gate: the night settles it, once
    Prefect says its flow run ended; a run whose flow run is still pending is left as verify names it."""
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.runtime import flow_run

    from govflow.checks.verification import evidence_problems
    from govflow.flows.nightly import govern_model
    from govflow.settings import Settings
    from govflow.tasks.artifacts import fetch_runs
    from govflow.tasks.chain import read_heads
    from govflow.tasks.runs import open_governance_run

    @flow
    def died() -> str:
        return str(flow_run.id)

    @flow
    def night():  # the model's share of a nightly run
        return govern_model(model, [], [])

    model, settings = "vendor_fraud_score", Settings()
    version = _new_version(client, model, {})
    won = registration_gate(model, version, only_if_ungated=True)
    with get_client(sync_client=True) as prefect:
        pending = str(prefect.create_flow_run(died).id)
    uri = client.tracking_uri
    lost, waiting = (open_governance_run.fn(uri, settings.experiment, settings.local_artifact_root, model, version,
                                            "gate", flow_run_id).run_id for flow_run_id in (died(), pending))

    def problems() -> dict[str, str]:
        stored = [f.stored for f in fetch_runs.fn(uri, settings.experiment, model)]
        # Only these two: other tests of the session may leave runs of the model as they are.
        return {p.run_id: p.kind for p in evidence_problems(stored, read_heads(settings.resolved_chain_log), model)
                if p.run_id in (lost, waiting)}

    assert problems() == {lost: "incomplete", waiting: "incomplete"}
    assert night() == ({}, [])
    assert problems() == {waiting: "incomplete"}
    tags = client.get_run(lost).data.tags
    assert tags["governance.superseded_by"] == won.run_id and client.get_run(lost).info.status == "FAILED"
    assert client.get_run(waiting).info.status == "RUNNING"
