"""Pure governance logic: data and a typed policy in, results out.

Nothing in this package does I/O or imports Prefect, MLflow or Great Expectations.
Every check id is a stable dotted name used alike in the policy YAML, the results,
the evidence artifact names and the test ids.
"""

from govflow.checks.results import CheckResult, Status

# The registry: check id -> what it judges. The policy chooses from this table per tier.
CHECKS: dict[str, str] = {
    "governance.required_tags": "every tag the policy requires is set on the version or its model",
    "governance.risk_assessment": "the tier judged by rests on a risk assessment on file, and the declared tier is not lower",
    "governance.waivers": "each waiver of the version still applies (WARN once it has expired)",
    "governance.signoff": "every role the tier names has signed the version off, each a different person",
    "governance.serving": "a version that holds an alias (serves) has an approved status",
    "data.readable": "the dataset the check needs can be read and has rows",
    "data.schema": "every column the model and policy need is present with the reference type",
    "data.null_rate": "a column's null share is at most the reference share plus the allowed increase",
    "data.numeric_range": "the share of values outside the widened reference range is within the limit",
    "data.category_set": "the share of categories unseen in the reference is within the limit",
    "data.unique": "a column declared unique (the decision id, governance.id_column) repeats no value",
    "performance.auc": "ROC AUC on the labelled rows is at least the tier's minimum",
    "performance.accuracy": "accuracy on the labelled rows is at least the tier's minimum",
    "performance.precision": "precision (share of predicted positives that are positive) is at least the minimum",
    "performance.recall": "recall (share of positives predicted positive) is at least the minimum",
    "performance.log_loss": "log loss of the scores is at most the maximum",
    "performance.brier": "Brier score of the scores is at most the maximum",
    "performance.decay.auc": "AUC over the rolling window is at most the allowed drop below the validation baseline",
    "performance.decay.accuracy": "accuracy over the rolling window has not dropped more than allowed since validation",
    "performance.decay.precision": "precision over the rolling window has not dropped more than allowed since validation",
    "performance.decay.recall": "recall over the rolling window has not dropped more than allowed since validation",
    "performance.decay.log_loss": "log loss over the rolling window has not risen more than allowed since validation",
    "performance.decay.brier": "Brier score over the rolling window has not risen more than allowed since validation",
    "fairness.demographic_parity_difference": "largest gap in selection rate between groups is within the limit",
    "fairness.demographic_parity_ratio": "lowest over highest selection rate (disparate impact) is at least the limit",
    "fairness.equalized_odds_difference": "the larger of the TPR and FPR gaps between groups is within the limit",
    "fairness.equalized_odds_ratio": "the smaller of the TPR and FPR ratios between groups is at least the limit",
    "fairness.equal_opportunity_difference": "largest gap in true positive rate between groups is within the limit",
    "fairness.predictive_parity_difference": "largest gap in precision (PPV) between groups is within the limit",
    "fairness.calibration_gap": "largest gap in expected calibration error between groups is within the limit",
    "drift.feature": "a feature's distribution has not drifted from the reference (significant and large enough)",
    "drift.share": "the share of drifted features is within the limit, counting features that could not be judged",
    "drift.missing": "a column's share of missing (null or infinite) values has not moved beyond the limit",
    "drift.prediction": "the model's predictions have not drifted from its predictions on the reference data",
    "drift.label": "the outcome rate has not drifted from the reference data's",
    "lifecycle.review": "a serving version was gated (reviewed) within the tier's review cadence",
    "lifecycle.owner": "a serving version's model names an accountable owner",
    "lifecycle.monitoring": "a serving version has monitored production data newer than the tier allows",
    "lifecycle.superseded": "no newer approved version serves while this one still holds an alias",
    "documentation.model_card": "each model card field the policy requires is documented (no placeholder)",
    "explainability.importance": "permutation importance of every input was measured through the registered model",
    "explainability.stability": "the importance ranking on recent labelled data still agrees with the one at approval",
    "proxy.association": "an input's association with a sensitive attribute (Cramer's V) is within the limits",
    "proxy.predictability": "the inputs together predict a sensitive attribute no better than the limits allow (AUC)",
    "robustness.noise": "small noise on the numeric inputs flips no more decisions than the limit",
    "robustness.monotonic": "the score moves the way each declared monotonic relationship says (tag governance.monotonic)",
    "robustness.missing_value": "a missing value in each input gets a prediction or a clear rejection, never a crash",
    "feedback.stakeholder": "no stakeholder feedback at or above the policy's severity is unresolved",
    "lifecycle.retirement": "a retiring version holds no alias and its evidence is complete and kept",
}

__all__ = ["CHECKS", "CheckResult", "Status"]
