"""How long a command takes as a whole process, beside what the same answer costs elsewhere in the same run.

    .venv/bin/python bench/commands.py [--repeats 3]     # about 4 minutes on 2 cores

A data dir of its own with the demo's four models, each gated once through the real `govflow gate` (so every
model has evidence and a chain). Then, each the best of `--repeats` fresh processes:
- `govflow inventory --json`, `govflow verify MODEL --json`, `govflow controls coverage --json`, `govflow report`,
  as a user runs them (no PREFECT_API_URL: these start no Prefect server);
- the inventory as a Prefect flow run, as every read-only command ran before (`fleet_inventory()`, which starts
  Prefect's temporary server): the orchestration the commands no longer pay;
- the floor: a process that imports MLflow and pandas and reads the registry and the governance runs, which any
  command answering from MLflow pays;
- `govflow gate MODEL VERSION --json` on a new version (no Prefect server configured: the gate's function alone),
  then `govflow approve` of that version by its owner, whose gate carries the evaluation just made.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.servers.processes import BIN

FLOOR = """
from mlflow import MlflowClient
import pandas
client = MlflowClient()
client.search_registered_models()
client.search_runs([client.get_experiment_by_name("governance").experiment_id], max_results=1000)
"""
AS_A_FLOW = "from govflow.flows.report import fleet_inventory; fleet_inventory()"


def _env(root: Path) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "MLFLOW_TRACKING"))}
    return {**kept, "GOVFLOW_DATA_DIR": str(root / "data"), "PREFECT_HOME": str(root / "prefect"),
            "MLFLOW_TRACKING_URI": f"sqlite:///{root / 'data' / 'mlflow.db'}", "PREFECT_LOGGING_LEVEL": "ERROR"}


def _best(args: list[str], env: dict[str, str], repeats: int, cwd: Path) -> tuple[float, int]:
    times, code = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        code = done.returncode
        if code not in (0, 1):
            raise SystemExit(f"{' '.join(args)} failed ({code}):\n{done.stderr[-3000:]}")
    return min(times), code


def _store(root: Path) -> list[tuple[str, str]]:
    """The demo's models seeded and each gated once by the installed command; (model, version) pairs."""
    from mlflow import MlflowClient

    from govflow.demo.seed import seed_fleet

    env = _env(root)
    (root / "data").mkdir(parents=True)
    client = MlflowClient(env["MLFLOW_TRACKING_URI"])
    seeded = seed_fleet(client, root / "data" / "datasets", root / "data" / "mlartifacts")
    for s in seeded:
        subprocess.run([str(BIN / "govflow"), "gate", s.model, s.version, "--json"], env=env, cwd=root,
                       capture_output=True, check=False)
    return [(s.model, s.version) for s in seeded]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    repeats = parser.parse_args().repeats
    root = Path(tempfile.mkdtemp(prefix="govflow-commands-"))
    try:
        _measure(root, repeats)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _measure(root: Path, repeats: int) -> None:
    models = _store(root)
    env, govflow, python = _env(root), str(BIN / "govflow"), sys.executable
    model = models[0][0]
    print(f"whole processes on {os.cpu_count()} cores, best of {repeats}; {len(models)} gated models in {root}")
    floor, _ = _best([python, "-c", FLOOR], env, repeats, root)
    print(f"  floor: import MLflow and pandas, read the registry and the runs     {floor:6.2f} s", flush=True)
    flow, _ = _best([python, "-c", AS_A_FLOW], env, repeats, root)
    print(f"  the inventory as a Prefect flow run (its temporary server)          {flow:6.2f} s", flush=True)
    for label, args in (("govflow inventory --json", ["inventory", "--json"]),
                        (f"govflow verify {model} --json", ["verify", model, "--json"]),
                        ("govflow controls coverage --json", ["controls", "coverage", "--json"]),
                        ("govflow report", ["report", "--out", str(root / "pages")])):
        seconds, _ = _best([govflow, *args], env, repeats, root)
        print(f"  {label:<40} {seconds:6.2f} s  ({seconds / floor:.2f}x the floor; the flow run "
              f"{flow / seconds:.1f}x as long)", flush=True)
    from mlflow import MlflowClient

    client = MlflowClient(env["MLFLOW_TRACKING_URI"])
    first = client.get_model_version(model, models[0][1])
    gates, approvals = [], []
    for _ in range(repeats):  # a new version each time: a version is gated once
        version = client.create_model_version(model, first.source, run_id=first.run_id, tags=first.tags).version
        start = time.perf_counter()
        subprocess.run([govflow, "gate", model, str(version), "--json"], env=env, cwd=root, capture_output=True,
                       check=False)
        gates.append(time.perf_counter() - start)
        start = time.perf_counter()  # the sign-off's gate carries the evaluation just made
        subprocess.run([govflow, "approve", model, str(version), "--by", "A. Rivera", "--role", "owner"], env=env,
                       cwd=root, capture_output=True, check=True)
        approvals.append(time.perf_counter() - start)
    print(f"  govflow gate {model} VERSION --json (no server: its function alone) {min(gates):6.2f} s", flush=True)
    print(f"  govflow approve {model} VERSION --role owner (its gate carries the evaluation) {min(approvals):6.2f} s "
          f"(a sign-off followed by the whole gate again took the gate's time and more)", flush=True)


if __name__ == "__main__":
    main()
