"""Telling a version's task from its tag, its model's outputs and its outcomes (checks/model_task.py)."""

import numpy as np
import pytest

from govflow.checks.model_task import ModelTask, tell_task

BINARY, MULTI, REGRESSION = ModelTask.BINARY, ModelTask.MULTICLASS, ModelTask.REGRESSION


@pytest.mark.parametrize(("labels", "width", "predictions", "expected"), [
    (np.array([0, 1, 1, 0]), 2, None, BINARY),  # a classifier with probabilities
    (np.array([0, 1, 1, 0]), None, np.array([0, 1, 0, 0]), BINARY),  # classes only, 0/1 outcomes
    (np.array(["yes", "no", "no"], dtype=object), None, None, BINARY),  # named classes
    (np.array([0, 2, 1, 2]), 3, None, MULTI),  # three class probabilities
    (np.array(["card", "loan", "savings"], dtype=object), None, None, MULTI),
    (np.array([1200.5, 830.0, 99.9]), None, np.array([1100.2, 900.7, 120.0]), REGRESSION),  # severities
    (np.array([1, 0, 1, 1]), None, np.array([1.31, 0.02, 0.77, 0.9]), REGRESSION),  # not a probability
])
def test_the_task_is_inferred_where_model_and_data_say_it(labels, width, predictions, expected):
    found = tell_task(None, labels, width, predictions)
    assert found.task is expected and found.error is None
    assert found.source.startswith("inferred")


def test_fractions_against_0_and_1_outcomes_are_scores_unless_the_tag_says_a_share():
    # A classifier that gives one score column, or a model predicting a share (a loss-given-default): both fit;
    # untagged they are read as a classifier's scores, as every binary model registered before the tag was.
    labels, fractions = np.array([1, 0, 1, 1]), np.array([0.31, 0.02, 0.77, 0.9])
    found = tell_task(None, labels, None, fractions)
    assert found.task is BINARY and "scores in [0, 1]" in found.source
    assert tell_task("binary", labels, None, fractions).task is BINARY
    assert tell_task("regression", labels, None, fractions).task is REGRESSION


def test_whole_number_outcomes_beyond_0_and_1_need_the_tag():
    counts = np.array([0, 3, 1, 2, 5])
    found = tell_task(None, counts, None, np.array([0, 2, 1, 2, 4]))
    assert found.task is None and "governance.task" in (found.error or "")
    assert tell_task("regression", counts, None, np.array([0, 2, 1, 2, 4])).task is REGRESSION
    assert tell_task("multiclass", counts, None, np.array([0, 2, 1, 2, 4])).task is MULTI


@pytest.mark.parametrize(("declared", "labels", "width", "named"), [
    ("regression", np.array([0, 2, 1]), 3, ["regression", "probabilities for 3 classes", "multiclass"]),
    ("binary", np.array(["a", "b", "c"], dtype=object), None, ["binary", "3 named classes", "multiclass"]),
    ("multiclass", np.array([10.5, 3.2, 8.8]), None, ["multiclass", "not whole", "regression"]),
])
def test_a_tag_that_contradicts_the_data_is_an_error_naming_both(declared, labels, width, named):
    found = tell_task(declared, labels, width, None)
    assert found.task is None
    assert all(part in (found.error or "") for part in named), found.error


def test_an_unknown_task_tag_names_the_allowed_values():
    found = tell_task("ordinal", np.array([0, 1]), 2, None)
    assert found.task is None
    assert found.error == "tag governance.task is 'ordinal'; it must be one of binary, multiclass, regression"


def test_a_declared_task_the_data_cannot_contradict_is_taken_as_declared():
    found = tell_task(" Regression ", None, None, None)
    assert found.task is REGRESSION and found.source == "declared by tag governance.task"
