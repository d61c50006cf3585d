"""A wheel installed outside the checkout runs the demo: the packages live under `govflow.*` and the shipped
policy and deployments travel as package data."""

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds a wheel and runs the demo from it

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    # From a copy: setuptools builds in place and would leave build/ (with stale modules) in the checkout.
    source = tmp_path_factory.mktemp("source") / "govflow"
    shutil.copytree(ROOT, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", ".govflow", "tests", "bench", "__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(source)],
                   check=True, timeout=600)
    (built,) = out.glob("govflow-*.whl")
    return built


def test_the_wheel_holds_only_namespaced_packages_and_the_shipped_config(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top == {"govflow"}, top
    # Every package of the checkout is in the wheel (a folder left out of pyproject's list fails here).
    packages = {f"govflow/{p.parent.relative_to(ROOT / 'govflow').as_posix()}/__init__.py".replace("/./", "/")
                for p in (ROOT / "govflow").rglob("__init__.py")}
    packages |= {f"govflow/{folder}/__init__.py" for folder in ("checks", "tasks", "flows", "config")}
    assert packages <= set(names), packages - set(names)
    for shipped in ("govflow/config/policy.yaml", "govflow/config/prefect.yaml", "govflow/config/controls.yaml",
                    "govflow/config/assessments/loan_approval.yaml", "govflow/checks/fairness.py",
                    "govflow/flows/gate.py", "govflow/tasks/chain.py", "govflow/reports/templates/base.html.j2"):
        assert shipped in names, shipped


@pytest.mark.slow
def test_the_wheel_runs_the_demo_from_an_empty_folder(wheel, tmp_path):
    # A fresh environment that sees this one's dependencies (a path entry, so the checkout's editable finder
    # is not loaded) and gets govflow only from the wheel.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", str(wheel)],
                   check=True, timeout=300)
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GOVFLOW_", "PREFECT_", "MLFLOW_"))}
    env |= {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "GX_ANALYTICS_ENABLED": "false",
            "MLFLOW_DISABLE_TELEMETRY": "true", "PYTHONSAFEPATH": "1"}

    where = subprocess.run(
        [str(python), "-c", "import govflow, importlib.util as u; print(govflow.__file__); "
                            "print(u.find_spec('checks'), u.find_spec('flows'), u.find_spec('tasks'))"],
        cwd=empty, env=env, capture_output=True, text=True, check=True).stdout.splitlines()
    assert where[0].startswith(str(site)), where
    assert where[1] == "None None None", where

    demo = subprocess.run([str(venv / "bin" / "govflow"), "demo"], check=False, cwd=empty, env=env, capture_output=True,
                          text=True, timeout=1200)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert "loan_approval" in demo.stdout
    assert (empty / ".govflow" / "mlflow.db").exists()
    assert not (empty / "config").exists()
