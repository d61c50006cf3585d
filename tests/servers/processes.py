"""Servers the end-to-end tests start on loopback and stop: `mlflow server`, the webhook receiver, a sink."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, log: Path, seconds: float = 120) -> None:
    deadline = time.time() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise RuntimeError(f"{url} did not come up: {log.read_text()[-3000:]}")
        time.sleep(0.5)


def start_mlflow(root: Path, extra_env: dict[str, str] | None = None) -> tuple[str, subprocess.Popen]:
    """`mlflow server` on SQLite with proxied artifacts; returns its URL and process."""
    port = free_port()
    # MLflow's job runner (seven GenAI consumer processes) is not what govflow uses; deploy/govflow.env turns it off.
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
           **(extra_env or {})}
    log = root / "mlflow-server.log"
    proc = spawn([str(BIN / "mlflow"), "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
                  "--backend-store-uri", f"sqlite:///{root / 'mlflow.db'}",
                  "--artifacts-destination", str(root / "artifacts")], log, env)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(f"{url}/health", proc, log)
    return url, proc


def spawn(args: list[str], log: Path, env: dict[str, str], cwd: Path | None = None) -> subprocess.Popen:
    """A server in its own process group, so `stop` also ends what it starts (Prefect's temporary server)."""
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(log, "wb"), env=env, cwd=cwd,
                            start_new_session=True)


def stop(proc: subprocess.Popen, grace: float = 30) -> None:
    """SIGTERM to the whole process group, then SIGKILL to what is left after `grace` seconds."""
    import signal

    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class Sink:
    """An HTTP server that keeps every JSON body POSTed to it (a stand-in for a chat or mail relay)."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                sink.bodies.append(json.loads(self.rfile.read(length) or b"{}"))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def apprise_url(self) -> str:
        return f"json://127.0.0.1:{self.port}/notify"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class FaultyProxy:
    """A reverse proxy in front of `mlflow server` that answers 503, as a server going away would, for every
    request once `cut_on` has matched one (method, path), until `restore()`."""

    def __init__(self, upstream: str) -> None:
        import http.client
        from urllib.parse import urlparse

        target = urlparse(upstream)
        self.cut_on: tuple[str, str] | None = None
        self.down = False
        self.refused: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if proxy.cut_on and self.command == proxy.cut_on[0] and self.path.split("?")[0].endswith(proxy.cut_on[1]):
                    proxy.down = True
                if proxy.down:
                    proxy.refused.append(f"{self.command} {self.path}")
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request(self.command, self.path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _forward

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def restore(self) -> None:
        self.cut_on, self.down = None, False

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
