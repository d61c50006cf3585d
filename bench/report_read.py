"""Reading the fleet's evidence for the reports: `read_runs` over N governance runs in a local MLflow
(SQLite and artifact folder), against plain MLflow doing the same reading one run at a time, in the same run.

    .venv/bin/python bench/report_read.py [--runs 2000]

Each run holds a verdict (30 results), its findings and 10 other evidence files, as the gate writes.
`read_runs` pages through `search_runs` and downloads the two files it needs per run, by the artifact URI the
search gave, on 4 threads; the reference is `mlflow.search_runs` and `MlflowClient.download_artifacts` (by run
id) of the same two files, one run at a time. A third measurement reads again with the cache of records a
previous report left (`report-runs-v2.jsonl` in the data dir).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from harness import measure, report

_STORE = Path(__file__).parent / "results" / "report_read"
_URI: list[str] = []  # the store make_data seeded, and its cache file, for warm()
_CACHE: list[Path] = []


def make_data(runs: int):
    from govflow.tasks.artifacts import write_evidence
    from govflow.tasks.runs import open_governance_run

    # Seeded once per size and kept, so both measured processes read the same store.
    folder = _STORE / str(runs)
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    _URI.append(uri)
    _CACHE.append(folder / "report-runs-v2.jsonl")
    if (folder / "seeded").exists():
        return (uri,)
    folder.mkdir(parents=True, exist_ok=True)
    results = [{"check_id": "data.null_rate", "status": "PASS" if i % 7 else "FAIL", "value": 0.01 * i, "limit": 0.2,
                "message": "null share", "column": f"c{i}"} for i in range(30)]
    findings = {"findings": [{"check_id": "data.null_rate", "severity": "critical", "due": "2026-12-01",
                              "owner": "o", "message": "m"}]}
    files = {"evidence/verdict.json": json.dumps({"results": results, "review_due": "2027-01-01"}).encode(),
             "evidence/findings.json": json.dumps(findings).encode(),
             **{f"evidence/family{i}.json": b"{}" for i in range(10)}}
    for i in range(runs):
        run = open_governance_run.fn(uri, "governance", folder / "artifacts", f"model_{i % 50:02d}", "1", "monitor", "f")
        write_evidence(uri, run.run_id, files, {"artifacts": {}}, tags={"governance.verdict": "REJECTED"},
                          metrics={"drift.share": 0.1})
    (folder / "seeded").touch()
    return (uri,)


def warm(fn) -> None:
    import mlflow  # noqa: F401

    import govflow.tasks.report_data  # noqa: F401

    if fn is govflow_read_cached:  # the night before: every run read once into the cache
        fn(_URI[0])



def govflow_read(uri: str) -> int:
    from govflow.tasks.report_data import read_runs

    records, _ = read_runs.fn(uri, "governance", {})
    return len(records)


def govflow_read_cached(uri: str) -> int:
    """The next night's read: every run but the latest per model comes from the cache."""
    from govflow.tasks.report_data import read_runs

    records, _ = read_runs.fn(uri, "governance", {f"model_{i:02d}": "1" for i in range(50)}, cache=_CACHE[0])
    return len(records)


def mlflow_read(uri: str) -> int:
    import mlflow
    from mlflow import MlflowClient

    client = MlflowClient(uri)
    mlflow.set_tracking_uri(uri)
    frame = mlflow.search_runs(experiment_names=["governance"], max_results=100_000)
    with tempfile.TemporaryDirectory() as tmp:
        for run_id in frame["run_id"]:
            for path in ("evidence/verdict.json", "evidence/findings.json"):
                json.loads(Path(client.download_artifacts(run_id, path, tmp)).read_text())
    return len(frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    runs = parser.parse_args().runs
    ours = measure("report_read", "govflow_read", (runs,), repeats=1)
    ref = measure("report_read", "mlflow_read", (runs,), repeats=1)
    cached = measure("report_read", "govflow_read_cached", (runs,), repeats=1)
    report(f"reading {runs} governance runs for the reports (local MLflow)",
           ("govflow read_runs", ours), ("MLflow, one run at a time", ref))
    print(f"  govflow: {ours[0] / runs * 1000:.1f} ms per run")
    print(f"  govflow with its cache (every run read the night before; the 50 models' latest runs read again): "
          f"{cached[0]:.3f} s  peak +{cached[1]:.1f} MiB, {ref[0] / cached[0]:.1f}x faster than plain MLflow")


if __name__ == "__main__":
    main()
