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
    ("postgresql+psycopg2://mlflow:p@ss:w0rd@db:5432/mlflow", "postgresql+psycopg2://mlflow:***@db:5432/mlflow"),
    ("failed: HTTPConnectionPool(host='h') url=http://u:pw@h:5000/api and https://v:x@y/", "failed: HTTPConnectionPool("
     "host='h') url=http://u:***@h:5000/api and https://v:***@y/"),
])
def test_the_pages_never_print_a_tracking_password(uri, shown):
    from govflow.redact import redact, without_credentials

    assert redact(uri) == shown
    assert ":***@" not in without_credentials(uri) and "s3cret" not in without_credentials(uri)
