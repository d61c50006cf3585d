"""Small hand-made policies for check tests; limits here are the test's own, not the shipped ones."""

from govflow.checks.policy import (
    CategorySetRule,
    DataChecks,
    FairnessChecks,
    GovernanceChecks,
    MaximumRule,
    MinimumRule,
    NullRateRule,
    NumericRangeRule,
    PerformanceChecks,
    RatioRule,
    Rule,
    TierPolicy,
)


def tier(*, blocking: bool = True, auc_min: float = 0.75, acc_min: float = 0.7, min_samples: int = 10) -> TierPolicy:
    return TierPolicy(
        governance=GovernanceChecks(required_tags=Rule(blocking=True)),
        data=DataChecks(
            readable=Rule(blocking=True), schema=Rule(blocking=True),
            null_rate=NullRateRule(blocking=blocking, max_increase=0.05),
            numeric_range=NumericRangeRule(blocking=blocking, tolerance=0.1, max_outside=0.01),
            category_set=CategorySetRule(blocking=blocking, max_unseen=0.0), unique=Rule(blocking=blocking),
        ),
        performance=PerformanceChecks(
            auc=MinimumRule(blocking=blocking, min=auc_min, min_samples=min_samples),
            accuracy=MinimumRule(blocking=blocking, min=acc_min, min_samples=min_samples),
        ),
    )


def fairness_rules(**overrides) -> FairnessChecks:
    """Fairness limits of 0.1 on the gaps and four-fifths on the ratios, judged on intervals (INCONCLUSIVE)."""
    values = {"min_group_size": 30, "max_groups": 50, "min_class_count": 10, "resamples": 200, "seed": 1,
              "on_straddle": "INCONCLUSIVE", "compare": "between_groups", "ece_bins": 10,
              "demographic_parity_difference": MaximumRule(max=0.1), "demographic_parity_ratio": RatioRule(min=0.8),
              "equalized_odds_difference": MaximumRule(max=0.1), "equal_opportunity_difference": MaximumRule(max=0.1)}
    return FairnessChecks(**(values | overrides))
