"""A wheel installed outside the checkout: the packages live under `govflow.*` and the shipped policy and
deployments travel as package data. That it runs the demo from an empty folder is the first test of
tests/browser/test_demo_in_uis.py, which reads the same run."""

import subprocess
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds a wheel and installs it

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(installed_wheel) -> Path:
    return installed_wheel.wheel


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


def test_the_installed_wheel_imports_govflow_from_its_own_site_and_nothing_top_level(installed_wheel, tmp_path):
    where = subprocess.run(
        [str(installed_wheel.python), "-c", "import govflow, importlib.util as u; print(govflow.__file__); "
                                      "print(u.find_spec('checks'), u.find_spec('flows'), u.find_spec('tasks'))"],
        cwd=tmp_path, env=installed_wheel.env, capture_output=True, text=True, check=True).stdout.splitlines()
    assert where[0].startswith(str(installed_wheel.site)), where
    assert where[1] == "None None None", where
