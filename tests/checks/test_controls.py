"""The control catalogue: parsed with file, key and line errors; coverage per clause from results."""

import pytest

from govflow.checks import CHECKS
from govflow.checks.controls import FRAMEWORKS, Catalogue, control_coverage, coverage, parse_controls
from govflow.checks.policy import PolicyError
from govflow.checks.results import CheckResult, Status

CATALOGUE = """version: 1
controls:
  - id: GC-01
    title: Data validated
    objective: data matches the reference
    kind: automated
    checks: [data.schema, data.null_rate]
    clauses:
      eu_ai_act: [Art. 10(2), Art. 9(2)]
      nist_ai_rmf: [MEASURE 2.1]
  - id: GC-02
    title: Sign-off
    objective: people sign off
    kind: attested
    checks: [governance.signoff]
    clauses:
      eu_ai_act: [Art. 14(1), Art. 10(2)]
"""


def _result(check_id, status):
    return CheckResult(check_id=check_id, status=status, message="m")


def test_coverage_per_clause_takes_the_best_a_model_has():
    catalogue = parse_controls(CATALOGUE, "controls.yaml", CHECKS)
    results = {"a": [_result("data.schema", Status.PASS), _result("data.null_rate", Status.FAIL),
                     _result("governance.signoff", Status.PASS)],
               "b": [_result("data.schema", Status.ERROR), _result("governance.signoff", Status.INCONCLUSIVE)]}
    rows = {(r["framework"], r["clause"]): r for r in coverage(catalogue, results)}
    assert rows[("eu_ai_act", "Art. 10(2)")]["controls"] == ["GC-01", "GC-02"]
    assert rows[("eu_ai_act", "Art. 10(2)")]["models"] == {"a": "evidence (FAIL)", "b": "none"}
    assert rows[("eu_ai_act", "Art. 14(1)")]["models"] == {"a": "attested", "b": "none"}
    eu = [r["clause"] for r in coverage(catalogue, results, "eu_ai_act")]
    assert eu == ["Art. 9(2)", "Art. 10(2)", "Art. 14(1)"]  # natural order, one framework


@pytest.mark.parametrize(("status", "state"), [(Status.PASS, "evidence (PASS)"), (Status.WAIVED, "evidence (WAIVED)"),
                                                (Status.ERROR, "none"), (Status.INCONCLUSIVE, "none")])
def test_only_a_judgement_is_evidence(status, state):
    control = parse_controls(CATALOGUE, "c", CHECKS).controls[0]
    assert control_coverage(control, [_result("data.schema", status)]) == state


@pytest.mark.parametrize(("edit", "message"), [
    (("data.null_rate]", "data.nul_rate]"), "controls.yaml, line 7: key 'controls.0.checks.1': no check 'data.nul_rate'"),
    (("id: GC-02", "id: GC-01"), "controls.yaml, line 11: key 'controls.1.id': control 'GC-01' is defined twice"),
    (("eu_ai_act: [Art. 14(1)", "eu_act: [Art. 14(1)"), "controls.yaml, line 17: key 'controls.1.clauses.eu_act'"),
    (("kind: attested", "kind: manual"), "controls.yaml, line 14: key 'controls.1.kind'"),
])
def test_a_bad_catalogue_names_file_key_and_line(edit, message):
    with pytest.raises(PolicyError) as info:
        parse_controls(CATALOGUE.replace(*edit), "controls.yaml", CHECKS)
    assert message in str(info.value)


def test_the_shipped_catalogue_maps_every_framework_and_every_check():
    from govflow.policy_file import load_controls
    from govflow.settings import DEFAULT_CONTROLS

    catalogue: Catalogue = load_controls(DEFAULT_CONTROLS)
    assert {fw for c in catalogue.controls for fw in c.clauses} == set(FRAMEWORKS)
    assert all(set(c.clauses) == set(FRAMEWORKS) for c in catalogue.controls)
    assert {check for c in catalogue.controls for check in c.checks} == set(CHECKS)


def test_clause_names_with_commas_stay_whole():
    """YAML splits an unquoted [Robust, secure and safe]; the NAIC principle must stay one clause."""
    from govflow.policy_file import load_controls
    from govflow.settings import DEFAULT_CONTROLS

    naic = {clause for c in load_controls(DEFAULT_CONTROLS).controls for clause in c.clauses["naic"]}
    assert naic == {"Fair and ethical", "Accountable", "Transparent", "Robust, secure and safe"}
