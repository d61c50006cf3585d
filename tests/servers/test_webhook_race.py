"""Deliveries racing through real receivers (issue 28, item 5): two `govflow webhook serve` processes on one
ledger, the SQLite file they share or govflow's PostgreSQL, each sent at once 16 deliveries of one event under
different delivery ids and 8 copies of one delivery of another. Each event is handed off exactly once: one
job in the receivers' queues, one 202 that started it; the rest are duplicates (202) or told to retry (503)."""

import json
import sqlite3
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from govflow.webhooks.signature import sign
from tests.servers.processes import BIN, free_port, spawn, stop, wait_healthy

pytestmark = pytest.mark.servers
SECRET = "race-webhook-secret-0123456789"


def _receivers(tmp_path: Path, data_dirs: list[Path], extra: dict[str, str]) -> list[tuple[str, object]]:
    import os

    started = []
    for i, data in enumerate(data_dirs):
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "MLFLOW_TRACKING"))}
        env |= {"GOVFLOW_DATA_DIR": str(data), "PREFECT_HOME": str(tmp_path / f"prefect-{i}"),
                "GOVFLOW_WEBHOOK_SECRET": SECRET, **extra}
        log = tmp_path / f"receiver-{i}.log"
        proc = spawn([str(BIN / "govflow"), "webhook", "serve", "--port", str(port)], log, env)
        url = f"http://127.0.0.1:{port}"
        wait_healthy(f"{url}/health", proc, log, seconds=90)
        started.append((url, proc))
    return started


def _post(url: str, body: bytes, delivery: str) -> tuple[int, dict]:
    stamp = str(int(time.time()))
    request = urllib.request.Request(f"{url}/webhooks/mlflow", data=body, method="POST", headers={
        "Content-Type": "application/json", "X-MLflow-Delivery-Id": delivery, "X-MLflow-Timestamp": stamp,
        "X-MLflow-Signature": sign(SECRET, delivery, stamp, body)})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _event(model: str) -> bytes:
    return json.dumps({"entity": "model_version", "action": "created", "timestamp": "2026-12-06T08:00:00+00:00",
                       "data": {"name": model, "version": "1"}}).encode()


def _race(urls: list[str]) -> dict[str, list[tuple[int, dict]]]:
    """16 ids of one event and 8 copies of one id of another, all at once, alternating receivers."""
    sends = [(urls[i % 2], _event("raced_by_ids"), f"id-{i}") for i in range(16)]
    sends += [(urls[i % 2], _event("raced_by_copies"), "one-delivery") for i in range(8)]
    with ThreadPoolExecutor(len(sends)) as pool:
        answers = list(pool.map(lambda s: _post(*s), sends))
    return {"raced_by_ids": answers[:16], "raced_by_copies": answers[16:]}


def _jobs(queues: list[Path]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for queue in queues:
        with sqlite3.connect(queue) as db:
            for (model,) in db.execute("SELECT model FROM job"):
                counts[model] = counts.get(model, 0) + 1
    return counts


def _hand_offs(answers: dict[str, list[tuple[int, dict]]], queues: list[Path]) -> dict[str, int]:
    """The jobs queued per event, after checking every other answer was a duplicate or a retry-later."""
    for model, got in answers.items():
        started = [a for status, a in got if status == 202 and a.get("action") == "gate"]
        assert len(started) == 1, (model, got)
        others = {(status, a.get("action")) for status, a in got if a not in started}
        assert others <= {(202, "duplicate"), (503, None), (409, None)}, (model, got)
    return _jobs(queues)


def test_two_receivers_on_one_sqlite_ledger_hand_each_event_off_once(tmp_path):
    data = tmp_path / "shared"
    receivers = _receivers(tmp_path, [data, data], {})
    try:
        answers = _race([url for url, _ in receivers])
    finally:
        for _, proc in receivers:
            stop(proc)
    assert _hand_offs(answers, [data / "webhook-jobs.sqlite"]) == {"raced_by_ids": 1, "raced_by_copies": 1}


def test_two_receivers_on_one_postgresql_ledger_hand_each_event_off_once(postgres, tmp_path):
    url = postgres.create("race")
    dirs = [tmp_path / "host-a", tmp_path / "host-b"]
    receivers = _receivers(tmp_path, dirs, {"GOVFLOW_DATABASE_URL": url})
    try:
        answers = _race([u for u, _ in receivers])
    finally:
        for _, proc in receivers:
            stop(proc)
    assert _hand_offs(answers, [d / "webhook-jobs.sqlite" for d in dirs]) == {"raced_by_ids": 1, "raced_by_copies": 1}
