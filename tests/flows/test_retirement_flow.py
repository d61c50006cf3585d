"""The retirement sweep and `retire` on a model of three versions: one superseded and ownerless, one
current, one rejected yet serving; retirement waits for the alias and for deleted evidence."""

from datetime import UTC, datetime, timedelta

import pytest

from govflow.checks.results import Status
from govflow.flows.gate import registration_gate
from govflow.flows.retirement import retire, retirement_sweep
from govflow.tasks.registry import UnknownModelVersion

pytestmark = pytest.mark.usefixtures("prefect_harness")
MODEL = "legacy_scoring"


def _by_check(outcome):
    return {r.check_id: r for r in outcome.results}


@pytest.fixture(scope="module")
def legacy(fleet, client):
    """Three versions of a copy of the credit model, declared high tier (no assessment is on file for the copy),
    gated, the first two signed off, and given aliases."""
    from govflow.flows.approval import sign_off

    source = client.get_model_version("credit_scoring", fleet["credit_scoring"].version)
    client.create_registered_model(MODEL, tags={**client.get_registered_model("credit_scoring").tags,
                                                "governance.risk_tier": "high"})
    versions = [str(client.create_model_version(MODEL, source.source, run_id=source.run_id).version) for _ in range(3)]
    assert [registration_gate(MODEL, v).verdict for v in versions[:2]] == ["BLOCKED", "BLOCKED"]  # sign-off
    for v in versions[:2]:
        sign_off(MODEL, v, "A. Rivera", "owner", "tests")
        assert sign_off(MODEL, v, "M. Chen", "validator", "tests").verdict == "APPROVED"
    client.set_model_version_tag(MODEL, versions[2], "governance.status", "REJECTED")
    client.set_model_version_tag(MODEL, versions[0], "governance.owner", "")
    for alias, version in zip(("legacy", "champion", "shadow"), versions):
        client.set_registered_model_alias(MODEL, alias, version)
    return versions


def test_sweep_names_superseded_ownerless_and_rejected_serving_versions(legacy, client):
    v1, v2, v3 = legacy
    outcomes = {o.version: o for o in retirement_sweep([MODEL])}
    assert set(outcomes) == {v1, v2, v3}
    old = _by_check(outcomes[v1])
    assert old["lifecycle.superseded"].status is Status.FAIL  # blocking in the high tier
    assert old["lifecycle.superseded"].value == v2
    assert old["lifecycle.owner"].status is Status.FAIL and outcomes[v1].verdict == "REJECTED"
    assert outcomes[v2].verdict == "APPROVED"
    assert {c: r.status for c, r in _by_check(outcomes[v2]).items()} == {
        "lifecycle.review": Status.PASS, "lifecycle.owner": Status.PASS, "lifecycle.monitoring": Status.PASS,
        "lifecycle.superseded": Status.PASS, "governance.serving": Status.PASS}
    rejected = _by_check(outcomes[v3])["governance.serving"]
    assert rejected.status is Status.FAIL and "REJECTED" in rejected.message and outcomes[v3].verdict == "REJECTED"
    run = client.get_run(outcomes[v3].run_id)
    assert run.data.tags["governance.flow"] == "retirement" and run.data.tags["governance.verdict"] == "REJECTED"


def test_sweep_as_of_a_later_date_finds_overdue_reviews_and_stale_monitoring(legacy):
    later = datetime.now(UTC) + timedelta(days=91)  # the high tier reviews every 90 days
    current = next(o for o in retirement_sweep([MODEL], as_of=later) if o.version == legacy[1])
    checks = _by_check(current)
    assert checks["lifecycle.review"].status is Status.FAIL and "overdue by 1 day(s)" in checks["lifecycle.review"].message
    assert checks["lifecycle.monitoring"].status is Status.FAIL  # never monitored, registered 91 days before
    assert current.verdict == "REJECTED"


