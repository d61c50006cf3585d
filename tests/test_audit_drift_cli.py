"""`govflow audit drift` on files: Evidently's scores, the DESIGN.md JSON shape, exit codes."""

import json

import numpy as np
import pandas as pd
import pytest
from evidently.legacy.calculations.stattests.wasserstein_distance_norm import _wasserstein_distance_norm
from evidently.legacy.core import ColumnType
from typer.testing import CliRunner

from govflow.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    rng = np.random.default_rng(9)
    folder = tmp_path_factory.mktemp("drift")
    reference = pd.DataFrame({"x": rng.normal(size=3000), "c": rng.choice(list("abc"), 3000)})
    same = pd.DataFrame({"x": rng.normal(size=2000), "c": rng.choice(list("abc"), 2000)})
    moved = pd.DataFrame({"x": rng.normal(1.0, 1, 2000), "c": rng.choice(list("abcd"), 2000)})
    for name, frame in (("reference", reference), ("same", same), ("moved", moved)):
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    return folder, reference, moved


def _audit(folder, current, *extra):
    return runner.invoke(app, ["audit", "drift", "--reference", str(folder / "reference.parquet"),
                               "--current", str(folder / f"{current}.parquet"), *extra])


def test_no_drift_exits_0(files):
    folder, _, _ = files
    result = _audit(folder, "same", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["verdict"] == "APPROVED"
    for feature in report["features"]:
        assert {"column", "method", "score", "threshold", "p_value", "p_adjusted", "drifted"} <= set(feature)


def test_drift_exits_1_with_evidentlys_score(files):
    folder, reference, moved = files
    result = _audit(folder, "moved", "--json")
    assert result.exit_code == 1
    features = {f["column"]: f for f in json.loads(result.stdout)["features"]}
    expected, _ = _wasserstein_distance_norm(reference["x"], moved["x"], ColumnType.Numerical, 0.1)
    assert features["x"]["method"] == "wasserstein" and features["x"]["score"] == pytest.approx(expected, rel=1e-12)
    assert features["x"]["drifted"] and features["c"]["method"] == "jensenshannon"


def test_named_columns_only(files):
    folder, _, _ = files
    result = _audit(folder, "moved", "--columns", "c", "--json")
    assert [f["column"] for f in json.loads(result.stdout)["features"]] == ["c"]


def test_missing_column_exits_2_naming_file_and_column(files):
    folder, _, _ = files
    result = _audit(folder, "same", "--columns", "x,nope")
    assert result.exit_code == 2
    assert "no column 'nope'" in result.stderr and "reference.parquet" in result.stderr


def test_only_the_named_columns_are_read_from_parquet_and_csv(files, tmp_path):
    from govflow.datasets import read_dataset

    folder, reference, _ = files
    reference.to_csv(tmp_path / "reference.csv", index=False)
    for uri in (str(folder / "reference.parquet"), str(tmp_path / "reference.csv")):
        loaded = read_dataset(uri, ["c"])
        assert loaded.error is None and list(loaded.frame.columns) == ["c"] and len(loaded.frame) == 3000
        assert loaded.fingerprint == read_dataset(uri).fingerprint  # the whole file is still fingerprinted
        missing = read_dataset(uri, ["c", "nope"])
        assert "has no column 'nope' (columns: x, c)" in missing.error and uri.rsplit("/", 1)[1] in missing.error


def test_fail_on_warn_exits_1_where_a_non_blocking_drift_alone_exits_0(files, tmp_path):
    """Two of eight features drift: below the tier's blocking share (30%), so the verdict approves and exit 0
    says so aloud; --fail-on warn exits 1."""
    rng = np.random.default_rng(3)
    reference = pd.DataFrame({f"x{i}": rng.normal(size=3000) for i in range(8)})
    current = pd.DataFrame({f"x{i}": rng.normal(1.0 if i < 2 else 0.0, 1, 3000) for i in range(8)})
    reference.to_parquet(tmp_path / "reference.parquet", index=False)
    current.to_parquet(tmp_path / "two.parquet", index=False)
    default = _audit(tmp_path, "two")
    assert default.exit_code == 0, default.output
    assert "non-blocking finding(s) above; --fail-on warn makes them exit 1" in default.output
    strict = _audit(tmp_path, "two", "--fail-on", "warn", "--json")
    assert strict.exit_code == 1
    report = json.loads(strict.stdout)
    assert sum(r["status"] == "WARN" for r in report["results"] if r["check_id"] == "drift.feature") >= 2


def test_a_joint_shift_is_reported_by_the_classifier(tmp_path):
    rng = np.random.default_rng(4)

    def population(correlation):
        income = rng.normal(size=4000)
        return pd.DataFrame({"income": income,
                             "debt": correlation * income + np.sqrt(1 - correlation**2) * rng.normal(size=4000)})

    population(0.8).to_parquet(tmp_path / "reference.parquet", index=False)
    population(-0.8).to_parquet(tmp_path / "joint.parquet", index=False)
    result = _audit(tmp_path, "joint", "--json", "--fail-on", "warn")
    report = json.loads(result.stdout)
    joint = next(r for r in report["results"] if r["check_id"] == "drift.multivariate")
    assert joint["status"] == "WARN" and "separating most" in joint["message"]  # non-blocking FAIL
    assert {r["status"] for r in report["results"] if r["check_id"] == "drift.feature"} == {"PASS"}
    assert report["multivariate"]["auc"] > 0.7 and result.exit_code == 1


def test_strings_read_as_dictionary_codes_judge_exactly_as_python_strings(tmp_path):
    """The audit reads string columns as categoricals (Parquet dictionaries, kept across files whose dictionaries
    differ); every drift figure equals the one on plain Python strings."""
    from govflow.audit import audit_drift
    from govflow.datasets import read_dataset
    from govflow.policy_file import load_policy
    from govflow.settings import DEFAULT_POLICY

    rng = np.random.default_rng(12)
    (tmp_path / "current").mkdir()
    reference = pd.DataFrame({"c": rng.choice(list("abc"), 3000), "k": rng.choice(["x", "y"], 3000),
                              "v": rng.normal(size=3000)})
    reference.to_parquet(tmp_path / "reference.parquet", index=False)
    first = pd.DataFrame({"c": rng.choice(list("ab"), 1000), "k": rng.choice(["x"], 1000), "v": rng.normal(size=1000)})
    second = pd.DataFrame({"c": rng.choice(list("bcd"), 1000), "k": rng.choice(["x", "y"], 1000),
                           "v": rng.normal(size=1000)})
    first.to_parquet(tmp_path / "current" / "a.parquet", index=False)
    second.to_parquet(tmp_path / "current" / "b.parquet", index=False)
    coded = read_dataset(str(tmp_path / "current"), dictionary=True).frame
    assert isinstance(coded["c"].dtype, pd.CategoricalDtype) and set(coded["c"].cat.categories) == set("abcd")
    plain = read_dataset(str(tmp_path / "current")).frame
    assert coded["c"].astype(str).tolist() == plain["c"].tolist()
    policy, _ = load_policy(DEFAULT_POLICY)
    reference_codes = read_dataset(str(tmp_path / "reference.parquet"), dictionary=True).frame
    for rows in (3000, 600):  # Jensen-Shannon above 1,000 reference rows; chi-square and the z-test below
        as_codes = audit_drift(reference_codes.iloc[:rows], coded, policy=policy, tier="low")
        as_strings = audit_drift(reference.iloc[:rows], plain, policy=policy, tier="low")
        assert as_codes.features == as_strings.features
        assert [r.status for r in as_codes.results] == [r.status for r in as_strings.results]
    assert {f["method"] for f in as_codes.features} >= {"chisquare", "z"}
