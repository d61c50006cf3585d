"""`govflow report` and `govflow finding note` answer bad input with exit 2 and a message naming it, before
any flow starts."""

import pytest
from typer.testing import CliRunner

from govflow.cli import app

runner = CliRunner()


@pytest.mark.parametrize(("command", "message"), [
    (["report", "--as-of", "2026-13-01"], "--as-of '2026-13-01' is not a date"),
    (["finding", "note", "m", "fairness.parity", "--by", "A. Rivera", "--text", "t"], "unknown check id 'fairness.parity'"),
    (["finding", "note", "m", "drift.share", "--by", "A", "--text", "t"], "--by needs the person's name"),
    (["finding", "note", "no_such_model", "drift.share", "--by", "A. Rivera", "--text", "t"],
     "model 'no_such_model' is not registered"),
])
def test_bad_input_exits_2_naming_it(command, message):
    result = runner.invoke(app, command)
    assert result.exit_code == 2, result.output
    assert message in result.stderr


@pytest.mark.parametrize(("uri", "shown"), [
    ("https://alice:s3cret@mlflow.bank.example:5000/", "https://alice:***@mlflow.bank.example:5000/"),
    ("https://mlflow.bank.example", "https://mlflow.bank.example"),
    ("sqlite:////data/mlflow.db", "sqlite:////data/mlflow.db"),
])
def test_the_pages_never_print_a_tracking_password(uri, shown):
    from flows.report import _shown

    assert _shown(uri) == shown
