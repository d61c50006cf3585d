"""The check registry: complete (every check has a test and a control, every policy id an entry) and the one
place that says which job expects which check."""

import ast
import re
from functools import cache
from pathlib import Path

import pytest

from govflow.checks import CHECKS
from govflow.checks.check_registry import EVERYTHING, REGISTRY, Need, Stage, expected_at, not_expected_at
from govflow.checks.governance_tags import VersionTags
from govflow.checks.robustness import MONOTONIC_TAG
from govflow.policy_file import load_controls, load_policy
from govflow.settings import DEFAULT_CONTROLS, DEFAULT_POLICY

TESTS = Path(__file__).resolve().parent.parent
POLICY = load_policy(DEFAULT_POLICY)[0]


@cache
def _ids_tests_name() -> frozenset[str]:
    """Every dotted name a test function names in its code or decorators (a string it holds, or a word of
    one): "fairness.demographic_parity_ratio" names that check and not `fairness.demographic_parity`."""
    names: set[str] = set()
    for path in TESTS.rglob("test_*.py"):
        if path.name == "test_check_registry.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_"):
                for part in (*node.decorator_list, node):
                    for leaf in ast.walk(part):
                        if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str):
                            names.update(re.findall(r"[a-z_]+(?:\.[a-z_0-9]+)+", leaf.value))
    return frozenset(names)


@pytest.mark.parametrize("check_id", sorted(CHECKS))
def test_every_check_has_a_test(check_id):
    assert check_id in _ids_tests_name(), f"no test function names {check_id}"


def test_a_check_named_only_inside_a_longer_name_has_no_test():
    # The guard above reads names whole: a longer id that merely starts with a check's id does not count.
    assert "drift.share" in _ids_tests_name()
    assert "drift.shar" not in _ids_tests_name()


@pytest.mark.parametrize("check_id", sorted(CHECKS))
def test_every_check_has_a_control(check_id):
    controls = [c.id for c in load_controls(DEFAULT_CONTROLS).controls if check_id in c.checks]
    assert controls, f"no control in controls.yaml maps {check_id}"


def test_every_check_the_shipped_policy_runs_is_registered_and_judged_by_some_job():
    for name, tier in POLICY.tiers.items():
        for check_id in tier.enabled_check_ids():
            assert check_id in REGISTRY, f"tier {name}: {check_id} has no registry entry"
            assert REGISTRY[check_id].stages, check_id


def test_the_gate_and_the_nightly_run_split_the_checks_by_stage():
    high = POLICY.tier("high")
    gate, night = set(expected_at(Stage.GATE, high)), set(expected_at(Stage.MONITORING, high))
    assert "explainability.importance" in gate - night  # measured once, at approval
    assert {"explainability.stability", "governance.serving"} <= night - gate
    assert not any(c.startswith(("drift.", "performance.decay.", "lifecycle.", "feedback.")) for c in gate)
    assert {c for c in night if c.startswith("performance.decay.")}, "the shipped high tier judges decay"
    # Whatever a job does not expect is exactly what decide() is told not to wait for.
    assert set(not_expected_at(Stage.GATE, high)) == set(high.enabled_check_ids()) - gate


def test_what_a_night_has_decides_what_it_expects():
    high = POLICY.tier("high")
    no_rows = set(expected_at(Stage.MONITORING, high, has={Need.DATA}))
    assert "data.schema" in no_rows and not any(c.startswith(("fairness.", "drift.", "performance.")) for c in no_rows)
    rows = set(expected_at(Stage.MONITORING, high, has={Need.DATA, Need.ROWS}))
    assert {c for c in rows if c.startswith(("fairness.", "drift."))} and not any(c.startswith("performance.") for c in rows)
    everything = set(expected_at(Stage.MONITORING, high, has=EVERYTHING))
    assert "performance.auc" in everything and "explainability.stability" in everything
    # Outcome drift is judged where it was produced, never waited for.
    assert "drift.label" not in everything
    assert "drift.label" in expected_at(Stage.MONITORING, high, produced={"drift.label"})


def test_a_check_asked_for_by_declaration_applies_only_when_declared_unless_policy_requires_it():
    assert REGISTRY["robustness.monotonic"].declared_by == "monotonic"
    assert VersionTags.parse({MONOTONIC_TAG: "income:+"}).monotonic == "income:+"
    high = POLICY.tier("high")
    rule = high.robustness.monotonic
    assert rule is not None
    required = rule.require_declaration
    expected = "robustness.monotonic" in expected_at(Stage.GATE, high, VersionTags.parse({}))
    assert expected is required
    assert "robustness.monotonic" in expected_at(Stage.GATE, high, VersionTags.parse({MONOTONIC_TAG: "income:increasing"}))


def test_a_check_without_a_method_for_the_tiers_task_is_not_judged_for_it():
    """robustness.noise counts a binary classifier's flipped decisions: the tier judges it for a binary
    classifier, not for the same tier's regression; a regression's decay only for a regression."""
    from govflow.checks.check_registry import judges
    from govflow.checks.model_task import ModelTask

    tier = POLICY.tier("high")
    assert judges("robustness.noise", tier)
    assert not judges("robustness.noise", tier.for_task(ModelTask.REGRESSION))
    assert judges("explainability.stability", tier.for_task(ModelTask.REGRESSION))  # importance by the task's loss
    assert judges("performance.decay.mae", tier.for_task(ModelTask.REGRESSION))
    assert not judges("performance.decay.mae", tier)  # a classifier's tier sets no such rule
