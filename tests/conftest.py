"""Shared test setup: telemetry off and every path inside a temporary folder, before any import."""

import os
import tempfile
from collections import Counter

_ROOT = tempfile.mkdtemp(prefix="govflow-tests-")
os.environ.update({
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "NML_DISABLE_USAGE_LOGGING": "1",  # NannyML, the estimation oracle, reports usage unless told not to
    "PREFECT_HOME": os.path.join(_ROOT, "prefect"),
    "GOVFLOW_DATA_DIR": os.path.join(_ROOT, "data"),
})
os.environ.pop("MLFLOW_TRACKING_URI", None)
os.environ.pop("GOVFLOW_TRACKING_URI", None)


def _hold_this_process_to_one_native_thread() -> None:
    """The suite's own process runs scikit-learn's small fits beside the servers and commands it starts; with an
    OpenMP thread per core those threads spin against them (a 1,200-row domain classifier took 4.8 s a fit under
    the whole suite's load, 0.45 s with one thread). OpenMP and BLAS read the variables once, when they load: set
    for the loading, then put back, so the processes the tests start inherit the environment as it was."""
    from govflow.threads import NATIVE_THREAD_VARIABLES

    before = {variable: os.environ.get(variable) for variable in NATIVE_THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(NATIVE_THREAD_VARIABLES, "1"))
    try:
        import numpy  # noqa: F401  (BLAS)
        import sklearn.utils._openmp_helpers  # noqa: F401  (OpenMP, as the gradient boosting uses it)
    finally:
        for variable, value in before.items():
            if value is None:
                os.environ.pop(variable, None)
            else:
                os.environ[variable] = value


_hold_this_process_to_one_native_thread()


from pathlib import Path

import pytest

from tests.chromium import CHROMIUM_FLAGS, chromium_executable

SCREENSHOTS = Path(__file__).parent / "artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright; `.ci/run` installs it."""
    executable = chromium_executable()
    if executable is None:
        pytest.fail("no Chromium: install Debian's chromium (apt-get install chromium) or set GOVFLOW_CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


class OpenedPage:
    """A page opened in the browser, with every console error and uncaught exception it raised."""

    def __init__(self, browser, path: Path):
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 1300, "height": 900})
        self.page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        self.page.goto(path.resolve().as_uri(), wait_until="load")

    def inventory_states(self, model: str) -> tuple[str, str, str]:
        """The dashboard inventory's overall status, gate verdict and latest monitoring verdict of `model`."""
        row = self.page.locator("#inventory-table tbody tr", has_text=model)
        status, gate, monitoring = (row.locator(f"td:nth-child({i})").inner_text() for i in (7, 8, 9))
        return status, gate, monitoring

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        target = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(target), full_page=True)
        return target


@pytest.fixture
def open_page(browser):
    """Open a local HTML file; the page closes after the test."""
    opened = []

    def open_(path: Path) -> OpenedPage:
        opened.append(OpenedPage(browser, path))
        return opened[-1]

    yield open_
    for page in opened:
        page.page.close()


@pytest.fixture(scope="session")
def installed_wheel(tmp_path_factory):
    """govflow built as a wheel and installed into a fresh environment outside the checkout."""
    from tests.demo_from_wheel import build_wheel, install_wheel

    folder = tmp_path_factory.mktemp("wheel")
    return install_wheel(build_wheel(folder), folder)


@pytest.fixture(scope="session")
def demo(installed_wheel, tmp_path_factory):
    """`govflow demo` from the installed wheel in an empty folder, once per session (tests/demo_from_wheel.py)."""
    from tests.demo_from_wheel import run_demo

    done = run_demo(installed_wheel, tmp_path_factory.mktemp("demo") / "elsewhere")
    assert done.returncode == 0, done.out[-3000:] + done.err[-3000:]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "demo-wall-time.txt").write_text(f"govflow demo from an empty folder: {done.seconds:.0f} s\n")
    return done


# Which layer a test sits in says how heavy it is: whole flows on the shipped policy, real servers and a real
# browser are `slow`; `pytest -m "not slow"` is the inner loop (statistics, tasks on a local store, the CLI's
# bad-input paths, the import contract and ruff).
_SLOW_FOLDERS = {"flows": (), "servers": ("servers",), "browser": ("browser",)}
_FAST_IN_SLOW_FOLDERS = {"test_runners.py"}


# The modules that take longest (minutes each, from `--durations` of a whole run), started first so that the
# two workers end together instead of one running the last long module alone; then the other modules with the
# most tests first. xdist's own order (most tests first, `--loadscope-reorder`) put these few-test modules
# last; pyproject.toml turns it off.
_LONGEST_FIRST = ("servers/test_topology.py", "browser/test_demo_in_uis.py", "servers/test_stopped_stores.py",
                  "servers/test_chain_under_faults.py", "checks/test_sequential.py", "flows/test_nightly_flow.py",
                  "flows/test_hostile_names_cli.py", "flows/test_gate_flow.py", "flows/test_read_only_commands.py",
                  "test_register_a_model_doc.py", "flows/test_nightly_dask.py")


def pytest_collection_modifyitems(config, items):
    place, tests = {}, Counter(item.fspath for item in items)
    for item in items:
        parts = Path(str(item.fspath)).relative_to(Path(__file__).parent).parts
        slow = len(parts) > 1 and parts[0] in _SLOW_FOLDERS and parts[-1] not in _FAST_IN_SLOW_FOLDERS
        if slow:
            item.add_marker(pytest.mark.slow)
            for marker in _SLOW_FOLDERS[parts[0]]:
                item.add_marker(getattr(pytest.mark, marker))
        module = "/".join(parts)
        rank = _LONGEST_FIRST.index(module) if module in _LONGEST_FIRST else len(_LONGEST_FIRST) + (not slow)
        place[item.nodeid] = (rank, -tests[item.fspath], str(item.fspath))
    items.sort(key=lambda item: place[item.nodeid])  # stable: a module's tests keep their order


# MLflow's Default experiment keeps artifacts in ./mlruns of wherever the process runs, and a client with no
# tracking URI makes ./mlflow.db: a test that logs there writes into the checkout, and the next commit takes the
# files with it (one did). Such a run fails.
_STRAY = (Path(__file__).parents[1] / "mlruns", Path.cwd() / "mlruns", Path(__file__).parents[1] / "mlflow.db",
          Path.cwd() / "mlflow.db")
_STRAY_BEFORE = {path for path in _STRAY if path.exists()}


def pytest_sessionfinish(session, exitstatus):
    appeared = [path for path in _STRAY if path.exists() and path not in _STRAY_BEFORE]
    if appeared:
        session.exitstatus = 1
        print(f"\nA test wrote MLflow data into {appeared[0]}: give its client a tracking URI and log into an "
              "experiment whose artifact location is under the test's tmp_path (tests/flows/test_gate_regression.py "
              "shows how), then delete what it wrote")
