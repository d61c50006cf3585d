"""The nightly run over a synthetic fleet: every model of 100,000 production rows, through the real flow.

    .venv/bin/python bench/fleet.py [--models 20,100,300] [--rows 100000] [--speedup-models 20]
    .venv/bin/python bench/fleet.py --models 1000 --rows 100000   # 50 measured, 1,000 projected (--sample)
    .venv/bin/python bench/fleet.py --backend-models 20     # embedded SQLite against PostgreSQL, same run

N registered models, each a version of the credit-scoring demo model with 100,000 production rows in
ten daily Parquet batches and labels joined by id (seeded once; every model reads the same batches), each
holding the alias `champion` and approved by one gate run (its decay baseline). `nightly_governance` monitors
all N on the thread task runner: scoring, GX per week, performance and decay, fairness, drift of features,
outputs and labels, Evidently's report where the tier asks for it, evidence to MLflow, then the reports.
Printed: wall time, time per model, peak memory, and the speed-up from one worker to two (on
`--speedup-models` models). A size above `--sample` (50) is measured on that many and projected.

Two references, measured in the same run: the statistics alone (one model's checks with each task's plain
function, the model already loaded, nothing written), and the whole night without Prefect (`plain_night`:
every step of every model, evidence written to MLflow, the reports rendered, outside any Prefect run, where
each task is a plain call). The flow's time beyond the second is orchestration. Seeding, Prefect's start, and
each measuring process's (or Dask worker's) imports and first night, on a model kept out of the fleet, are
outside the timing: the figures are a standing worker's, whose imports a 1,000-model night does not repeat.

`--backend-models N` runs the nightly over N models twice in one run: on the embedded stores (SQLite MLflow,
heads in a file) and on the production ones (a throwaway PostgreSQL cluster, `mlflow server` on it with
proxied artifacts, heads in PostgreSQL), each beside the statistics-only reference.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.servers starts the PostgreSQL stores

from harness import last_summary, measure, on_teardown, prefect_server
from monitoring import credit_scenario


@dataclass(frozen=True)
class Fleet:
    models: tuple[str, ...]
    version: str
    uri: str
    # Versions gated like the fleet's but holding no alias, so no night lists them: each measuring process
    # monitors one per worker before its timing (first-call costs), as a standing worker has long paid them.
    warm_up: tuple[str, ...] = ()


def postgres_backend(folder) -> None:
    """The production stores for this measuring process: a throwaway PostgreSQL cluster, `mlflow server` on it
    with proxied artifacts (its schema upgraded first, as in deploy/), govflow's head store in it too."""
    import os
    import subprocess

    from tests.servers.postgres import Postgres
    from tests.servers.processes import BIN, free_port, spawn, stop, wait_healthy

    cluster = Postgres()
    on_teardown(cluster.stop)
    store = cluster.create("mlflow").replace("postgresql://", "postgresql+psycopg2://")
    os.environ["GOVFLOW_DATABASE_URL"] = cluster.create("govflow")
    subprocess.run([str(BIN / "mlflow"), "db", "upgrade", store], check=True, capture_output=True)
    port = free_port()
    log = folder / "mlflow-server.log"
    server = spawn([str(BIN / "mlflow"), "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
                    "--backend-store-uri", store, "--serve-artifacts", "--artifacts-destination",
                    str(folder / "artifacts")], log, {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true",
                                                       "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"})
    on_teardown(lambda: stop(server))
    wait_healthy(f"http://127.0.0.1:{port}/health", server, log)
    os.environ["MLFLOW_TRACKING_URI"] = f"http://127.0.0.1:{port}"


def make_data(n_models: int, rows: int, workers: int, backend: str = "sqlite"):
    import os

    from harness import scratch

    folder = scratch("govflow-fleet-")
    os.environ["GOVFLOW_DATA_DIR"] = str(folder)
    if backend == "postgres":
        postgres_backend(folder)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "ERROR")
    from govflow.demo.seed import seed_fleet
    from govflow.settings import Settings, apply_environment

    settings = Settings()
    apply_environment(settings)
    prefect_server()
    scenario = credit_scenario(rows, seed=7, id_prefix="F", name="fleet_000")
    from mlflow import MlflowClient

    client = MlflowClient(settings.resolved_tracking_uri)
    (seeded,) = seed_fleet(client, settings.datasets_dir, settings.local_artifact_root, scenarios=[scenario])
    from govflow.flows.gate import registration_gate

    gate = registration_gate(seeded.model, seeded.version)
    first = client.get_model_version(seeded.model, seeded.version)
    model_tags = dict(client.get_registered_model(seeded.model).tags)
    version_tags = {k: v for k, v in first.tags.items()}
    names = [seeded.model]
    warm_up = [f"fleet_warm_{i}" for i in range(workers)]
    for name in [f"fleet_{i:03d}" for i in range(1, n_models)] + warm_up:
        client.create_registered_model(name, tags=model_tags)
        mv = client.create_model_version(name, first.source, run_id=first.run_id, tags=version_tags)
        assert str(mv.version) == seeded.version
        client.set_model_version_tag(name, seeded.version, "governance.last_gate_run", gate.run_id)
        if name not in warm_up:
            names.append(name)
    for name in names:
        client.set_registered_model_alias(name, "champion", seeded.version)
    client.set_model_version_tag(seeded.model, seeded.version, "governance.last_gate_run", gate.run_id)
    global _FLEET
    _FLEET = Fleet(tuple(names), seeded.version, settings.resolved_tracking_uri, tuple(warm_up)), workers  # for warm()
    return _FLEET


