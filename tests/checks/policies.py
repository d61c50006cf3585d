"""Small hand-made policies for check tests; limits here are the test's own, not the shipped ones."""

from govflow.checks.policy import (
    CategorySetRule,
    DataChecks,
    GovernanceChecks,
    MinimumRule,
    NullRateRule,
    NumericRangeRule,
    PerformanceChecks,
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
