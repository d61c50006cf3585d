"""The production topology of deploy/, started on loopback from deploy/govflow.env: PostgreSQL, `mlflow server`
on it with basic auth and proxied artifacts, `prefect server` on it with an auth string, the prefect.yaml
deployments on a process work pool with two workers, and the webhook receiver. Only hosts and ports differ
from the compose file; every other value is the shipped file's."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

from tests.servers.postgres import Postgres
from tests.servers.processes import BIN, free_port, spawn, stop, wait_healthy

REPO = Path(__file__).resolve().parents[2]
ENV_FILE = REPO / "deploy" / "govflow.env"
_REFERENCE = re.compile(r"\$\{([A-Z0-9_]+)\}")


def read_env(path: Path, given: dict[str, str]) -> dict[str, str]:
    """The file's KEY=VALUE lines in order, `${NAME}` resolved from `given` and the lines above, as compose
    does; a key in `given` overrides the file's value (the tests' hosts and ports)."""
    values = dict(given)
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, raw = line.partition("=")
        if not sep:
            raise ValueError(f"{path}:{number}: not KEY=VALUE")
        if key in given:
            continue

        def resolve(match: re.Match, number: int = number) -> str:
            if match.group(1) not in values:
                raise ValueError(f"{path}:{number}: ${{{match.group(1)}}} is not defined above it")
            return values[match.group(1)]

        values[key] = _REFERENCE.sub(resolve, raw)
    return values


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def _run(args: list[str], env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    done = subprocess.run(args, check=False, capture_output=True, text=True, env=env, cwd=REPO, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:4])} failed: {done.stderr[-3000:]}")
    return done


class Topology:
    """Start with `start()`, stop with `stop()`; `env` is what a govflow process on this topology runs with."""

    def __init__(self, root: Path, postgres: Postgres) -> None:
        self.root, self.postgres = root, postgres
        self.secrets = {
            "POSTGRES_PASSWORD": postgres.password,
            "MLFLOW_ADMIN_PASSWORD": f"mlflow-{secrets.token_hex(12)}",
            "MLFLOW_FLASK_SERVER_SECRET_KEY": secrets.token_hex(16),
            "PREFECT_AUTH_STRING": f"govflow:{secrets.token_hex(12)}",
            "GOVFLOW_WEBHOOK_SECRET": f"webhook-{secrets.token_hex(12)}",
            "MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY": _fernet_key(),
            "MLFLOW_CRYPTO_KEK_PASSPHRASE": secrets.token_hex(16),
        }
        self.ports = {"MLFLOW_PORT": free_port(), "PREFECT_PORT": free_port(), "RECEIVER_PORT": free_port()}
        given = {**self.secrets, "POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": str(postgres.port),
                 "MLFLOW_HOST": "127.0.0.1", "PREFECT_HOST": "127.0.0.1", "RECEIVER_HOST": "127.0.0.1",
                 "GOVFLOW_CHECKOUT": str(REPO), "GOVFLOW_DATA_DIR": str(root / "data"),
                 **{k: str(v) for k, v in self.ports.items()}}
        self.config = read_env(ENV_FILE, given)
        self.processes: dict[str, subprocess.Popen] = {}
        base = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MLFLOW_", "GOVFLOW_"))}
        client_keys = ("MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "PREFECT_API_URL",
                       "PREFECT_API_AUTH_STRING", "GOVFLOW_DATABASE_URL", "GOVFLOW_DATA_DIR", "GOVFLOW_WEBHOOK_SECRET",
                       "DO_NOT_TRACK", "GX_ANALYTICS_ENABLED", "MLFLOW_DISABLE_TELEMETRY")
        self.env = {**base, **{k: self.config[k] for k in client_keys if k in self.config},
                    "GOVFLOW_WEBHOOK_SECRET": self.secrets["GOVFLOW_WEBHOOK_SECRET"],
                    "PREFECT_HOME": str(root / "prefect-client"), "PREFECT_LOGGING_LEVEL": "WARNING",
                    "PYTHONPATH": str(REPO)}

    @property
    def mlflow_url(self) -> str:
        return self.config["MLFLOW_TRACKING_URI"]

    @property
    def receiver_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['RECEIVER_PORT']}"

    def start(self, workers: int = 2) -> None:
        c = self.config
        for database in (c["MLFLOW_DATABASE"], c["MLFLOW_AUTH_DATABASE"], c["GOVFLOW_DATABASE"]):
            self.postgres.create(database)
        self.postgres.create(c["PREFECT_DATABASE"], extensions=("pg_trgm",))
        try:
            self.start_mlflow()
            self.start_prefect()
            self.deploy()
            for n in range(workers):
                self.start_worker(n)
            self.start_receiver()
        except BaseException:
            self.stop()
            raise

    def start_mlflow(self) -> None:
        c = self.config
        env = {**self.env, **{k: self.secrets[k] for k in (
            "MLFLOW_FLASK_SERVER_SECRET_KEY", "MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY", "MLFLOW_CRYPTO_KEK_PASSPHRASE")}}
        # The schema migration is its own step, before any server starts (docs/deploy.md: upgrades).
        _run([str(BIN / "mlflow"), "db", "upgrade", c["MLFLOW_BACKEND_STORE_URI"]], env)
        # Loopback receivers over plain HTTP: for the tests only; production keeps MLflow's defaults.
        env |= {"MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS": "true", "MLFLOW_WEBHOOK_ALLOWED_SCHEMES": "http,https",
                "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
                **{k: c[k] for k in c if k.startswith("MLFLOW_") and k not in env}}
        log = self.root / "mlflow-server.log"
        self.processes["mlflow"] = spawn(["bash", str(REPO / "deploy" / "mlflow-server.sh"), "127.0.0.1",
                                          c["MLFLOW_PORT"], str(self.root / "artifacts")], log, env)
        wait_healthy(f"{self.mlflow_url}/health", self.processes["mlflow"], log)

    def restart(self, name: str, down_seconds: float) -> None:
        """Stop a server (SIGTERM to its group), leave it down a while, start it again on the same port."""
        stop(self.processes.pop(name))
        time.sleep(down_seconds)
        {"mlflow": self.start_mlflow, "prefect": self.start_prefect, "receiver": self.start_receiver}[name]()

    def start_prefect(self) -> None:
        c = self.config
        env = {**self.env, "PREFECT_HOME": str(self.root / "prefect-server"),
               "PREFECT_API_DATABASE_CONNECTION_URL": c["PREFECT_API_DATABASE_CONNECTION_URL"],
               "PREFECT_SERVER_API_AUTH_STRING": c["PREFECT_SERVER_API_AUTH_STRING"],
               "PREFECT_SERVER_ANALYTICS_ENABLED": c["PREFECT_SERVER_ANALYTICS_ENABLED"]}
        env.pop("PREFECT_API_URL")
        _run([sys.executable, "-m", "prefect", "server", "database", "upgrade", "-y"], env)
        log = self.root / "prefect-server.log"
        self.processes["prefect"] = spawn([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                           "--port", c["PREFECT_PORT"]], log, env)
        wait_healthy(f"{c['PREFECT_API_URL']}/health", self.processes["prefect"], log, seconds=240)

    def deploy(self) -> None:
        pool = self.config["PREFECT_WORK_POOL"]
        _run([sys.executable, "-m", "prefect", "work-pool", "create", pool, "--type", "process", "--overwrite"], self.env)
        _run([sys.executable, "-m", "prefect", "--no-prompt", "deploy", "--all"], self.env
             | {"GOVFLOW_CHECKOUT": self.config["GOVFLOW_CHECKOUT"]})

    def start_worker(self, n: int) -> None:
        log = self.root / f"worker-{n}.log"
        self.processes[f"worker-{n}"] = spawn([
            sys.executable, "-m", "prefect", "worker", "start", "--pool", self.config["PREFECT_WORK_POOL"],
            "--limit", self.config["PREFECT_WORKER_LIMIT"], "--name", f"worker-{n}"], log,
            self.env | {"PREFECT_HOME": str(self.root / f"prefect-worker-{n}")}, cwd=REPO)

    def start_receiver(self) -> None:
        log = self.root / f"receiver-{time.monotonic_ns()}.log"
        self.processes["receiver"] = spawn([str(BIN / "govflow"), "webhook", "serve", "--host", "127.0.0.1",
                                            "--port", str(self.ports["RECEIVER_PORT"])], log, self.env)
        wait_healthy(f"{self.receiver_url}/health", self.processes["receiver"], log)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-2500:]}" for p in sorted(self.root.glob("*.log")))

    def stop(self) -> None:
        for name in list(self.processes)[::-1]:
            # Prefect 3.8.8's process worker (idle, at least) does not exit on SIGTERM: it turns the signal into
            # SIGINT, whose cancellation its worker channel (a websocket task group) never finishes, and waits
            # for a second signal (docs/deploy.md). Waiting the full grace for each was a minute of every run.
            stop(self.processes.pop(name), grace=3 if name.startswith("worker-") else 30)
