"""The bad-input corpus through the real CLI: every case ends in ERROR, INCONCLUSIVE, FAIL or a usage error
naming what is wrong; never PASS, never a traceback. (How long they take is not asserted: no benchmark times
the corpus yet.)"""

import json

import pytest
from typer.testing import CliRunner

from govflow.cli import app
from tests.bad_inputs import CASES, ERROR, FAIL, INCONCLUSIVE, USAGE

runner = CliRunner()


def outcome(exit_code: int, stdout: str) -> str:
    """What the CLI concluded: USAGE (exit 2, no results), or the verdict read as ERROR, INCONCLUSIVE, FAIL, PASS."""
    try:
        report = json.loads(stdout)
    except ValueError:
        return USAGE if exit_code == 2 else f"exit {exit_code} without a report"
    statuses = {r["status"] for r in report["results"]}
    if report["verdict"] in ("APPROVED", "APPROVED_WITH_WAIVERS"):
        return "PASS"
    if report["verdict"] == "REJECTED":
        return FAIL
    return ERROR if "ERROR" in statuses else INCONCLUSIVE


def test_the_corpus_holds_at_least_forty_cases_with_unique_ids():
    assert len(CASES) >= 40 and len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_bad_input_never_passes_and_never_raises(case, tmp_path):
    args = case.write(tmp_path)
    result = runner.invoke(app, [*args, "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    got = outcome(result.exit_code, result.stdout)
    assert got in case.allowed, (got, result.stdout[-500:], result.stderr[-500:])
    if got == USAGE or (got == ERROR and result.exit_code == 2):
        assert result.stderr.startswith("govflow: ") and len(result.stderr.strip().splitlines()) == 1
