"""How long each command takes to give up on a store that is down: MLflow's server stopped (connections
refused) and frozen with SIGSTOP (connections accepted, never answered), with the default budget
(GOVFLOW_STORE_TIMEOUT_SECONDS=10, GOVFLOW_STORE_RETRIES=2). Prints seconds, exit code and whether stderr
held a traceback; the README promises one line within 90 s. About 5 minutes.

    .venv/bin/python bench/stopped_stores.py
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mlflow import MlflowClient

from tests.servers.processes import BIN, start_mlflow, stop

MODEL = "vendor_fraud_score"


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="govflow-stopped-"))
    try:
        _measure(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _measure(root: Path) -> None:
    from govflow.demo.seed import seed_fleet

    url, proc = start_mlflow(root)
    [seeded] = seed_fleet(MlflowClient(url), root / "datasets", None, only=(MODEL,))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "MLFLOW_HTTP"))},
           "MLFLOW_TRACKING_URI": url, "GOVFLOW_DATA_DIR": str(root / "data"), "PREFECT_HOME": str(root / "prefect")}
    subprocess.run([str(BIN / "govflow"), "gate", MODEL, seeded.version], env=env, capture_output=True, check=False)
    commands = [["gate", MODEL, seeded.version], ["verify", MODEL], ["inventory"], ["report", "--out", str(root / "r")],
                ["nightly"], ["retirement"], ["reconcile"],
                ["finding", "note", MODEL, "data.schema", "--by", "A. Rivera", "--text", "x"]]
    for state in ("frozen (SIGSTOP)", "stopped"):
        if state == "stopped":
            os.killpg(proc.pid, signal.SIGCONT)
            stop(proc)
        else:
            os.killpg(proc.pid, signal.SIGSTOP)
        print(f"\nMLflow {state}: command, seconds, exit code, traceback on stderr")
        for args in commands:
            started = time.monotonic()
            try:
                done = subprocess.run([str(BIN / "govflow"), *args], env=env, capture_output=True, text=True,
                                      timeout=600, check=False)
                print(f"  {args[0]:<12} {time.monotonic() - started:6.1f} s  exit {done.returncode}  "
                      f"{'TRACEBACK' if 'Traceback' in done.stderr else 'no traceback'}")
            except subprocess.TimeoutExpired:
                print(f"  {args[0]:<12} did not return in 600 s")


if __name__ == "__main__":
    main()
