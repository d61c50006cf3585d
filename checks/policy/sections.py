"""The policy's sections: one model per check family (data, performance, fairness, drift, ...), each a set of
named rules; a rule left out of a section is a check the tier does not run."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from govflow.checks.limits import Straddle
from govflow.checks.policy.rules import (
    BandRule,
    CategorySetRule,
    DecayRule,
    EstimatedFairnessRule,
    EstimatedRule,
    EstimationErrorRule,
    FeedbackRule,
    FixWithin,
    Frozen,
    LifetimeDecayRule,
    LifetimeDriftRule,
    LifetimeFairnessRule,
    LossRule,
    MaximumRule,
    MinimumRule,
    MissingShareRule,
    ModelCardRule,
    MonotonicRule,
    MultivariateRule,
    NoiseRule,
    NullRateRule,
    NumericRangeRule,
    RatioRule,
    Rule,
    ScaledMaximumRule,
    SignoffRule,
    StabilityRule,
    StaleRule,
)
from govflow.checks.policy.task_rules import (
    MulticlassDecayRule,
    MulticlassEstimatedRule,
    MulticlassEstimationErrorRule,
    MulticlassLifetimeRule,
    RegressionDecayRule,
    RegressionEstimatedFairnessRule,
    RegressionEstimatedRule,
    RegressionEstimationErrorRule,
)


class FairnessChecks(Frozen):
    """Group-fairness limits and how they are judged.

    A group smaller than `min_group_size`, or with fewer than `min_class_count` of the rows a
    metric divides by (positives for TPR, negatives for FPR, predicted positives for PPV), is
    reported but left out of that comparison. An interval wholly within the limit passes, wholly
    beyond fails, and one that straddles it is `on_straddle`. A sensitive column with more than
    `max_groups` distinct values (an identifier, a continuous value) is refused: it must be binned.
    """

    min_group_size: int = Field(ge=1)
    max_groups: int = Field(ge=2)
    min_class_count: int = Field(ge=1)
    resamples: int = Field(ge=100)
    seed: int
    on_straddle: Literal["INCONCLUSIVE", "WARN"]
    compare: Literal["between_groups", "to_reference"]
    reference_groups: dict[str, str] = Field(default_factory=dict)
    ece_bins: int = Field(ge=2, le=100)
    demographic_parity_difference: MaximumRule | None = None
    demographic_parity_ratio: RatioRule | None = None
    equalized_odds_difference: MaximumRule | None = None
    equalized_odds_ratio: RatioRule | None = None
    equal_opportunity_difference: MaximumRule | None = None
    predictive_parity_difference: MaximumRule | None = None
    calibration_gap: MaximumRule | None = None
    estimated: EstimatedFairnessRule | None = None
    lifetime: LifetimeFairnessRule | None = None

    @model_validator(mode="after")
    def _estimates_have_twins(self) -> FairnessChecks:
        """An estimated or lifetime gap is held to its realised twin's limit, so the twin must be set."""
        for section, gaps in (("estimated", self.estimated.gaps if self.estimated else ()),
                              ("lifetime", self.lifetime.gaps if self.lifetime else ())):
            for gap in gaps:
                if getattr(self, gap) is None:
                    raise ValueError(f"{section}.gaps names {gap}, which this tier does not limit: set {gap}.max")
        return self


class DriftThresholds(Frozen):
    """Per method: a distance at or above it is drift (wasserstein, jensenshannon, psi); a
    Benjamini-Hochberg adjusted p-value at or below it is significant (ks, chisquare, z)."""

    wasserstein: float = Field(gt=0)
    jensenshannon: float = Field(gt=0)
    psi: float = Field(gt=0)
    ks: float = Field(gt=0, lt=1)
    chisquare: float = Field(gt=0, lt=1)
    z: float = Field(gt=0, lt=1)


class DriftEffects(Frozen):
    """Smallest change that counts for a p-value test, so a huge sample's tiny shift is not drift:
    the KS statistic, the total variation distance of categories, the difference in proportions."""

    ks: float = Field(ge=0, le=1)
    chisquare: float = Field(ge=0, le=1)
    z: float = Field(ge=0, le=1)


