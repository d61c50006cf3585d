"""The nightly run fanned out on a Dask cluster (two worker processes), as GOVFLOW_DASK_ADDRESS would give."""

import pytest

from tests.evidence_check import assert_manifest_intact

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_nightly_run_on_a_dask_local_cluster(fleet, client, tmp_path):
    from distributed import LocalCluster
    from prefect_dask import DaskTaskRunner

    from govflow.flows.nightly import nightly_governance

    first = client.get_model_version("credit_scoring", fleet["credit_scoring"].version)
    canary = client.create_model_version("credit_scoring", first.source, run_id=first.run_id)
    client.set_registered_model_alias("credit_scoring", "canary", canary.version)
    try:
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            runner = DaskTaskRunner(address=cluster.scheduler_address)
            result = nightly_governance.with_options(task_runner=runner)(["credit_scoring"])
    finally:  # the other nightly tests expect the fleet's own aliases only
        client.delete_registered_model_alias("credit_scoring", "canary")
    # The canary was registered without a gate: the run gates it, then monitors it beside the champion.
    assert ("credit_scoring", str(canary.version)) in result.gated
    outcome = next(o for o in result.monitored if o.version == str(canary.version))
    assert outcome.error is None and not outcome.reused
    assert outcome.verdict == "REJECTED"  # the credit data drifts and its model decays
    assert any(r.check_id == "drift.share" for r in outcome.results)
    assert client.get_run(outcome.run_id).data.tags["governance.flow"] == "monitor"
    assert_manifest_intact(client, outcome.run_id, tmp_path)
