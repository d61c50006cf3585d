"""One model's whole monitoring pass on a million production rows, through the real flow.

    .venv/bin/python bench/monitoring.py [--rows N]

The credit-scoring demo model, its production data scaled to N rows in ten daily Parquet batches with
labels joined by id: `monitor_version` reads the data, scores it with the registered model, validates
every week with Great Expectations, judges performance and decay, fairness and drift per week, renders
Evidently's report on its sample, and writes the evidence to a local MLflow. The budget is 60 s.
Seeding, the registration gate and Prefect's start are outside the timing.
"""

from __future__ import annotations

from harness import measure, prefect_server, rows_argument

BUDGET_SECONDS = 60.0


def credit_scenario(rows: int, seed: int, id_prefix: str, name: str | None = None):
    """The credit demo scenario with `rows` production rows in ten daily batches that drift day by day,
    and their labels apart, joined by `application_id`."""
    import numpy as np
    import pandas as pd

    from govflow.demo.data import MONITORING_START, _credit_frame, credit_scoring

    rng = np.random.default_rng(seed)
    per_day = rows // 10
    monitoring, labels = {}, []
    for day in range(10):
        batch = _credit_frame(rng, per_day, shift=day / 10)
        batch.insert(0, "application_id", [f"{id_prefix}{day:02d}{i:07d}" for i in range(per_day)])
        batch.insert(1, "scored_at", MONITORING_START + pd.Timedelta(days=day)
                     + pd.to_timedelta(rng.integers(0, 86400, per_day), unit="s"))
        labels.append(batch[["application_id", "default"]])
        monitoring[f"{(MONITORING_START + pd.Timedelta(days=day)).date()}"] = batch.drop(columns="default")
    base = credit_scoring()
    return type(base)(**{**base.__dict__, "name": name or base.name, "monitoring": monitoring,
                         "labels": pd.concat(labels, ignore_index=True)})


def make_data(rows: int):
    import os

    from harness import scratch

    folder = scratch("govflow-bench-")
    os.environ["GOVFLOW_DATA_DIR"] = str(folder)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")  # the figures, not every task's state
    from govflow.demo.seed import seed_fleet
    from govflow.settings import Settings, apply_environment

    settings = Settings()
    apply_environment(settings)
    prefect_server()
    scenario = credit_scenario(rows, seed=1, id_prefix="B")
    from mlflow import MlflowClient

    client = MlflowClient(settings.resolved_tracking_uri)
    (seeded,) = seed_fleet(client, settings.datasets_dir, settings.local_artifact_root, scenarios=[scenario])
    from govflow.flows.gate import registration_gate

    registration_gate(seeded.model, seeded.version)  # the validation baseline for decay
    return seeded.model, seeded.version, client


def monitor(model: str, version: str, client) -> str:
    from govflow.flows.nightly import monitor_version

    # Each repeat judges every batch again, as a first monitoring run would.
    client.delete_model_version_tag(model, version, "governance.last_monitor_run")
    return monitor_version(model, version).verdict


def summarise(verdict: str) -> str:
    return verdict


def warm(fn) -> None:
    """Imports only: a warm-up run would need its own seeded store."""
    import govflow.flows.nightly  # noqa: F401


def main() -> None:
    from harness import last_summary

    rows = rows_argument(__doc__)
    print(f"rows={rows:,} of production data in 10 daily batches, 9 features, labels joined by id")
    seconds, mib = measure("monitoring", "monitor", (rows,), repeats=2)
    print(f"one model's monitoring pass (validation, performance, decay, fairness, drift, evidence)\n"
          f"  govflow monitor_version: {seconds:8.3f} s  peak +{mib:7.1f} MiB  verdict {last_summary()}\n"
          f"  budget {BUDGET_SECONDS:.0f} s: {'within' if seconds <= BUDGET_SECONDS else 'OVER'}")


if __name__ == "__main__":
    main()