def nightly(fleet: Fleet, workers: int) -> list[str]:
    from prefect.task_runners import ThreadPoolTaskRunner

    from govflow.flows.nightly import nightly_governance

    _forget_monitoring(fleet)
    result = nightly_governance.with_options(task_runner=ThreadPoolTaskRunner(max_workers=workers))()
    return [o.verdict for o in result.monitored]


def nightly_dask(fleet: Fleet, workers: int) -> list[str]:
    """The same run on a Dask LocalCluster of `workers` single-threaded processes (GOVFLOW_DASK_ADDRESS)."""
    from prefect_dask import DaskTaskRunner

    from govflow.flows.nightly import nightly_governance

    _forget_monitoring(fleet)
    runner = DaskTaskRunner(address=_STATE["cluster"].scheduler_address)
    return [o.verdict for o in nightly_governance.with_options(task_runner=runner)().monitored]


def _forget_monitoring(fleet: Fleet) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(fleet.uri)
    for name in fleet.models:  # each repeat judges every batch again, as a first monitoring run would
        if client.get_model_version(name, fleet.version).tags.get("governance.last_monitor_run"):
            client.delete_model_version_tag(name, fleet.version, "governance.last_monitor_run")


def plain_night(fleet: Fleet, workers: int) -> list[str]:
    """Every step the nightly flow runs, outside any Prefect run, so each task is a plain call
    (tasks/task_type.py): each model's monitoring with its evidence written to MLflow, then the reports. The
    night's cost without orchestration; the flow's time beyond it is Prefect's."""
    from govflow.flows.nightly import monitor_night
    from govflow.flows.report import fleet_report

    _forget_monitoring(fleet)
    verdicts = [monitor_night(name, fleet.version).verdict for name in fleet.models]
    fleet_report.fn()
    return verdicts


def statistics(fleet: Fleet, workers: int) -> list[str]:
    """One model's monitoring steps with each task's plain function: no Prefect, no MLflow writes."""
    from govflow.flows import monitoring as step

    model = fleet.models[0]
    ctx, scorer = _STATE["ctx"], _STATE["scorer"]
    tags, tier, policy = ctx.tags, ctx.tier, ctx.policy
    out = step.Collected()
    needs = [c for f in ("data", "performance", "fairness", "drift") for c in tier.enabled_check_ids(f)]
    frame = step.load_production(tags, scorer, out, needs)
    reference = step.load_reference(tags, out, needs)
    assert frame is not None and reference is not None, [r.message for r in out.results]  # the bench's own data
    periods = step.split(frame, tags.columns.timestamp or None, policy.monitoring_period, out, needs)
    assert periods is not None, [r.message for r in out.results]
    columns = list(frame.columns)
    step.validate(periods, columns, reference, tags, tier, f"{model}-monitoring", out)
    step.fairness(periods, columns, reference, tags, tier, policy, out)
    step.drift(periods, columns, reference, scorer, tags, tier, out)
    step.evidently_report(frame, reference, tags, tier, out)
    step.performance(periods, {p for p, _ in periods}, reference, scorer, tags, tier, policy, _STATE["baseline"], out)
    return [f"{len(out.results)} results"]


_STATE: dict = {}
_FLEET: tuple = ()


# What a night imports, the libraries its tasks import on first use included: a standing worker has them loaded,
# and each process measured here has them loaded before its timing starts.
_NIGHT_IMPORTS = ("govflow.flows.nightly", "great_expectations", "evidently", "evidently.presets",
                  "sklearn.ensemble", "mlflow.pyfunc")


def warm(fn) -> None:
    import importlib

    if fn.__name__ != "statistics":
        for name in _NIGHT_IMPORTS:
            importlib.import_module(name)
        from govflow.flows.nightly import monitor_night

        fleet = _FLEET[0]
        if fn.__name__ != "nightly_dask":
            monitor_night(fleet.warm_up[0], fleet.version)
            return
        # The cluster's processes start, import and monitor a model outside the timing: each worker's first
        # model paid its imports and first calls, about 15 s.
        from distributed import Client, LocalCluster

        _STATE["cluster"] = LocalCluster(n_workers=_FLEET[1], threads_per_worker=1, processes=True,
                                         dashboard_address=None)
        on_teardown(_STATE["cluster"].close)
        with Client(_STATE["cluster"]) as client:
            for name in _NIGHT_IMPORTS:
                client.run(importlib.import_module, name)
            workers = sorted(client.scheduler_info()["workers"])
            client.gather([client.submit(monitor_night, model, fleet.version, workers=[worker], pure=False)
                           for model, worker in zip(fleet.warm_up, workers, strict=True)])
        return
    # Outside a flow run every task is its plain function (tasks/task_type.py); the model is loaded before timing.
    import govflow.flows.monitoring as step
    from govflow.flows.subject import resolve_subject
    from govflow.tasks.registry import read_past_run
    from govflow.tasks.scoring import fetch_model

    fleet, _ = _FLEET
    ctx = resolve_subject(fleet.models[0], fleet.version)
    scorer = step.Scorer(fleet.uri, fleet.models[0], fleet.version, ctx.tags)
    scorer._loaded = fetch_model(fleet.uri, fleet.models[0], fleet.version)
    gate = read_past_run(fleet.uri, ctx.tags.last_gate_run)
    _STATE.update(ctx=ctx, scorer=scorer, baseline=gate.metrics if gate else None)


