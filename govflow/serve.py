"""`govflow serve`: govflow's deployments on one machine, in one process.

It serves the deployments prefect.yaml declares (the same file `prefect deploy --all` reads), so the
schedules, event triggers and concurrency limits are declared once. Schedules and triggers need a Prefect
server: the one PREFECT_API_URL names, else a loopback `prefect server start` this process starts and stops.
With GOVFLOW_WEBHOOK_SECRET set, the webhook receiver runs in the same process and creates flow runs of the
gate and serving-check deployments (stored by the server before the delivery is answered).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from govflow.settings import DEPLOYMENTS_FILE, Settings


class ServeError(RuntimeError):
    """The deployments cannot be served (a bad prefect.yaml, a Prefect server that does not start)."""


def read_deployments(path: Path = DEPLOYMENTS_FILE) -> list[dict]:
    """The `deployments` list of a prefect.yaml; ServeError naming the file and entry when one is unusable."""
    try:
        document = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ServeError(f"{path}: {exc}") from None
    entries = (document or {}).get("deployments")
    if not isinstance(entries, list) or not entries:
        raise ServeError(f"{path}: key 'deployments' must list at least one deployment")
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not entry.get("name") or not entry.get("entrypoint"):
            raise ServeError(f"{path}: deployments[{i}] needs a name and an entrypoint")
    return entries


def runner_deployments(entries: list[dict], interval_seconds: int | None = None) -> list:
    """Each prefect.yaml deployment as a deployment this process serves: its flow, schedules, triggers,
    concurrency limit and description; `interval_seconds` replaces every interval schedule's period."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig
    from prefect.events import DeploymentEventTrigger
    from prefect.flows import load_flow_from_entrypoint

    out = []
    for entry in entries:
        flow = load_flow_from_entrypoint(entry["entrypoint"])
        limit = entry.get("concurrency_limit")
        triggers: list[Any] = [DeploymentEventTrigger(**{k: v for k, v in t.items() if k != "type"})
                    for t in entry.get("triggers") or [] if t.get("type", "event") == "event"]
        cron = [s["cron"] for s in entry.get("schedules") or [] if "cron" in s]
        interval = [interval_seconds or s["interval"] for s in entry.get("schedules") or [] if "interval" in s]
        out.append(flow.to_deployment(
            name=entry["name"], description=entry.get("description"), cron=cron or None, interval=interval or None,
            triggers=triggers or None,
            concurrency_limit=ConcurrencyLimitConfig(**limit) if isinstance(limit, dict) else limit))
    return out


def start_prefect_server(settings: Settings, port: int) -> tuple[str, subprocess.Popen]:
    """A loopback `prefect server start` on the data dir's database; its API URL once healthy."""
    log = settings.data_dir.resolve() / "prefect-server.log"
    url = f"http://127.0.0.1:{port}/api"
    # Prefect's UI calls the API at PREFECT_UI_API_URL, which defaults to port 4200 whatever --port says: on any
    # other port the UI would show an empty server and "Can't connect to Server API".
    env = {"PREFECT_UI_API_URL": url, **os.environ}
    with open(log, "ab") as out:  # the child holds its own copy of the descriptor
        proc = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env)
    deadline = time.time() + 180
    while time.time() < deadline:
        if proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return url, proc
        except OSError:
            time.sleep(1)
    proc.kill()
    raise ServeError(f"the Prefect server did not start on port {port}; see {log}")


def start_receiver(settings: Settings, host: str, port: int) -> threading.Thread:
    """The webhook receiver in a daemon thread, creating flow runs of the gate and serving-check deployments."""
    import uvicorn

    from govflow.webhooks.dispatch import PrefectDeploymentDispatcher
    from govflow.webhooks.ledger import open_ledger
    from govflow.webhooks.receiver import create_app

    app = create_app(settings.webhook_secret.get_secret_value(),  # type: ignore[union-attr]
                     open_ledger(settings),
                     PrefectDeploymentDispatcher(), tolerance_seconds=settings.webhook_tolerance_seconds,
                     max_body_bytes=settings.webhook_max_body_bytes)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    # Prefect's runner owns SIGINT/SIGTERM in this process.
    server.install_signal_handlers = lambda: None  # pyright: ignore[reportAttributeAccessIssue]
    thread = threading.Thread(target=server.run, name="govflow-webhooks", daemon=True)
    thread.start()
    return thread


def serve_until_stopped(deployments: list) -> None:
    """Prefect's `serve`, ended by SIGTERM as by Ctrl-C, and without pausing the schedules on the way out.
    Prefect 3.8's runner answers SIGTERM by calling its asynchronous stop without awaiting it, and pausing needs
    the Prefect API, which a stop of the whole process group (systemd's default, a terminal's Ctrl-C) is taking
    down at the same moment: either left `govflow serve` running until it was killed. Here SIGTERM interrupts
    the runner's loop, which shuts down and returns, and the caller stops what it started. Schedules left
    running mean a night missed while serve is down shows in Prefect's UI as a late run, not a paused schedule."""
    import asyncio

    from prefect.runner import Runner

    runner = Runner(pause_on_shutdown=False)
    for deployment in deployments:
        runner.add_deployment(deployment)

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    runner.handle_sigterm = interrupt  # pyright: ignore[reportAttributeAccessIssue] (Runner.start installs it)
    try:
        asyncio.run(runner.start())
    except KeyboardInterrupt:
        return
