"""`govflow audit fairness` on files: Fairlearn's numbers, the DESIGN.md JSON shape, exit codes."""

import json

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate, true_positive_rate
from typer.testing import CliRunner

from govflow.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def predictions(tmp_path_factory):
    rng = np.random.default_rng(42)
    n = 6000
    frame = pd.DataFrame({"race": rng.choice(["A", "B", "C"], n), "sex": rng.choice(["f", "m"], n),
                          "y": rng.integers(0, 2, n)})
    frame["p"] = np.clip(0.3 * frame["y"] + rng.random(n) * 0.7, 0, 1)
    frame["fair"] = (frame["p"] > 0.5).astype(int)
    # "unfair" selects group C far less often
    frame["unfair"] = np.where(frame["race"] == "C", (frame["p"] > 0.8), frame["fair"]).astype(int)
    folder = tmp_path_factory.mktemp("audit")
    frame.to_parquet(folder / "scored.parquet", index=False)
    frame.to_csv(folder / "scored.csv", index=False)
    return frame, folder


def _audit(*args):
    return runner.invoke(app, ["audit", "fairness", *args])


@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_json_reproduces_fairlearn(predictions, suffix):
    frame, folder = predictions
    result = _audit("--data", str(folder / f"scored.{suffix}"), "--label", "y", "--prediction", "fair",
                    "--score", "p", "--sensitive", "race,sex", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["verdict"] == "APPROVED"
    for row in report["groups"]:
        assert {"feature", "group", "n", "selection_rate", "tpr", "fpr", "fnr", "ppv", "accuracy", "auc", "brier",
                "ece"} <= set(row)
    mf = MetricFrame(metrics={"selection_rate": selection_rate, "tpr": true_positive_rate, "fpr": false_positive_rate},
                     y_true=frame["y"], y_pred=frame["fair"], sensitive_features=frame[["race", "sex"]])
    ours = {row["group"]: row for row in report["groups"] if row["feature"] == "race&sex"}
    for (race, sex), expected in mf.by_group.iterrows():
        for name in ("selection_rate", "tpr", "fpr"):
            assert ours[f"{race}&{sex}"][name] == pytest.approx(expected[name], abs=1e-12)
    for r in report["results"]:
        assert {"check_id", "status", "value", "limit", "ci", "n", "message", "group", "column"} <= set(r)


def test_disparity_fails_with_exit_1(predictions):
    _, folder = predictions
    result = _audit("--data", str(folder / "scored.parquet"), "--label", "y", "--prediction", "unfair",
                    "--sensitive", "race", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    ratio = next(r for r in report["results"] if r["check_id"] == "fairness.demographic_parity_ratio")
    assert report["verdict"] == "REJECTED" and ratio["status"] == "FAIL" and ratio["ci"][1] < 0.8


def test_human_output_has_the_group_table(predictions):
    _, folder = predictions
    result = _audit("--data", str(folder / "scored.parquet"), "--label", "y", "--prediction", "fair",
                    "--sensitive", "sex", "--tier", "low")
    assert result.exit_code == 0
    assert "sex=f" in result.stdout and "selection_rate" in result.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--label", "nope", "--prediction", "fair", "--sensitive", "race"], "no column 'nope'"),
        (["--label", "y", "--prediction", "fair", "--sensitive", "race", "--tier", "extreme"], "unknown tier 'extreme'"),
        (["--label", "race", "--prediction", "fair", "--sensitive", "sex"], "label column 'race'"),
        (["--label", "y", "--prediction", "p", "--sensitive", "sex"], "prediction column 'p'"),
    ],
)
def test_bad_input_exits_2_naming_it(predictions, args, says):
    _, folder = predictions
    result = _audit("--data", str(folder / "scored.parquet"), *args)
    assert result.exit_code == 2
    assert says in result.stderr


def test_unreadable_file_exits_2_naming_it(tmp_path):
    path = tmp_path / "broken.csv.parquet"
    path.write_bytes(b"junk")
    result = _audit("--data", str(path), "--label", "y", "--prediction", "p", "--sensitive", "s")
    assert result.exit_code == 2 and str(path) in result.stderr


@pytest.fixture(scope="module")
def coded(tmp_path_factory):
    """Decisions coded yes/no, no outcomes: a fair-lending review's file."""
    rng = np.random.default_rng(8)
    n = 4000
    frame = pd.DataFrame({"race": rng.choice(["A", "B"], n), "sex": rng.choice(["f", "m"], n)})
    rate = np.where(frame["race"] == "B", 0.30, 0.50)
    frame["decision"] = np.where(rng.random(n) < rate, "yes", "no")
    frame["outcome"] = np.where(rng.random(n) < 0.5, "yes", "no")
    folder = tmp_path_factory.mktemp("coded")
    frame.to_csv(folder / "decisions.csv", index=False)
    return frame, folder / "decisions.csv"


