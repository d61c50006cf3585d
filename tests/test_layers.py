"""The import contract (pyproject's [tool.importlinter]) and ruff, run as part of the suite.

import-linter finds modules by walking the package folder, and checks/, tasks/, flows/ and config/ live beside
govflow/ in the checkout (they install inside it), so the contract is checked on a staged copy laid out as
the wheel lays it out."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MAPPED = ("checks", "tasks", "flows", "config")


def _stage(target: Path) -> Path:
    shutil.copytree(ROOT / "govflow", target / "govflow", ignore=shutil.ignore_patterns("__pycache__"))
    for folder in MAPPED:
        shutil.copytree(ROOT / folder, target / "govflow" / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def _lint_imports(staged: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "lint-imports"), "--no-cache", str(ROOT / "pyproject.toml")], cwd=staged,
                          env={**os.environ, "PYTHONPATH": str(staged)}, capture_output=True, text=True, timeout=300,
                          check=False)


def test_imports_go_down_the_layers_only(tmp_path):
    result = _lint_imports(_stage(tmp_path))
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("module", "line"), [
    ("checks/results.py", "import govflow.tasks.chain"),  # a check reaching up into a task
    ("flows/controls.py", "from mlflow import MlflowClient"),  # a flow doing its own I/O
    ("govflow/settings.py", "import govflow.cli"),  # the base importing an application
])
def test_the_contract_catches_an_import_the_wrong_way(tmp_path, module, line):
    staged = _stage(tmp_path)
    path = staged / "govflow" / (module.removeprefix("govflow/"))
    path.write_text(path.read_text() + f"\n{line}  # noqa\n")
    result = _lint_imports(staged)
    assert result.returncode != 0 and "BROKEN" in result.stdout, result.stdout[-2000:]


def test_ruff_finds_nothing():
    result = subprocess.run([str(BIN / "ruff"), "check", "--no-cache", "."], cwd=ROOT, capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-6000:]


# A `governance.*` tag read by its string: a version's tags are `VersionTags` (checks/governance_tags.py), a
# run's are `RunLabels` (checks/run_labels.py); writing a tag is fine.
PARSERS = ("checks/governance_tags.py", "checks/run_labels.py")
_TAG_READ = re.compile(r'(\.get\(|\[)\s*f?"governance\.[\w.{}]+"(?!\]\s*=(?!=))')


def test_no_layer_reads_a_governance_tag_by_string_outside_its_parser():
    """Issue 29, item 1: tags are parsed once, into the version's subject or the run's labels."""
    readers = []
    for folder in ("checks", "tasks", "flows", "govflow"):
        for path in (ROOT / folder).rglob("*.py"):
            if str(path.relative_to(ROOT)) in PARSERS:
                continue
            readers += [f"{path.relative_to(ROOT)}:{n}" for n, line in enumerate(path.read_text().splitlines(), 1)
                        if _TAG_READ.search(line)]
    assert readers == []


def test_the_guard_sees_a_read():
    assert _TAG_READ.search('owner = tags.get("governance.owner")')
    assert _TAG_READ.search('if tags["governance.label"] == "y":')
    assert not _TAG_READ.search('set_version_tags(uri, m, v, {"governance.status": verdict})')
    assert not _TAG_READ.search('tags["governance.label"] = "y"')
    assert _TAG_READ.search('run.data.tags.get("governance.manifest_sha256")')
    assert _TAG_READ.search('run.tags.get(f"governance.{label}")')


def test_no_module_over_400_lines_and_no_flow_function_over_40():
    """Issue 29: rooms small enough to enter; a flow composes steps, it does not hold them."""
    import ast

    long_modules, long_flows = [], []
    for folder in ("checks", "tasks", "flows", "govflow"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text()
            if len(text.splitlines()) > 400:
                long_modules.append(str(path.relative_to(ROOT)))
            if folder == "flows":
                long_flows += [f"{path.name}:{node.name}" for node in ast.walk(ast.parse(text))
                               if isinstance(node, ast.FunctionDef) and node.end_lineno - node.lineno + 1 > 40]
    assert (long_modules, long_flows) == ([], [])
