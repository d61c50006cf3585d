"""A malformed policy file of any kind stops a command with exit 2, naming the file, key and line,
before any flow starts."""

import pytest
from typer.testing import CliRunner

from govflow.cli import app
from govflow.settings import DEFAULT_QUESTIONNAIRE

runner = CliRunner()


@pytest.mark.parametrize(("variable", "text", "message"), [
    ("GOVFLOW_WAIVERS_FILE", "version: 1\nwaivers:\n  - check: data.schema\n    model: m\n    versions: [1]\n"
     "    reason: a reason long enough\n    approved_by: someone\n", "line 3: key 'waivers.0.expires': Field required"),
    ("GOVFLOW_WAIVERS_FILE", "version: 1\nwaivers:\n  - check: data.shema\n    model: m\n    versions: [1]\n"
     "    reason: a reason long enough\n    approved_by: someone\n    expires: 2030-01-01\n",
     "line 3: key 'waivers.0.check': no check 'data.shema' exists"),
    ("GOVFLOW_QUESTIONNAIRE_FILE", DEFAULT_QUESTIONNAIRE.read_text().replace("  medium: 4", "  medium: 4\n  low: 1"),
     "key 'tiers.low': unknown key"),
    ("GOVFLOW_CONTROLS_FILE", "version: 1\ncontrols:\n  - id: GC-01\n    title: t\n    objective: o\n"
     "    kind: automated\n    checks: [data.schema]\n    clauses: {eu_ai_act: [Art. 10]}\n    owner: x\n",
     "line 9: key 'controls.0.owner': unknown key"),
])
def test_a_bad_config_file_exits_2_naming_file_key_and_line(tmp_path, monkeypatch, variable, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    monkeypatch.setenv(variable, str(path))
    command = ["controls", "coverage"] if variable == "GOVFLOW_CONTROLS_FILE" else ["gate", "loan_approval", "1"]
    result = runner.invoke(app, command)
    assert result.exit_code == 2, result.output
    assert str(path) in result.stderr and message in result.stderr
