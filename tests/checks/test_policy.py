from pathlib import Path

import pytest
from pydantic import ValidationError

from govflow.checks import CHECKS
from govflow.checks.model_task import ModelTask
from govflow.checks.policy import TIER_NAMES, Policy, PolicyError, parse_policy
from govflow.policy_file import load_policy
from govflow.settings import DEFAULT_POLICY

SHIPPED = DEFAULT_POLICY.read_text()


def test_shipped_policy_loads_every_tier():
    policy, digest = load_policy(DEFAULT_POLICY)
    assert set(policy.tiers) == set(TIER_NAMES)
    assert len(digest) == 64
    assert policy.unassessed_tier == "high"


def test_shipped_policy_round_trips_through_json():
    policy = parse_policy(SHIPPED, "policy.yaml")
    assert Policy.model_validate_json(policy.model_dump_json(by_alias=True)) == policy


def test_every_check_a_tier_can_enable_is_registered():
    policy = parse_policy(SHIPPED, "policy.yaml")
    for name in TIER_NAMES:
        assert set(policy.tier(name).enabled_check_ids()) <= set(CHECKS)
    high = policy.tier("high")
    every_task = {c for task in ModelTask for c in high.for_task(task).enabled_check_ids()}
    assert every_task == set(CHECKS)


def test_a_tiers_performance_and_fairness_rules_are_its_tasks():
    high = parse_policy(SHIPPED, "policy.yaml").tier("high")
    regression = high.for_task(ModelTask.REGRESSION)
    assert "performance.auc" in high.enabled_check_ids() and "performance.mae" not in high.enabled_check_ids()
    assert regression.rule("performance.mae").max_relative == 0.50 and regression.rule("performance.auc") is None
    assert regression.rule("data.schema") == high.rule("data.schema")  # every other family is the tier's own
    assert regression.task is ModelTask.REGRESSION and high.task is ModelTask.BINARY
    multiclass = high.for_task(ModelTask.MULTICLASS)
    assert multiclass.rule("performance.accuracy").min == 0.60 != high.rule("performance.accuracy").min
    assert multiclass.performance.auc is None and multiclass.fairness is None  # no classifier rule read directly
    # A task the tier has no section for runs no performance or fairness rule, rather than a classifier's.
    bare = high.model_copy(update={"multiclass": None}).for_task(ModelTask.MULTICLASS)
    assert bare.enabled_check_ids("performance") == bare.enabled_check_ids("fairness") == []


def test_policy_is_frozen():
    policy = parse_policy(SHIPPED, "policy.yaml")
    with pytest.raises(ValidationError, match="frozen"):
        policy.tier("high").performance.auc.min = 0.1  # type: ignore[misc]


def test_rule_lookup_by_check_id():
    tier = parse_policy(SHIPPED, "policy.yaml").tier("medium")
    assert tier.rule("performance.auc").min == 0.70
    assert tier.rule("data.schema").blocking is True
    assert tier.rule("data.numeric_range").blocking is False
    assert tier.rule("fairness.unknown") is None
    assert tier.rule("nonsense") is None


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "key", "says"),
    [
        ("max_increase: 0.05", "max_increse: 0.05", "tiers.medium.data.null_rate.max_increse", "unknown key"),
        ("min: 0.70, min_samples: 100", "min: lots, min_samples: 100", "tiers.medium.performance.auc.min",
         "valid number"),
        ("max_unseen: 0.01", "max_unseen: 1.5", "tiers.medium.data.category_set.max_unseen", "less than or equal"),
        ("unassessed_tier: high", "unassessed_tier: severe", "unassessed_tier", "'high', 'medium' or 'low'"),
        ("confidence: 0.95", "confidence: 95", "confidence", "less than 1"),
    ],
)
def test_malformed_policy_names_file_key_and_line(old, new, key, says):
    assert old in SHIPPED
    text = SHIPPED.replace(old, new, 1)
    with pytest.raises(PolicyError) as err:
        parse_policy(text, "config/policy.yaml")
    message = str(err.value)
    line = _line_of(text, new)
    assert f"config/policy.yaml, line {line}: key '{key}'" in message
    assert says in message


def test_unknown_check_in_a_family_is_an_unknown_key():
    text = SHIPPED.replace("      auc: {blocking: true, min: 0.75, min_samples: 200}",
                           "      auc: {blocking: true, min: 0.75, min_samples: 200}\n      f1: {blocking: true}", 1)
    with pytest.raises(PolicyError, match=r"line \d+: key 'tiers.high.performance.f1': unknown key"):
        parse_policy(text, "p.yaml")


def test_missing_tier_is_named():
    text = SHIPPED[: SHIPPED.index("  low:")]
    with pytest.raises(PolicyError, match=r"p.yaml, line \d+: key 'tiers': missing tier\(s\) \['low'\]"):
        parse_policy(text, "p.yaml")


def test_invalid_yaml_gives_the_line():
    with pytest.raises(PolicyError, match=r"^p.yaml, line 2: not valid YAML: mapping values are not allowed"):
        parse_policy("version: 1\nconfidence: 0.95: 0.9\ntiers: {}\n", "p.yaml")


def test_policy_must_be_a_mapping():
    with pytest.raises(PolicyError, match="the file must be a mapping"):
        parse_policy("- just\n- a list\n", "p.yaml")


def test_unreadable_policy_file_names_the_path(tmp_path: Path):
    with pytest.raises(PolicyError, match="cannot read the policy file"):
        load_policy(tmp_path / "absent.yaml")