class DriftChecks(Frozen):
    """Drift per feature and the share of drifted features; fewer than `min_samples` rows on
    either side is INCONCLUSIVE. The verdict uses every row; Evidently's HTML report, which grows
    with the data, is drawn on a seeded sample of at most `report_rows` rows per side."""

    min_samples: int = Field(ge=1)
    report_rows: int = Field(ge=100)
    # When a monitoring night renders Evidently's report (about a second a model): every night, only a night with
    # a drift result that is not a PASS, or never; `sample.json` records each night's choice.
    report: Literal["always", "on_finding", "never"] = "always"
    seed: int
    thresholds: DriftThresholds
    min_effect: DriftEffects
    feature: Rule | None = None
    share: MaximumRule | None = None
    # The share of missing (null or infinite) values in a column may move by at most `max` (0.05: 5 points).
    missing: MaximumRule | None = None
    prediction: Rule | None = None
    label: Rule | None = None
    lifetime: LifetimeDriftRule | None = None
    multivariate: MultivariateRule | None = None


class GovernanceChecks(Frozen):
    required_tags: Rule | None = None
    risk_assessment: Rule | None = None
    waivers: Rule | None = None
    signoff: SignoffRule | None = None
    serving: Rule | None = None
    task: Rule | None = None


class DataChecks(Frozen):
    readable: Rule | None = None
    schema_: Rule | None = Field(default=None, alias="schema")
    null_rate: NullRateRule | None = None
    missing_share: MissingShareRule | None = None
    numeric_range: NumericRangeRule | None = None
    category_set: CategorySetRule | None = None
    unique: Rule | None = None


class PerformanceChecks(Frozen):
    """Limits on model-level metrics, each judged with its interval; `on_straddle` says what a metric whose
    interval reaches across its limit earns (by default its point estimate decides between WARN and FAIL)."""

    on_straddle: Straddle = Straddle.POINT
    auc: MinimumRule | None = None
    accuracy: MinimumRule | None = None
    precision: MinimumRule | None = None
    recall: MinimumRule | None = None
    log_loss: LossRule | None = None
    brier: LossRule | None = None
    decay: DecayRule | None = None
    estimated: EstimatedRule | None = None
    estimation_error: EstimationErrorRule | None = None
    lifetime: LifetimeDecayRule | None = None


class RegressionPerformance(Frozen):
    """Limits on a regression's errors, each judged on a seeded bootstrap interval (`resamples`), the mean
    residual (calibration in the large) on its t interval: MAE, RMSE and the mean residual's size as shares of
    the reference outcomes' mean absolute value, R² as a floor."""

    resamples: int = Field(ge=100)
    seed: int
    on_straddle: Straddle = Straddle.POINT
    mae: ScaledMaximumRule | None = None
    rmse: ScaledMaximumRule | None = None
    r2: MinimumRule | None = None
    mean_residual: ScaledMaximumRule | None = None
    decay: RegressionDecayRule | None = None  # monitoring only, as the classifier's
    estimated: RegressionEstimatedRule | None = None  # monitoring only, for periods awaiting outcomes
    estimation_error: RegressionEstimationErrorRule | None = None


class RegressionFairness(Frozen):
    """Group fairness of continuous outcomes and decisions, each gap on a group-stratified bootstrap interval:
    the largest between-group difference of MAE and of the mean residual (shares of the reference outcomes'
    mean absolute value), and the lowest group's mean prediction over the highest's. Groups under
    `min_group_size` rows are shown and left out; a sensitive column with more than `max_groups` values is
    refused (bin it)."""

    min_group_size: int = Field(ge=1)
    max_groups: int = Field(ge=2)
    resamples: int = Field(ge=100)
    seed: int
    on_straddle: Literal["INCONCLUSIVE", "WARN"]
    mae_difference: ScaledMaximumRule | None = None
    mean_prediction_ratio: RatioRule | None = None
    mean_residual_difference: ScaledMaximumRule | None = None
    estimated: RegressionEstimatedFairnessRule | None = None  # monitoring only, for periods awaiting outcomes


class RegressionChecks(Frozen):
    """What a regression is judged by in place of a classifier's performance and fairness sections: its rules
    keep the families' check ids (`performance.mae`, `fairness.mae_difference`)."""

    performance: RegressionPerformance | None = None
    fairness: RegressionFairness | None = None