def test_retirement_completes_only_once_the_alias_is_gone(legacy, client):
    v1 = legacy[0]
    [pending] = retire(MODEL, v1, by="tests")
    assert pending.lifecycle == "retiring"
    waiting = _by_check(pending)["lifecycle.retirement"]
    assert waiting.status is Status.FAIL and "still serves as legacy" in waiting.message
    assert client.get_model_version(MODEL, v1).tags["governance.retire_requested_by"] == "tests"

    client.delete_registered_model_alias(MODEL, "legacy")
    [done] = [o for o in retirement_sweep([MODEL]) if o.version == v1]
    assert done.lifecycle == "retired" and _by_check(done)["lifecycle.retirement"].status is Status.PASS
    tags = client.get_model_version(MODEL, v1).tags
    assert tags["governance.lifecycle"] == "retired" and tags["governance.retirement_run"] == done.run_id
    assert tags["governance.retain_until"] == f"{datetime.now(UTC).year + 10}" + tags["governance.retired_at"][4:10]
    # A retired version is no longer swept, nor gated by the nightly run.
    assert v1 not in {o.version for o in retirement_sweep([MODEL])}


def test_retirement_waits_for_deleted_evidence(legacy, client, settings):
    v3 = legacy[2]
    client.delete_registered_model_alias(MODEL, "shadow")
    experiment = client.get_experiment_by_name(settings.experiment).experiment_id
    runs = client.search_runs([experiment], f"tags.`governance.model` = '{MODEL}' and tags.`governance.version` = '{v3}'")
    client.delete_run(runs[-1].info.run_id)
    [pending] = retire(MODEL, v3)
    message = _by_check(pending)["lifecycle.retirement"].message
    assert pending.lifecycle == "retiring" and runs[-1].info.run_id in message and "deleted" in message
    client.restore_run(runs[-1].info.run_id)
    [done] = [o for o in retirement_sweep([MODEL]) if o.version == v3]
    assert done.lifecycle == "retired"


def test_unknown_model_or_version_is_bad_input(legacy):
    with pytest.raises(UnknownModelVersion, match="no_such_model"):
        retirement_sweep(["no_such_model"])
    with pytest.raises(UnknownModelVersion, match="no version '99'"):
        retire(MODEL, "99")


def test_a_store_that_stays_away_blocks_the_model_and_opens_no_finding(legacy, monkeypatch):
    """The store answers 503 for every read of the model's facts: the sweep says so, judges nothing, records
    no lifecycle finding (a hiccup must not read as "never gated" or "monitoring stale")."""
    from mlflow.exceptions import MlflowException
    from mlflow.protos.databricks_pb2 import TEMPORARILY_UNAVAILABLE

    import govflow.flows.retirement

    def unavailable(*args, **kwargs):
        raise MlflowException("the tracking server answered 503", error_code=TEMPORARILY_UNAVAILABLE)

    monkeypatch.setattr(govflow.flows.retirement, "read_version_facts", unavailable)
    [outcome] = retirement_sweep([MODEL])
    assert (outcome.model, outcome.verdict, outcome.results, outcome.run_id) == (MODEL, "BLOCKED", (), None)
    assert "the tracking store could not be read (MlflowException)" in outcome.error


def test_only_a_run_that_is_gone_reads_as_absent_a_store_error_is_raised():
    from mlflow.exceptions import MlflowException
    from mlflow.protos.databricks_pb2 import RESOURCE_DOES_NOT_EXIST, TEMPORARILY_UNAVAILABLE

    from govflow.tasks.lifecycle import _run

    class Store:
        def __init__(self, code):
            self.code = code

        def get_run(self, run_id):
            raise MlflowException(f"run {run_id}", error_code=self.code)

    assert _run(Store(RESOURCE_DOES_NOT_EXIST), "r1") is None
    with pytest.raises(MlflowException):
        _run(Store(TEMPORARILY_UNAVAILABLE), "r1")
