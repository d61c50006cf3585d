"""The demo as a user first meets it, run once per session: govflow built as a wheel, installed into a fresh
environment outside the checkout, and `govflow demo` run from an empty folder. The wheel's own tests
(tests/test_wheel.py) read the installed wheel; the tests of the demo, from its exit to its pages and UIs in a
browser (tests/browser/test_demo_in_uis.py), read one run of it: the demo takes two to three minutes on two cores,
too long to replay for each."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_wheel(folder: Path) -> Path:
    """The checkout as a wheel in `folder`, built from a copy: setuptools builds in place and would leave build/
    (with stale modules) in the checkout."""
    source = folder / "source" / "govflow"
    shutil.copytree(ROOT, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", ".govflow", "tests", "bench", "__pycache__"))
    out = folder / "wheel"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(source)],
                   check=True, timeout=600)
    (built,) = out.glob("govflow-*.whl")
    return built


@dataclass(frozen=True)
class InstalledWheel:
    wheel: Path  # the wheel it was installed from
    venv: Path
    site: Path  # the fresh environment's site-packages, where govflow must come from
    env: dict[str, str]  # this process's environment without govflow's, Prefect's and MLflow's settings

    @property
    def govflow(self) -> Path:
        return self.venv / "bin" / "govflow"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"


def install_wheel(wheel: Path, folder: Path) -> InstalledWheel:
    """A fresh environment in `folder` that sees this one's dependencies (a path entry, so the checkout's
    editable finder is not loaded) and gets govflow only from the wheel."""
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", str(wheel)],
                   check=True, timeout=300)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GOVFLOW_", "PREFECT_", "MLFLOW_"))}
    env |= {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "GX_ANALYTICS_ENABLED": "false",
            "MLFLOW_DISABLE_TELEMETRY": "true", "PYTHONSAFEPATH": "1"}
    return InstalledWheel(wheel, venv, site, env)


@dataclass(frozen=True)
class DemoRun:
    root: Path  # the empty folder it ran in
    data: Path  # the demo's data dir, root/.govflow
    env: dict[str, str]  # the environment it ran with, for commands and servers that read its store
    out: str
    err: str
    returncode: int
    seconds: float


def run_demo(installed: InstalledWheel, root: Path) -> DemoRun:
    """`govflow demo` from the installed wheel in the empty folder `root`; its wall time is kept."""
    root.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    done = subprocess.run([str(installed.govflow), "demo"], check=False, cwd=root, env=installed.env,
                          capture_output=True, text=True, timeout=1200)
    return DemoRun(root, root / ".govflow", installed.env, done.stdout, done.stderr, done.returncode,
                   time.monotonic() - started)
