"""`govflow system add` refuses bad input in one line, exit 2, before anything is registered (issue 31)."""

import pytest
from typer.testing import CliRunner

from govflow.cli import app


@pytest.mark.parametrize(("args", "said"), [
    (["--kind", "robot"], "--kind 'robot': expected one of vendor, genai"),
    (["--kind", "vendor", "--tag", "governance.owner"], "--tag 'governance.owner' is not KEY=VALUE"),
    (["--kind", "vendor", "--tag", "governance.kind=genai"], "the kind is set by --kind"),
    (["--kind", "vendor", "--prompt-file", "p.txt"], "only a generative-AI application (--kind genai) has a prompt"),
    (["--kind", "genai", "--prompt-file", "absent.txt"], "--prompt-file absent.txt"),
])
def test_system_add_names_what_is_wrong_and_exits_2(args, said, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.txt").write_text("Answer {{question}}")
    result = CliRunner().invoke(app, ["system", "add", "support_assistant", *args])
    assert result.exit_code == 2, result.output
    assert said in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "mlflow.db").exists()


def test_an_empty_prompt_file_is_refused(tmp_path):
    (tmp_path / "empty.txt").write_text("  \n")
    result = CliRunner().invoke(app, ["system", "add", "a", "--kind", "genai", "--prompt-file",
                                      str(tmp_path / "empty.txt")])
    assert result.exit_code == 2 and "is empty" in result.stderr
