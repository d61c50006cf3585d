"""Pure governance logic: data and a typed policy in, results out.

Nothing in this package does I/O or imports Prefect, MLflow or Great Expectations.
Every check id is a stable dotted name used alike in the policy YAML, the results,
the evidence artifact names and the test ids.
"""

from checks.results import CheckResult, Status

# The registry: check id -> what it judges. The policy chooses from this table per tier.
CHECKS: dict[str, str] = {
    "governance.required_tags": "every tag the policy requires is set on the version or its model",
    "data.readable": "the dataset the check needs can be read and has rows",
    "data.schema": "every column the model and policy need is present with the reference type",
    "data.null_rate": "a column's null share is at most the reference share plus the allowed increase",
    "data.numeric_range": "the share of values outside the widened reference range is within the limit",
    "data.category_set": "the share of categories unseen in the reference is within the limit",
    "performance.auc": "ROC AUC on the evaluation data is at least the tier's minimum",
    "performance.accuracy": "accuracy on the evaluation data is at least the tier's minimum",
}

__all__ = ["CHECKS", "CheckResult", "Status"]
