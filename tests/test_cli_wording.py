"""What the CLI and README say, held to what exists (issue 27, defect 10): every command the README names is a
command; `govflow evidence verify` points to `govflow verify`; the gate's text marks non-blocking findings and
says why in one line; an exception's message is cut at a word."""

import re
from pathlib import Path

from typer.testing import CliRunner

from govflow.checks.results import CheckResult, Status, brief
from govflow.cli import app
from govflow.cli.printing import print_outcome
from govflow.flows.gate import GateOutcome

runner = CliRunner()
README = (Path(__file__).parents[1] / "README.md").read_text()


def test_every_govflow_command_the_readme_names_exists():
    named = set(re.findall(r"`govflow ([a-z][a-z-]*(?: [a-z][a-z-]*)?)", README))
    assert "finding note" in named and "findings note" not in named
    for words in sorted(named):
        parts = words.split()
        result = runner.invoke(app, [*parts, "--help"])
        if result.exit_code != 0 and len(parts) == 2:  # `govflow gate MODEL`: the second word is an argument
            result = runner.invoke(app, [parts[0], "--help"])
        assert result.exit_code == 0, (words, result.output[-300:])


def test_the_readme_runs_mlflow_from_the_venv():
    assert "`.venv/bin/mlflow ui --backend-store-uri" in README


def test_evidence_verify_points_to_verify():
    result = runner.invoke(app, ["evidence", "verify", "credit_scoring", "--bundle", "out"])
    assert result.exit_code == 2
    assert "govflow verify credit_scoring --bundle out" in result.stderr and "Traceback" not in result.output


def test_the_gate_text_says_why_and_marks_what_does_not_block(capsys):
    results = (CheckResult(check_id="explainability.importance", status=Status.ERROR, message="model failed"),
               CheckResult(check_id="performance.auc", status=Status.FAIL, message="AUC 0.6"))
    outcome = GateOutcome(model="m", version="1", tier="medium", verdict="REJECTED", reasons=(), results=results,
                          run_id="r", artifact_uri="file:///x", manifest_sha256="0" * 64,
                          because="rejected because performance.auc failed",
                          non_blocking=frozenset({"explainability.importance"}))
    print_outcome(outcome)
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "  rejected because performance.auc failed"
    # What failed comes first, then what could not be judged, marked when the tier does not block on it.
    assert out[2].startswith("  FAIL") and "(non-blocking)" not in out[2]
    assert "explainability.importance (non-blocking): model failed" in out[3]


def test_checks_skipped_for_one_reason_are_one_line_naming_them(capsys):
    why = "not run: no model: a vendor system is known only by its logged inputs, decisions and outcomes"
    results = tuple(CheckResult(check_id=c, status=Status.SKIPPED, message=why)
                    for c in ("explainability.importance", "robustness.noise"))
    outcome = GateOutcome(model="m", version="1", tier="high", verdict="APPROVED", reasons=(), results=results,
                          run_id="r", artifact_uri="file:///x", manifest_sha256="0" * 64)
    print_outcome(outcome)
    out = capsys.readouterr().out
    assert f"SKIPPED      2 checks (explainability.importance, robustness.noise): {why}" in out
    assert out.count("SKIPPED") == 1


def test_an_exception_message_is_cut_at_a_word():
    cut = brief(ValueError("The feature names should match those that were passed during fit. " * 10), 80)
    assert len(cut) <= 80 and cut.endswith(" [...]") and cut[:-6].split()[-1] in "The feature names should match"


def test_a_remediation_status_is_one_of_the_steps_and_a_plan_has_a_date():
    base = ["finding", "note", "credit_scoring", "drift.share", "--by", "A. Rivera", "--text", "retraining"]
    for extra, says in ((["--status", "done"], "not a remediation status"),
                        (["--status", "accepted"], "a waiver in the waivers file marks a finding accepted"),
                        (["--status", "plan_agreed"], "needs --due DATE"),
                        (["--due", "2026-11-02"], "needs --due DATE"),
                        (["--status", "plan_agreed", "--due", "2 November"], "is not a date")):
        result = runner.invoke(app, [*base, *extra])
        assert result.exit_code == 2 and says in result.stderr, (extra, result.stderr)
