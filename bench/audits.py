"""The audits as a user runs them, whole processes (start, imports, reading Parquet, judging, printing), against
processes that read the same files with pandas and run the reference library, all in one run:

- `govflow audit drift` against Evidently's DataDriftPreset: twenty columns (twelve continuous, two integer
  counts, six categorical strings), N rows a side, as bench/drift.py makes them;
- `govflow audit fairness` against Fairlearn's MetricFrame (the nine per-group figures of bench/fairness.py for
  race, sex and race&sex): N rows, as bench/fairness.py makes them.

    .venv/bin/python bench/audits.py [--rows N]      # 1,000,000 rows: about 6 min, most of it the references

Each command runs in a fresh process, best of 3 for govflow, once for the reference; peak memory is the process's
own maximum resident size.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import rows_argument

BENCH = str(Path(__file__).parent)

EVIDENTLY = """
import sys, pandas as pd
from evidently import Report
from evidently.presets import DataDriftPreset
reference, current = pd.read_parquet(sys.argv[1]), pd.read_parquet(sys.argv[2])
snapshot = Report([DataDriftPreset()]).run(current, reference).dict()
print(sum(1 for m in snapshot["metrics"] if "column" in m["config"]), "columns")
"""

FAIRLEARN = f"""
import sys, pandas as pd
sys.path.insert(0, {BENCH!r})
from fairness import fairlearn_metricframe
frame = pd.read_parquet(sys.argv[1])
fairlearn_metricframe(frame["y"].to_numpy(), frame["pred"].to_numpy(), frame["p"].to_numpy(), frame[["race", "sex"]])
"""


def run(command: list[str]) -> tuple[float, float]:
    """(wall seconds, peak resident MiB) of one fresh process; its own rusage, from wait4."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err, env=os.environ | {
            "DO_NOT_TRACK": "1", "GX_ANALYTICS_ENABLED": "false", "MLFLOW_DISABLE_TELEMETRY": "true"})
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode not in (0, 1):  # 1 is a finding, which the drifted data is meant to give
            err.seek(0)
            sys.exit(f"{command[0]} failed ({child.returncode}): {err.read()[-2000:].decode()}")
    return seconds, usage.ru_maxrss / 1024


def write_files(rows: int, folder: str) -> None:
    import pandas as pd
    from drift import make_data as drift_data
    from fairness import make_data as fairness_data

    reference, current = drift_data(rows)
    reference.to_parquet(f"{folder}/reference.parquet", index=False)
    current.to_parquet(f"{folder}/current.parquet", index=False)
    y, pred, score, sensitive = fairness_data(rows)
    pd.DataFrame({"y": y, "pred": pred, "p": score, **sensitive}).to_parquet(f"{folder}/decisions.parquet",
                                                                             index=False)


def best(command: list[str]) -> tuple[float, float]:
    return min((run(command) for _ in range(3)), key=lambda r: r[0])


def line(label: str, measured: tuple[float, float]) -> None:
    print(f"  {label:<52} {measured[0]:8.2f} s  peak {measured[1]:7.0f} MiB")


def main() -> None:
    rows = rows_argument(__doc__)
    govflow = str(Path(sys.executable).parent / "govflow")
    with tempfile.TemporaryDirectory() as folder:
        # The data is made in its own process: a child forked from a parent holding it would count the parent's
        # pages in its own peak memory.
        maker = multiprocessing.get_context("spawn").Process(target=write_files, args=(rows, folder))
        maker.start()
        maker.join()
        reference, current, decisions = (f"{folder}/{n}.parquet" for n in ("reference", "current", "decisions"))
        print(f"rows={rows:,}; Parquet files; whole processes")
        audit = [govflow, "audit", "drift", "--reference", reference, "--current", current, "--json"]
        # Like for like: the low tier judges per-feature drift only, as DataDriftPreset does; the default tier
        # adds the domain classifier (drift.multivariate), which Evidently's preset has no counterpart for.
        per_feature, joint = best([*audit, "--tier", "low"]), best([*audit, "--tier", "high"])
        evidently = run([sys.executable, "-c", EVIDENTLY, reference, current])
        print("drift, 20 columns, two files")
        line("govflow audit drift --tier low", per_feature)
        line("govflow audit drift --tier high (+ the classifier)", joint)
        line("pandas + Evidently DataDriftPreset", evidently)
        print(f"  ratio: {evidently[0] / per_feature[0]:.1f}x faster per feature; "
              f"{evidently[0] / joint[0]:.1f}x with the classifier")
        ours = best([govflow, "audit", "fairness", "--data", decisions, "--label", "y", "--prediction", "pred",
                     "--score", "p", "--sensitive", "race,sex", "--json"])
        fairlearn = run([sys.executable, "-c", FAIRLEARN, decisions])
        print("fairness, race, sex and race&sex, nine per-group figures")
        line("govflow audit fairness (intervals, adverse impact)", ours)
        line("pandas + Fairlearn MetricFrame", fairlearn)
        print(f"  ratio: {fairlearn[0] / ours[0]:.1f}x faster")


if __name__ == "__main__":
    main()
