"""Fairness metrics on 1,000,000 rows: govflow against Fairlearn's MetricFrame, in the same run.

    .venv/bin/python bench/fairness.py [--rows N]

Two sensitive features (race with 5 groups, sex with 2) and their intersection. Every per-group
figure (selection rate, TPR, FPR, FNR, PPV, accuracy, AUC, Brier, ECE) and every disparity.
Fairlearn gets one MetricFrame per level with the same nine metrics. govflow's run also includes
its bootstrap intervals (the policy's minimum, 100 resamples). Separately, 1,000 resamples are timed.
"""

from __future__ import annotations

from harness import measure, report, rows_argument


def make_data(rows: int):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    sensitive = pd.DataFrame({"race": rng.choice(["White", "Black", "Hispanic", "Asian", "Other"], rows,
                                                 p=[0.6, 0.13, 0.17, 0.06, 0.04]),
                              "sex": rng.choice(["female", "male"], rows)})
    y = rng.integers(0, 2, rows)
    score = np.round(np.clip(0.3 * y + rng.random(rows) * 0.7, 0, 1), 4)
    pred = (score > 0.5).astype(int)
    return y, pred, score, sensitive


def _rules(resamples: int):
    from govflow.checks.policy import FairnessChecks, MaximumRule, RatioRule

    return FairnessChecks(
        min_group_size=30, min_class_count=10, resamples=resamples, seed=1, on_straddle="INCONCLUSIVE",
        compare="between_groups", ece_bins=10, max_groups=50,
        demographic_parity_difference=MaximumRule(max=0.1), demographic_parity_ratio=RatioRule(min=0.8),
        equalized_odds_difference=MaximumRule(max=0.1), equalized_odds_ratio=RatioRule(min=0.8),
        equal_opportunity_difference=MaximumRule(max=0.1), predictive_parity_difference=MaximumRule(max=0.1),
        calibration_gap=MaximumRule(max=0.05))


def govflow_metrics(y, pred, score, sensitive):
    from govflow.checks.fairness import fairness_audit

    return fairness_audit(y, pred, sensitive, _rules(100), 0.95, score=score)


def govflow_bootstrap_1000(y, pred, score, sensitive):
    from govflow.checks.fairness import fairness_audit

    return fairness_audit(y, pred, sensitive, _rules(1000), 0.95, score=score)


def fairlearn_metricframe(y, pred, score, sensitive):
    import numpy as np
    from fairlearn.metrics import (
        MetricFrame,
        false_negative_rate,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score, brier_score_loss, precision_score, roc_auc_score

    def ece(y_true, y_prob):
        bins = np.clip((np.asarray(y_prob) * 10).astype(int), 0, 9)
        n = len(bins)
        gap = np.abs(np.bincount(bins, weights=y_true, minlength=10) - np.bincount(bins, weights=y_prob, minlength=10))
        return gap.sum() / n if n else np.nan

    class_metrics = {"selection_rate": selection_rate, "tpr": true_positive_rate, "fpr": false_positive_rate,
                     "fnr": false_negative_rate, "ppv": precision_score, "accuracy": accuracy_score}
    score_metrics = {"auc": roc_auc_score, "brier": brier_score_loss, "ece": ece}
    out = []
    for features in (["race"], ["sex"], ["race", "sex"]):
        by_class = MetricFrame(metrics=class_metrics, y_true=y, y_pred=pred, sensitive_features=sensitive[features])
        by_score = MetricFrame(metrics=score_metrics, y_true=y, y_pred=score, sensitive_features=sensitive[features])
        out.append((by_class.difference(), by_class.ratio(), by_score.difference()))
    return out


def warm(fn) -> None:
    fn(*make_data(2000))


def main() -> None:
    rows = rows_argument(__doc__)
    print(f"rows={rows:,}; levels: race, sex, race&sex")
    ours = measure("fairness", "govflow_metrics", (rows,))
    ref = measure("fairness", "fairlearn_metricframe", (rows,), repeats=1)
    report("all per-group figures and disparities", ("govflow", ours), ("fairlearn MetricFrame", ref))
    seconds, peak = measure("fairness", "govflow_bootstrap_1000", (rows,))
    print(f"govflow with 1,000 bootstrap resamples: {seconds:.3f} s  peak +{peak:.1f} MiB")


if __name__ == "__main__":
    main()