class MulticlassPerformance(Frozen):
    """Limits on a multiclass classifier: accuracy and each class's recall on Wilson intervals, macro F1 on a
    seeded bootstrap (`resamples`), log loss (when the model gives class probabilities) on a normal interval."""

    resamples: int = Field(ge=100)
    seed: int
    on_straddle: Straddle = Straddle.POINT
    accuracy: MinimumRule | None = None
    macro_f1: MinimumRule | None = None
    log_loss: LossRule | None = None
    class_recall: MinimumRule | None = None
    decay: MulticlassDecayRule | None = None  # monitoring only, as the classifier's
    estimated: MulticlassEstimatedRule | None = None  # monitoring only, for periods awaiting outcomes
    estimation_error: MulticlassEstimationErrorRule | None = None
    lifetime: MulticlassLifetimeRule | None = None  # monitoring only, over the deployment's life


class MulticlassFairness(Frozen):
    """Fairness one class against the rest: the largest over classes of the between-group gap in the rate of
    being assigned the class (demographic parity) and in its true- and false-positive rates (equalized odds),
    on a group-stratified bootstrap interval. Groups under `min_group_size` rows are left out; a sensitive column
    with more than `max_groups` values is refused (bin it)."""

    min_group_size: int = Field(ge=1)
    max_groups: int = Field(ge=2)
    resamples: int = Field(ge=100)
    seed: int
    on_straddle: Literal["INCONCLUSIVE", "WARN"]
    demographic_parity_difference: MaximumRule | None = None
    equalized_odds_difference: MaximumRule | None = None


class MulticlassChecks(Frozen):
    """What a multiclass classifier is judged by in place of a binary classifier's performance and fairness
    sections, under the same check ids where the measure is the same (`performance.accuracy`)."""

    performance: MulticlassPerformance | None = None
    fairness: MulticlassFairness | None = None


class Lifecycle(Frozen):
    """How often a version of this tier is reviewed by people, how long its evidence is kept, how long its
    findings may stay open, and the checks the retirement sweep runs (`lifecycle.<check>`)."""

    review_every_days: int = Field(ge=1)
    retention_years: int = Field(ge=1)
    fix_within_days: FixWithin
    review: Rule | None = None
    owner: Rule | None = None
    monitoring: StaleRule | None = None
    superseded: Rule | None = None
    retirement: Rule | None = None


class DocumentationChecks(Frozen):
    model_card: ModelCardRule | None = None


class ExplainabilityChecks(Frozen):
    """Permutation importance through the registered model on a seeded sample of at most `sample_rows`
    rows, `repeats` permutations per feature; partial dependence over `grid_points` values for the
    `top_features` most important features."""

    sample_rows: int = Field(ge=50)
    repeats: int = Field(ge=2)
    seed: int
    top_features: int = Field(ge=1)
    grid_points: int = Field(ge=2, le=100)
    importance: Rule | None = None
    stability: StabilityRule | None = None


class ProxyChecks(Frozen):
    """How much the model's inputs reveal the sensitive attributes, on a seeded sample of at most
    `sample_rows` rows. `predictability`: the cross-validated (`folds`) AUC of a classifier predicting each
    attribute from the inputs (0.5 is chance). `association`: Cramer's V of each input with each attribute,
    a numeric input cut into `bins` quantile bins (0 is none, 1 is a perfect proxy)."""

    sample_rows: int = Field(ge=100)
    folds: int = Field(ge=2, le=20)
    bins: int = Field(ge=2, le=50)
    seed: int
    predictability: BandRule | None = None
    association: BandRule | None = None


class RobustnessChecks(Frozen):
    """Perturbation tests on a seeded sample of at most `sample_rows` evaluation rows. `missing_value`: a
    missing value in each input must give a prediction or a clear rejection, never a crash or a NaN."""

    sample_rows: int = Field(ge=50)
    seed: int
    # A flip rate whose interval reaches across `noise.max` is WARN: within it on the point is not shown within.
    on_straddle: Straddle = Straddle.WARN
    noise: NoiseRule | None = None
    monotonic: MonotonicRule | None = None
    missing_value: Rule | None = None


class FeedbackChecks(Frozen):
    stakeholder: FeedbackRule | None = None

