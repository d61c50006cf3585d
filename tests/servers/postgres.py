"""A throwaway PostgreSQL cluster for the topology tests and benchmarks: Debian's server binaries, a data folder
in a temporary directory, loopback only, password authentication, stopped (and its folder removed) at the end.

Debian's `initdb` and `pg_ctl` refuse to run as root, so as root the cluster belongs to the `postgres` user.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.servers.processes import free_port


def server_bin() -> Path | None:
    """The newest installed PostgreSQL's binaries, or None (scripts/system-packages.sh installs them)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


class Postgres:
    """One cluster: `url(db)` gives a SQLAlchemy-style URL for a database made with `create(db)`."""

    user = "govflow"

    def __init__(self, password: str = "pg-Secret-0f-the-tests") -> None:
        bin_dir = server_bin()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL's server is not installed: run `bash scripts/system-packages.sh`")
        self.bin = bin_dir
        self.password = password
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="govflow-pg-"))
        self.data = self.root / "data"
        self._as_root = os.geteuid() == 0
        if self._as_root:
            shutil.chown(self.root, "postgres", "postgres")
        pwfile = self.root / "pw"
        pwfile.write_text(password)
        if self._as_root:
            shutil.chown(pwfile, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", self.user, f"--pwfile={pwfile}", "--auth=scram-sha-256",
                  "--encoding=UTF8", "--locale=C.UTF-8" if self._has_c_utf8() else "--locale=C")
        pwfile.unlink()
        # Loopback only, and a socket folder inside the cluster's own rather than /var/run/postgresql; kept in
        # the configuration file so a restart keeps them.
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{self.root}'\n"
                       "max_connections = 200\n")
        self._start()

    def _start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "60", "start")

    @staticmethod
    def _has_c_utf8() -> bool:
        out = subprocess.run(["locale", "-a"], check=False, capture_output=True, text=True).stdout.lower()
        return "c.utf8" in out or "c.utf-8" in out

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, check=False, capture_output=True, text=True, cwd=self.root)
        if done.returncode != 0:
            log = self.root / "server.log"
            raise RuntimeError(f"{tool} failed: {done.stderr[-2000:]}{log.read_text()[-2000:] if log.exists() else ''}")

    def url(self, database: str, driver: str = "postgresql") -> str:
        return f"{driver}://{self.user}:{self.password}@127.0.0.1:{self.port}/{database}"

    def create(self, database: str, extensions: tuple[str, ...] = ()) -> str:
        """Create a database (and extensions in it); return its plain postgresql:// URL."""
        import psycopg2

        conn = psycopg2.connect(self.url("postgres"))
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{database}"')
        conn.close()
        if extensions:
            conn = psycopg2.connect(self.url(database))
            conn.autocommit = True
            with conn.cursor() as cur:
                for name in extensions:
                    cur.execute(f'CREATE EXTENSION IF NOT EXISTS "{name}"')
            conn.close()
        return self.url(database)

    def restart(self, down_seconds: float = 0) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        time.sleep(down_seconds)
        self._start()

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
