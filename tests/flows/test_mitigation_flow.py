"""Mitigation evaluation on the demo's hiring model, under the session harness and temporary MLflow."""

import json

import pytest

from govflow.flows.gate import registration_gate
from govflow.flows.mitigation import MitigationInputError, mitigation_evaluation
from govflow.settings import DEFAULT_POLICY
from tests.evidence_check import assert_manifest_intact

pytestmark = pytest.mark.usefixtures("prefect_harness")

CANDIDATES = {"original", "threshold_optimizer", "exponentiated_gradient", "reweighing"}


@pytest.fixture(scope="module")
def evaluated(fleet):
    return mitigation_evaluation("hiring_promotion", fleet["hiring_promotion"].version)


def _cell(outcome, check_id, group, candidate):
    row = next(r for r in outcome.table if r["check_id"] == check_id and r["group"] == group)
    return row.get(candidate)


def test_every_candidate_is_compared_on_every_check(evaluated):
    assert evaluated.errors == {}
    ratio = next(r for r in evaluated.table if r["check_id"] == "fairness.demographic_parity_ratio" and r["group"] == "sex")
    assert CANDIDATES <= set(ratio)
    accuracy = next(r for r in evaluated.table if r["check_id"] == "performance.accuracy")
    assert CANDIDATES <= set(accuracy) and all(accuracy[c]["ci"] for c in CANDIDATES)


def test_fairlearn_mitigators_narrow_the_disparity(evaluated):
    before = _cell(evaluated, "fairness.demographic_parity_ratio", "sex", "original")
    assert before["status"] == "FAIL"
    for candidate in ("threshold_optimizer", "exponentiated_gradient"):
        assert _cell(evaluated, "fairness.demographic_parity_ratio", "sex", candidate)["value"] > before["value"] + 0.2


def test_evidence_holds_the_table(evaluated, client, tmp_path):
    manifest = assert_manifest_intact(client, evaluated.run_id, tmp_path)
    assert manifest["flow"] == "mitigation"
    document = json.loads((tmp_path / "evidence" / "mitigation.json").read_text())
    assert document["table"] == json.loads(json.dumps(evaluated.table))
    assert document["recommended"] == evaluated.recommended


def test_register_the_recommended_mitigation(fleet, client, tmp_path, monkeypatch):
    # Loose enough that reweighing (DP ratio about 0.61, AUC 0.78, accuracy 0.71) passes with a margin.
    lenient = DEFAULT_POLICY.read_text().replace(
        "demographic_parity_ratio: {blocking: true, min: 0.80}", "demographic_parity_ratio: {blocking: true, min: 0.40}"
    ).replace("accuracy: {blocking: true, min: 0.70, min_samples: 200}", "accuracy: {blocking: true, min: 0.60, min_samples: 200}"
    ).replace("auc: {blocking: true, min: 0.75, min_samples: 200}", "auc: {blocking: true, min: 0.70, min_samples: 200}")
    assert lenient.count("min: 0.40") == 1 and lenient.count("min: 0.70, min_samples: 200") == 1
    path = tmp_path / "lenient.yaml"
    path.write_text(lenient)
    monkeypatch.setenv("GOVFLOW_POLICY_FILE", str(path))
    outcome = mitigation_evaluation("hiring_promotion", fleet["hiring_promotion"].version, register_best=True)
    assert outcome.registered_version is not None
    version = client.get_model_version("hiring_promotion", outcome.registered_version)
    assert version.tags["governance.mitigation_of"] == f"hiring_promotion/{fleet['hiring_promotion'].version}"
    assert version.tags["governance.mitigation_method"] == "reweighing"
    gated = registration_gate("hiring_promotion", outcome.registered_version)
    # Reweighing narrows the disparity but keeps the inputs: the career-gap proxy, and the penalty for a
    # career gap the model card forbids, still reject it; nothing else fails.
    failed = sorted(r.split(" FAIL:")[0] for r in gated.reasons if " FAIL:" in r)
    assert failed == ["proxy.association[career_gap_years]", "robustness.monotonic[career_gap_years]"], gated.reasons
    assert gated.verdict == "REJECTED" and all(
        " FAIL:" in r or r.startswith("governance.signoff") for r in gated.reasons)


def test_a_model_without_sensitive_features_is_bad_input(fleet):
    with pytest.raises(MitigationInputError, match="governance.sensitive_features"):
        mitigation_evaluation("vendor_fraud_score", fleet["vendor_fraud_score"].version)
