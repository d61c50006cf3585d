"""Monitoring steps on broken production data: a column added, one missing, one changed in type, an id
repeated. Each is a finding naming the column, and drift is still computed for the rest."""

import numpy as np
import pandas as pd
import pytest

from govflow.checks.governance_tags import VersionTags
from govflow.checks.results import Status
from govflow.flows import monitoring as step
from govflow.policy_file import load_policy
from govflow.settings import Settings

pytestmark = pytest.mark.usefixtures("prefect_harness")

TAGS = VersionTags.parse({"governance.label": "y", "governance.prediction": "pred", "governance.id_column": "id"})


@pytest.fixture(scope="module")
def broken():
    rng = np.random.default_rng(12)
    reference = pd.DataFrame({"a": rng.normal(size=600), "b": rng.choice(list("pq"), 600),
                              "c": rng.normal(size=600), "y": rng.integers(0, 2, 600)})
    current = pd.DataFrame({"id": [f"r{i}" for i in range(399)] + ["r0"], "a": rng.normal(size=400),
                            "b": rng.integers(0, 3, 400), "d": rng.normal(size=400),
                            "pred": rng.integers(0, 2, 400)})
    policy, _ = load_policy(Settings().policy_file)
    tier = policy.tier("medium")
    tier = tier.model_copy(update={"drift": tier.drift.model_copy(update={"prediction": None})})
    out = step.Collected()
    periods = [("all", current)]
    step.validate(periods, list(current.columns), reference, TAGS, tier, "broken", out)
    step.drift(periods, list(current.columns), reference, None, TAGS, tier, out)
    return out


def test_added_missing_and_retyped_columns_fail_by_name(broken):
    schema = {r.column: r for r in broken.results if r.check_id == "data.schema" and r.status is Status.FAIL}
    assert set(schema) == {"b", "c", "d"}
    assert schema["c"].message == "column 'c' of the reference data is missing"
    assert schema["d"].message == "column 'd' is new: the reference data has no such column"
    assert "is not categorical" in schema["b"].message


def test_drift_is_still_computed_for_the_rest(broken):
    features = {r.column: r for r in broken.results if r.check_id == "drift.feature"}
    assert features["a"].status in (Status.PASS, Status.FAIL) and features["a"].n == 400
    assert features["b"].status is Status.ERROR and "changed type" in features["b"].message
    assert "c" not in features and "d" not in features  # the schema check names them; drift compares shared ones
    share = next(r for r in broken.results if r.check_id == "drift.share")
    # Over both shared features: the retyped one could not be judged, and the share says so.
    assert share.n == 2 and "1 could not be judged (b)" in share.message


def test_a_repeated_decision_id_is_found(broken):
    unique = next(r for r in broken.results if r.check_id == "data.unique")
    assert unique.status is Status.FAIL and unique.column == "id" and unique.value == pytest.approx(2 / 400)
