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


def _held_threads() -> tuple[int, int]:
    """On a worker: the OpenMP and BLAS threads a model's night is held to, and the cores this process has."""
    import os

    from threadpoolctl import threadpool_info

    from govflow.flows.runners import share_of_cores

    with share_of_cores(1):  # GOVFLOW_WORKERS=1: on its own, this process would take every core
        limits = {pool["num_threads"] for pool in threadpool_info()}
    return max(limits), len(os.sched_getaffinity(0))


def test_a_dask_worker_holds_native_threads_to_its_share_of_its_host(monkeypatch):
    """Two single-threaded worker processes on one host: each model's night gets half the cores, counted from
    the scheduler, not all of them, as the thread runner's setting (one worker a process) would give each."""
    from distributed import Client, LocalCluster

    monkeypatch.delenv("GOVFLOW_PROCESSES", raising=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as dask:
        held, cores = dask.submit(_held_threads, pure=False).result(timeout=120)
    assert held == max(1, cores // 2), (held, cores)
