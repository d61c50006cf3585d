"""The runner every command shares: one exit rule for verdicts, bad input to exit 2, stdout kept clean."""

import sys

import pytest
import typer

from govflow.checks.decision import Verdict
from govflow.cli.runner import PASSING_VERDICTS, emit_json, exit_code, flow_output
from govflow.tasks.registry import UnknownModel


@pytest.mark.parametrize(("verdicts", "code"), [
    ([], 0),
    (["APPROVED"], 0),
    (["APPROVED_WITH_WAIVERS"], 0),  # the gate, monitoring and retirement alike
    (["APPROVED", "APPROVED_WITH_WAIVERS"], 0),
    (["REJECTED"], 1),
    (["APPROVED", "BLOCKED"], 1),
    ([Verdict.APPROVED_WITH_WAIVERS], 0),
])
def test_one_exit_rule_for_every_verdict(verdicts, code):
    assert exit_code(verdicts) == code


def test_every_verdict_is_either_passing_or_a_finding():
    assert PASSING_VERDICTS <= {v.value for v in Verdict}
    assert {v.value for v in Verdict} - PASSING_VERDICTS == {"REJECTED", "BLOCKED"}


def test_a_flow_prints_to_stderr_and_bad_input_inside_it_exits_2(capsys):
    with flow_output():
        print("View run at http://mlflow/#/experiments/1")  # what libraries print while a flow runs
    emit_json({"verdict": "APPROVED"})
    out, err = capsys.readouterr()
    assert out == '{"verdict": "APPROVED"}\n' and "View run" in err
    with pytest.raises(typer.Exit) as exited, flow_output():
        raise UnknownModel("model 'x' is not registered in MLflow (sqlite://)")
    assert exited.value.exit_code == 2
    assert capsys.readouterr().err.count("model 'x' is not registered") == 1
    assert sys.stdout is not None