def test_decisions_alone_are_judged_and_outcome_checks_not_run(coded):
    frame, path = coded
    result = _audit("--data", str(path), "--prediction", "decision", "--favourable", "yes", "--sensitive", "race",
                    "--json")
    report = json.loads(result.stdout)
    statuses = {r["check_id"]: r for r in report["results"]}
    assert statuses["fairness.demographic_parity_ratio"]["status"] == "FAIL"  # 0.6, below four-fifths
    assert statuses["fairness.equal_opportunity_difference"]["status"] == "SKIPPED"
    assert "no outcomes" in statuses["fairness.equal_opportunity_difference"]["message"]
    assert report["verdict"] == "REJECTED" and result.exit_code == 1
    air = next(r for r in report["adverse_impact"] if r["group"] == "B")
    a, b = frame[frame["race"] == "A"], frame[frame["race"] == "B"]
    expected = (b["decision"] == "yes").mean() / (a["decision"] == "yes").mean()
    assert air["reference_group"] == "A" and air["adverse_impact_ratio"] == pytest.approx(expected)
    assert air["below_four_fifths"] and air["significant"] and air["ci"][1] < 0.8
    text = _audit("--data", str(path), "--prediction", "decision", "--favourable", "yes", "--sensitive", "race")
    assert "decisions only: no outcomes" in text.output and "race=B vs A: " in text.output


def test_positive_values_apply_to_outcomes_too_and_a_typo_is_named(coded):
    _, path = coded
    both = _audit("--data", str(path), "--prediction", "decision", "--label", "outcome", "--favourable", "yes",
                  "--sensitive", "sex", "--json")
    assert both.exit_code in (0, 1) and "SKIPPED" not in both.stdout
    typo = _audit("--data", str(path), "--prediction", "decision", "--favourable", "approved", "--sensitive", "race")
    assert typo.exit_code == 2
    assert "prediction column 'decision' never holds the favourable value 'approved'" in typo.stderr
    bare = _audit("--data", str(path), "--prediction", "decision", "--sensitive", "race")
    assert bare.exit_code == 2 and "--favourable" in bare.stderr and "Traceback" not in bare.output
    # The old name still works, and says what it is read as.
    old = _audit("--data", str(path), "--prediction", "decision", "--positive", "yes", "--sensitive", "race")
    assert old.exit_code == 1 and "read as --favourable" in old.stderr


def test_a_deny_column_is_never_guessed_and_the_reference_group_is_named(tmp_path):
    """Issue 27, defect 8: a mortgage file whose decision column records denials. The error suggests no value from
    the data (the old message said `--positive yes`, which made the denied group look favoured); with
    --favourable no, the group denied more often is the one found disadvantaged, against the named reference."""
    rng = np.random.default_rng(12)
    n = 4000
    frame = pd.DataFrame({"applicant_race": rng.choice(["white", "black"], n, p=[0.7, 0.3])})
    denied = np.where(frame["applicant_race"] == "black", 0.25, 0.10)  # the minority is denied more often
    frame["deny"] = np.where(rng.random(n) < denied, "yes", "no")
    path = tmp_path / "hmda.csv"
    frame.to_csv(path, index=False)
    bare = _audit("--data", str(path), "--prediction", "deny", "--sensitive", "applicant_race")
    assert bare.exit_code == 2 and "--favourable" in bare.stderr and "--positive yes" not in bare.stderr
    assert "not denied" in bare.stderr
    text = _audit("--data", str(path), "--prediction", "deny", "--favourable", "no", "--sensitive", "applicant_race")
    assert "favourable decision: deny = 'no'" in text.output
    assert ("applicant_race: reference group applicant_race=white (the most favoured); compared with it: "
            "applicant_race=black") in text.output
    report = json.loads(_audit("--data", str(path), "--prediction", "deny", "--favourable", "no", "--sensitive",
                               "applicant_race", "--json").stdout)
    [black] = [r for r in report["adverse_impact"] if r["group"] == "black"]
    expected = (frame[frame.applicant_race == "black"].deny == "no").mean() / (
        frame[frame.applicant_race == "white"].deny == "no").mean()
    assert black["reference_group"] == "white" and black["adverse_impact_ratio"] == pytest.approx(expected)
    assert report["favourable"]["references"] == [{"feature": "applicant_race", "reference": "white",
                                                   "compared": ["black"]}]
