"""How many requests a nightly run makes to each server, per model: what a bigger night asks of MLflow and
Prefect, projected from counts rather than hoped.

    .venv/bin/python bench/requests_per_model.py [--models 4,12] [--rows 20000]

The fleet of bench/fleet.py on the production stores (a throwaway PostgreSQL, `mlflow server` on it with
proxied artifacts, the head store in PostgreSQL, Prefect's server on loopback), one worker. Every HTTP request
the nightly run's process sends is counted where it leaves: MLflow's client (`requests`) and Prefect's client
(`httpx`). Two fleet sizes give the fixed cost of a night and the cost of each model beyond it. Not counted:
Prefect's event websocket, and the head store's SQL (one advisory-locked append per run). Then 8 threads read
what a night reads most from the same MLflow server for 15 s: the rate it sustains, beside the rate a night
needs.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter

import fleet
from harness import last_summary, measure

_ID = re.compile(r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}|\d+)$")


def make_data(n_models: int, rows: int):
    return fleet.make_data(n_models, rows, 1, backend="postgres")


def _shape(url: str) -> str:
    """The endpoint a request went to: ids as {id}, and one file's upload or download as {file}."""
    from urllib.parse import urlparse

    path = urlparse(url).path
    head, artifacts, file = path.partition("/mlflow-artifacts/artifacts/")
    if artifacts and file:
        return f"{head}{artifacts}{{file}}"
    return "/".join("{id}" if _ID.match(part) else part for part in path.split("/"))


def counted_night(fleet_data, workers: int) -> dict[str, int]:
    """The nightly run with every request its process sends counted by server, method and path."""
    import httpx
    import requests

    counts: Counter[str] = Counter()
    sync_send, async_send, requests_send = httpx.Client.send, httpx.AsyncClient.send, requests.Session.send

    def count_sync(self, request, *args, **kwargs):
        counts[f"prefect {request.method} {_shape(str(request.url))}"] += 1
        return sync_send(self, request, *args, **kwargs)

    async def count_async(self, request, *args, **kwargs):
        counts[f"prefect {request.method} {_shape(str(request.url))}"] += 1
        return await async_send(self, request, *args, **kwargs)

    def count_requests(self, request, *args, **kwargs):
        counts[f"mlflow {request.method} {_shape(request.url)}"] += 1
        return requests_send(self, request, *args, **kwargs)

    httpx.Client.send, httpx.AsyncClient.send, requests.Session.send = count_sync, count_async, count_requests
    try:
        verdicts = fleet.nightly(fleet_data, workers)
    finally:
        httpx.Client.send, httpx.AsyncClient.send, requests.Session.send = sync_send, async_send, requests_send
    assert len(verdicts) == len(fleet_data.models), verdicts
    return {"counts": dict(counts), "reads_per_second": sustained_reads(fleet_data)}


def sustained_reads(fleet_data, threads: int = 8, seconds: float = 15.0) -> float:
    """Requests a second the same `mlflow server` answers when `threads` clients read what a night reads most
    (a run, a run search by model, a run's artifact listing) as fast as they can."""
    import threading
    import time

    from mlflow import MlflowClient

    from govflow.tasks.queries import runs_of

    client = MlflowClient(fleet_data.uri)
    experiment = client.get_experiment_by_name("governance").experiment_id
    runs = client.search_runs([experiment], max_results=50)
    assert runs, "the night wrote no run"
    done, stop = [0] * threads, time.monotonic() + seconds

    def read(slot: int) -> None:
        own = MlflowClient(fleet_data.uri)
        while time.monotonic() < stop:
            run = runs[done[slot] % len(runs)]
            own.get_run(run.info.run_id)
            own.search_runs([experiment], runs_of(run.data.tags["governance.model"]), max_results=1)
            own.list_artifacts(run.info.run_id, "evidence")
            done[slot] += 3

    workers = [threading.Thread(target=read, args=(slot,)) for slot in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(done) / seconds


def summarise(result: dict) -> dict:
    return result


def warm(fn) -> None:
    import govflow.flows.nightly  # noqa: F401


def _by_server(counts: dict[str, int]) -> Counter[str]:
    totals: Counter[str] = Counter()
    for key, n in counts.items():
        totals[key.split(" ", 1)[0]] += n
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="4,12", help="two fleet sizes, small first")
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    small, large = (int(n) for n in args.models.split(","))
    seen = {}
    for n in (small, large):
        seconds, mib = measure("requests_per_model", "counted_night", (n, args.rows), repeats=1)
        summary = last_summary()
        seen[n], reads = summary["counts"], summary["reads_per_second"]
        totals = _by_server(seen[n])
        print(f"{n:>4} models, {seconds:.1f} s with the read load, +{mib:.0f} MiB: " + ", ".join(
            f"{server} {total} requests ({total / n:.1f} a model)" for server, total in sorted(totals.items()))
            + f"; then the MLflow server answered {reads:.0f} reads a second from 8 threads")
    grown = {key: seen[large].get(key, 0) - seen[small].get(key, 0) for key in set(seen[large]) | set(seen[small])}
    step = large - small
    print(f"\neach model beyond the first {small}: " + ", ".join(
        f"{server} {total / step:.1f} requests" for server, total in sorted(_by_server(grown).items())))
    print("fixed per night: " + ", ".join(
        f"{server} {total - _by_server(grown)[server] / step * small:.0f}"
        for server, total in sorted(_by_server(seen[small]).items())))
    print("\nthe requests each model adds, most first:")
    for key, n in sorted(grown.items(), key=lambda item: -item[1])[:15]:
        print(f"  {n / step:>6.1f}  {key}")


if __name__ == "__main__":
    main()
