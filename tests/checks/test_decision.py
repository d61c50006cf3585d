import pytest
from pydantic import ValidationError

from govflow.checks.decision import Verdict, apply_severity, decide
from govflow.checks.results import CheckResult, Status
from tests.checks.policies import tier

ALL_IDS = tier().enabled_check_ids()


def passing(**overrides) -> list[CheckResult]:
    return [CheckResult(check_id=c, status=overrides.get(c, Status.PASS), message="m") for c in ALL_IDS]


def test_all_pass_is_approved():
    decision = decide(passing(), tier())
    assert decision.verdict is Verdict.APPROVED
    assert decision.reasons == ()


def test_blocking_fail_rejects():
    decision = decide(passing(**{"performance.auc": Status.FAIL}), tier())
    assert decision.verdict is Verdict.REJECTED
    assert decision.reasons == ("performance.auc FAIL: m",)


@pytest.mark.parametrize("status", [Status.ERROR, Status.INCONCLUSIVE, Status.SKIPPED])
def test_unknown_on_a_blocking_check_blocks(status):
    decision = decide(passing(**{"data.null_rate": status}), tier())
    assert decision.verdict is Verdict.BLOCKED
    assert decision.reasons == (f"data.null_rate {status.value}: m",)


def test_fail_outranks_unknown():
    results = passing(**{"performance.auc": Status.FAIL, "data.schema": Status.ERROR})
    assert decide(results, tier()).verdict is Verdict.REJECTED


def test_a_blocking_check_without_any_result_blocks():
    results = [r for r in passing() if r.check_id != "performance.accuracy"]
    decision = decide(results, tier())
    assert decision.verdict is Verdict.BLOCKED
    assert decision.reasons == ("performance.accuracy: no result was produced for this blocking check",)


def test_no_results_at_all_is_never_approved():
    assert decide([], tier()).verdict is Verdict.BLOCKED


def test_non_blocking_fail_becomes_warn_and_approves():
    decision = decide(passing(**{"performance.auc": Status.FAIL}), tier(blocking=False))
    assert decision.verdict is Verdict.APPROVED
    auc = next(r for r in decision.results if r.check_id == "performance.auc")
    assert auc.status is Status.WARN
    assert auc.message == "m (non-blocking for this tier)"


def test_non_blocking_error_does_not_block():
    decision = decide(passing(**{"performance.auc": Status.ERROR}), tier(blocking=False))
    assert decision.verdict is Verdict.APPROVED


def test_waived_result_approves_with_waivers():
    decision = decide(passing(**{"performance.auc": Status.WAIVED}), tier())
    assert decision.verdict is Verdict.APPROVED_WITH_WAIVERS
    assert decision.reasons == ("performance.auc WAIVED: m",)


def test_severity_leaves_unknown_check_ids_alone():
    result = CheckResult(check_id="other.thing", status=Status.FAIL, message="m")
    assert apply_severity([result], tier(blocking=False)) == [result]


def test_result_is_frozen_and_statuses_closed():
    result = CheckResult(check_id="a.b", status=Status.PASS, message="m")
    with pytest.raises(ValidationError, match="frozen"):
        result.status = Status.FAIL  # type: ignore[misc]
    with pytest.raises(ValidationError, match="status"):
        CheckResult(check_id="a.b", status="MAYBE", message="m")
    assert {s.value for s in Status} == {"PASS", "WARN", "FAIL", "ERROR", "INCONCLUSIVE", "WAIVED", "SKIPPED"}


def test_an_audit_of_one_family_expects_only_that_family():
    performance_only = [CheckResult(check_id=c, status=Status.PASS, message="m")
                     for c in tier().enabled_check_ids("performance")]
    assert decide(performance_only, tier(), families=("performance",)).verdict is Verdict.APPROVED
    assert decide(performance_only, tier()).verdict is Verdict.BLOCKED


def test_checks_not_judged_by_a_job_are_not_expected():
    """The gate cannot judge decay; its absence must not block, while other silent checks still do."""
    from govflow.checks.check_registry import Stage, expected_at, not_expected_at
    from govflow.checks.policy import DecayRule, PerformanceChecks

    base = tier()
    with_decay = base.model_copy(update={"performance": PerformanceChecks(
        auc=base.performance.auc, accuracy=base.performance.accuracy,
        decay=DecayRule(window=2, min_samples=10, max_worsening={"auc": 0.05}))})
    assert "performance.decay.auc" in expected_at(Stage.MONITORING, with_decay, families=("performance",))
    assert expected_at(Stage.GATE, with_decay, families=("performance",)) == ["performance.auc", "performance.accuracy"]
    gate_skips = not_expected_at(Stage.GATE, with_decay)
    assert decide(passing(), with_decay, not_judged=gate_skips).verdict is Verdict.APPROVED
    assert decide(passing(), with_decay).verdict is Verdict.BLOCKED


def test_every_verdict_says_why_in_one_line():
    """Issue 27: the one-line reason shown in the terminal, the JSON, the page and the MLflow run's description."""
    assert decide(passing(), tier()).because == "approved: every blocking check passed"
    rejected = decide(passing(**{"performance.auc": Status.FAIL, "performance.accuracy": Status.FAIL,
                                 "data.schema": Status.ERROR}), tier())
    assert rejected.because == "rejected because performance.auc, performance.accuracy failed"
    blocked = decide([r for r in passing(**{"data.null_rate": Status.ERROR})
                      if r.check_id != "performance.accuracy"], tier())
    assert blocked.because == ("blocked because data.null_rate could not be judged; performance.accuracy produced "
                               "no result")
    many = decide(passing(**{c: Status.FAIL for c in ALL_IDS}), tier())
    assert many.because.endswith(f"and {len(ALL_IDS) - 3} more failed") and "\n" not in many.because
    warned = decide(passing(**{"data.null_rate": Status.WARN}), tier(blocking=False))
    assert warned.because == "approved: every blocking check passed (1 non-blocking finding(s): data.null_rate)"


def test_the_checks_behind_the_reasons_are_named_once_in_their_order():
    # Read from the results, not the prose: a message with a colon or bracket cannot change which checks.
    results = [r for r in passing(**{"performance.auc": Status.FAIL, "data.schema": Status.ERROR})
               if r.check_id != "performance.accuracy"]
    results += [CheckResult(check_id="performance.auc", status=Status.FAIL, column="x", message="a: [b] c")]
    decision = decide(results, tier())
    assert decision.behind == ("performance.auc", "data.schema", "performance.accuracy")
    assert [r.split(maxsplit=1)[0].split("[")[0].rstrip(":") for r in decision.reasons] == [
        "performance.auc", "performance.auc", "data.schema", "performance.accuracy"]
    assert decide(passing(**{"performance.auc": Status.WAIVED}), tier()).behind == ("performance.auc",)
    assert decide(passing(), tier()).behind == ()
