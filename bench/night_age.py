"""A model's whole monitoring night on nights 10, 30 and 365 of its deployment, at the same daily volume.

    .venv/bin/python bench/night_age.py [--rows N] [--nights 10,30,365]

Night 10 is younger than the night's window (two weeks read, every row); from about night 30 a night reads the
window's four weeks (the decay window's three labelled weeks, outcomes five days late): what night 365 adds
over night 30 is what still grows with age.

The credit demo model (high tier: per-week validation, performance and decay, fairness, drift, the domain
classifier, Evidently's report, explanation stability, and drift, decay and fairness over the deployment's
life), N production rows a day (default 20,000) in one Parquet file a day, outcomes five days late in a labels
file joined by id. For each age the night before is monitored for real, starting from a run two weeks earlier
(so it judges two weeks, not the whole life, yet reads every row and starts the lifetime sequences from the
first week); then the day's batch and outcomes arrive and that night is timed through `monitor_night` (no
Prefect run): govflow reads the periods its window needs (checks/night_window.py); the reference reads every
row, as every night did before (the window switched off; the lifetime sequences still continue from their
state). Best of 3, a fresh process each: after the first repeat the night finds its run already recorded and
writes nothing, for both alike. Building the year of data and the night before takes minutes; not timed.
"""

from __future__ import annotations

import argparse

from harness import measure

LAG_DAYS = 5


def _scenario(rows: int, days: int):
    import numpy as np
    import pandas as pd

    from govflow.demo.data import MONITORING_START, _credit_frame, credit_scoring

    rng = np.random.default_rng(3)
    monitoring, labels = {}, []
    for day in range(days):
        date = MONITORING_START + pd.Timedelta(days=day)
        batch = _credit_frame(rng, rows, shift=0.3 * day / 365)
        batch.insert(0, "application_id", [f"N{day:03d}{i:07d}" for i in range(rows)])
        batch.insert(1, "scored_at", date + pd.to_timedelta(rng.integers(0, 86_400, rows), unit="s"))
        labels.append(batch[["application_id", "default"]].assign(
            label_arrived_at=date + pd.Timedelta(days=LAG_DAYS)))
        monitoring[f"{date.date()}"] = batch.drop(columns="default")
    base = credit_scoring()
    return type(base)(**{**base.__dict__, "name": "credit_aged", "monitoring": monitoring,
                         "labels": pd.concat(labels, ignore_index=True)})


def make_data(rows: int, night: int, windowed: bool):
    import os

    import pandas as pd
    from harness import prefect_server, scratch

    folder = scratch("govflow-age-")  # a year of batches: hundreds of MiB
    os.environ["GOVFLOW_DATA_DIR"] = str(folder)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "ERROR")
    from mlflow import MlflowClient

    from govflow.demo.data import MONITORING_START
    from govflow.demo.seed import seed_fleet, write_datasets
    from govflow.flows.gate import registration_gate
    from govflow.flows.nightly import monitor_night
    from govflow.settings import Settings, apply_environment

    settings = Settings()
    apply_environment(settings)
    prefect_server()  # the registration gate is a flow
    scenario = _scenario(rows, night)
    client = MlflowClient(settings.resolved_tracking_uri)
    last_day = (MONITORING_START + pd.Timedelta(days=night - 1)).date()
    (seeded,) = seed_fleet(client, settings.datasets_dir, settings.local_artifact_root, scenarios=[scenario],
                           through=last_day - pd.Timedelta(days=1))
    model, version = seeded.model, seeded.version
    registration_gate(model, version)
    client.set_registered_model_alias(model, "champion", version)
    # A monitoring run two weeks before the night before: that night then judges two weeks, not the year.
    experiment = client.get_experiment_by_name(settings.experiment)
    since = max(MONITORING_START, MONITORING_START + pd.Timedelta(days=night - 15))
    earlier = client.create_run(experiment.experiment_id if experiment else client.create_experiment(
        settings.experiment), tags={"governance.model": model, "governance.version": version,
                                    "governance.flow": "monitor", "governance.verdict": "APPROVED",
                                    "governance.monitored_through": since.isoformat()})
    client.set_terminated(earlier.info.run_id)
    client.set_model_version_tag(model, version, "governance.last_monitor_run", earlier.info.run_id)
    before = monitor_night(model, version)
    write_datasets(scenario, settings.datasets_dir, through=last_day)
    return model, version, before.run_id, windowed


def night(model: str, version: str, before: str, windowed: bool) -> tuple[str, str, dict]:
    from mlflow import MlflowClient

    from govflow.checks.night_window import NightWindow
    from govflow.flows import nightly
    from govflow.settings import Settings

    uri = Settings().resolved_tracking_uri
    MlflowClient(uri).set_model_version_tag(model, version, "governance.last_monitor_run", before)
    if not windowed:
        nightly.read_window = lambda *_: NightWindow(None, why="the reference: every row")
    outcome = nightly.monitor_night(model, version)
    return outcome.verdict, uri, {"run_id": outcome.run_id}


def warm(fn) -> None:
    """Imports only: the night before, outside the timing, already ran every step once in this process."""


def summarise(result: tuple[str, str, dict]) -> str:
    """The verdict and the rows the night read, from the lifetime state it kept."""
    from govflow.checks.lifetime_state import LIFETIME_STATE
    from govflow.tasks.artifacts import read_evidence_json

    verdict, uri, run = result
    read = (read_evidence_json(uri, run["run_id"], LIFETIME_STATE) or {}).get("rows_read") or {}
    return f"{verdict}, {read.get('periods_not_read')} week(s) not read"


def main() -> None:
    from harness import last_summary

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000, help="production rows a day")
    parser.add_argument("--nights", default="10,30,365", help="ages to time, the oldest last")
    args = parser.parse_args()
    nights = [int(n) for n in args.nights.split(",")]
    print(f"rows={args.rows:,} a day, outcomes {LAG_DAYS} days late, weekly periods; best of 3, fresh process each")
    timed = {}
    for n in nights:
        ours = measure("night_age", "night", (args.rows, n, True))
        window_read = last_summary()
        reference = measure("night_age", "night", (args.rows, n, False))
        timed[n] = ours[0]
        print(f"night {n:4d}: window {ours[0]:7.2f} s peak +{ours[1]:7.1f} MiB | every row {reference[0]:7.2f} s "
              f"peak +{reference[1]:7.1f} MiB | {reference[0] / ours[0]:5.2f}x\n            window: {window_read}; "
              f"every row: {last_summary()}")
    last = nights[-1]
    for n in nights[:-1]:
        print(f"night {last} against night {n}, window: {timed[last] / timed[n]:.2f}x (target at most 1.2x)")


if __name__ == "__main__":
    main()