def summarise(result: list[str]) -> str:
    from collections import Counter

    return ", ".join(f"{v} x{n}" for v, n in sorted(Counter(result).items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", default="20,100,300")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--speedup-models", type=int, default=20)
    parser.add_argument("--sample", type=int, default=50, help=(
        "a size above this is measured on this many models and projected (the fleet is seeded once per size)"))
    parser.add_argument("--backend-models", type=int, default=0, help=(
        "also compare the embedded SQLite stores with PostgreSQL (mlflow server on it, heads in it) on this many "
        "models, 2 threads; 0 skips it"))
    args = parser.parse_args()
    if args.backend_models:
        compare_backends(args.backend_models, args.rows)
        return
    sizes = [int(n) for n in args.models.split(",")]
    print(f"fleet of N models, {args.rows:,} production rows each in 10 daily batches, labels joined by id")
    stats, stats_mib = measure("fleet", "statistics", (1, args.rows, 1), repeats=3)
    print(f"  statistics only: one model's checks without Prefect or MLflow: {stats:7.2f} s  "
          f"peak +{stats_mib:6.0f} MiB  ({last_summary()})", flush=True)
    n = args.speedup_models
    plain, _ = measure("fleet", "plain_night", (n, args.rows, 1), repeats=1)
    one, _ = measure("fleet", "nightly", (n, args.rows, 1), repeats=1)
    print(f"  {n} models, one at a time: every step of the night without Prefect {plain:7.1f} s "
          f"({plain / n:.2f} s/model); the nightly flow {one:7.1f} s ({one / n:.2f} s/model); orchestration "
          f"{(one - plain) / one:.0%} of a model's cost", flush=True)
    two, two_mib = measure("fleet", "nightly", (n, args.rows, 2), repeats=1)
    two_summary = last_summary()
    dask, _ = measure("fleet", "nightly_dask", (n, args.rows, 2), repeats=1)
    print(f"  {n} models: 1 worker {one:7.1f} s; 2 threads {two:7.1f} s (speed-up {one / two:.2f}x); "
          f"2 Dask worker processes {dask:7.1f} s (speed-up {one / dask:.2f}x)", flush=True)
    print(f"  {'models':>6} {'workers':>7} {'wall s':>8} {'s/model':>8} {'peak MiB':>9}  verdicts")
    runs = {n: (two, two_mib, two_summary)}  # fleets measured at 2 workers, by size
    for size in sizes:
        measured = min(size, args.sample)
        if measured not in runs:
            seconds, mib = measure("fleet", "nightly", (measured, args.rows, 2), repeats=1)
            runs[measured] = (seconds, mib, last_summary())
        seconds, mib, summary = runs[measured]
        print(f"  {measured:>6} {2:>7} {seconds:8.1f} {seconds / measured:8.2f} {mib:9.0f}  {summary}", flush=True)
        if measured < size:
            print(f"  {size:>6} {2:>7} {seconds / measured * size:8.0f} {seconds / measured:8.2f} {'':>9}  projected "
                  f"from the {measured}-model run ({seconds / measured * size / 60:.0f} min); --sample {size} runs "
                  "them all", flush=True)


def compare_backends(n: int, rows: int) -> None:
    """The nightly run over n models on each store, with the statistics-only reference measured in the run."""
    stats, _ = measure("fleet", "statistics", (1, rows, 1), repeats=3)
    print(f"  reference: one model's monitoring steps without Prefect or MLflow: {stats:.2f} s", flush=True)
    print(f"  {'backend':>9} {'models':>6} {'wall s':>8} {'s/model':>8} {'overhead s/model':>17} {'peak MiB':>9}  verdicts")
    for backend in ("sqlite", "postgres"):
        seconds, mib = measure("fleet", "nightly", (n, rows, 2, backend), repeats=1)
        # With 2 threads, a model's own wall share is 2 x seconds / n; beyond the reference it is orchestration.
        own = 2 * seconds / n
        print(f"  {backend:>9} {n:>6} {seconds:8.1f} {seconds / n:8.2f} {own - stats:17.2f} {mib:9.0f}  "
              f"{last_summary()}", flush=True)


if __name__ == "__main__":
    main()
