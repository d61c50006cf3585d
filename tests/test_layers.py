"""The import contract (pyproject's [tool.importlinter]), ruff and the type checker, run as part of the suite,
in the checkout as it is: govflow/checks, tasks, flows and config are links to the folders at the root, and
the editable install's static path (src/) makes them importable as govflow.* to every tool."""

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _lint_imports(cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)} if pythonpath else dict(os.environ)
    return subprocess.run([str(BIN / "lint-imports"), "--no-cache", "--config", str(ROOT / "pyproject.toml")],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_the_package_is_the_checkout_through_its_links():
    import govflow.checks.check_registry as registry

    assert Path(registry.__file__).resolve() == ROOT / "checks" / "check_registry.py"
    for folder in ("checks", "tasks", "flows", "config"):
        assert (ROOT / "govflow" / folder).resolve() == ROOT / folder


def test_imports_go_down_the_layers_only():
    result = _lint_imports(ROOT)  # the checkout itself, as a person runs it
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("module", "line"), [
    ("checks/results.py", "import govflow.tasks.chain"),  # a check reaching up into a task
    ("flows/controls.py", "from mlflow import MlflowClient"),  # a flow doing its own I/O
    ("govflow/settings.py", "import govflow.cli"),  # the base importing an application
])
def test_the_contract_catches_an_import_the_wrong_way(tmp_path, module, line):
    # A copy that follows the links (the wheel's layout), so the checkout is never edited.
    shutil.copytree(ROOT / "govflow", tmp_path / "govflow", ignore=shutil.ignore_patterns("__pycache__"))
    path = tmp_path / "govflow" / (module.removeprefix("govflow/"))
    path.write_text(path.read_text() + f"\n{line}  # noqa\n")
    result = _lint_imports(tmp_path, pythonpath=tmp_path)
    assert result.returncode != 0 and "BROKEN" in result.stdout, result.stdout[-2000:]


@pytest.mark.slow  # a whole-project analysis, about 15 s: the inner loop keeps the one below
def test_the_type_checker_finds_nothing():
    result = subprocess.run([str(BIN / "basedpyright"), "--project", str(ROOT / "pyproject.toml")], cwd=ROOT,
                            capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "0 errors" in result.stdout


def test_the_type_checker_follows_govflow_imports_and_sees_a_wrong_type(tmp_path):
    # A module outside the checkout, as an editor opens one: govflow.checks.* must resolve through the install
    # for the wrong use of its result type to be seen at all.
    (tmp_path / "pyproject.toml").write_text('[tool.basedpyright]\ntypeCheckingMode = "basic"\n')
    (tmp_path / "wrong.py").write_text("from govflow.checks.results import CheckResult, Status\n\n"
                                       "result = CheckResult(check_id='drift.share', status=Status.PASS)\n"
                                       "share: int = result.message\n")
    result = subprocess.run([str(BIN / "basedpyright"), "--project", str(tmp_path / "pyproject.toml"),
                             "--pythonpath", sys.executable], cwd=tmp_path, capture_output=True, text=True,
                            timeout=600, check=False)
    assert result.returncode != 0, result.stdout[-3000:]
    assert "wrong.py:4" in result.stdout and "reportAssignmentType" in result.stdout, result.stdout[-3000:]
    assert "reportMissingImports" not in result.stdout and "could not be resolved" not in result.stdout


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


def _asserts_something(test: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """An assert statement, or pytest.raises / warns, or numpy's assert_* in the test's own body."""
    for leaf in ast.walk(test):
        if isinstance(leaf, ast.Assert):
            return True
        if isinstance(leaf, ast.Call) and re.search(r"(pytest\.(raises|warns|fail)|\.assert_\w+)$",
                                                    ast.unparse(leaf.func)):
            return True
    return False


def test_every_test_asserts_something_of_its_own():
    silent = [f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
              for path in sorted((ROOT / "tests").rglob("test_*.py"))
              for node in ast.walk(ast.parse(path.read_text()))
              if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_")
              and not _asserts_something(node)]
    assert not silent, "tests that assert nothing themselves (a helper's asserts hide what is checked):\n" + \
        "\n".join(silent)


def test_the_assert_guard_sees_a_test_that_only_calls():
    calls_only = ast.parse("def test_x():\n    run_and_check()\n").body[0]
    raises = ast.parse("def test_y():\n    with pytest.raises(ValueError):\n        f()\n").body[0]
    assert isinstance(calls_only, ast.FunctionDef) and isinstance(raises, ast.FunctionDef)
    assert not _asserts_something(calls_only) and _asserts_something(raises)
