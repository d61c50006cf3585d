"""The policy's rules: one typed, frozen model per kind of check, with the limit (or limits) it is judged
against and whether it blocks; the names of metrics, gaps and tiers a rule may hold."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from govflow.checks.limits import Direction, Limit, Straddle

TierName = Literal["high", "medium", "low"]


TIER_NAMES: tuple[str, ...] = ("high", "medium", "low")


class Frozen(BaseModel):
    """The base of every policy model (and of the waiver, control and questionnaire files): frozen, and an
    unknown key is an error, not ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Rule(Frozen):
    """A check with no numeric limit; `blocking` decides whether it can stop approval."""

    blocking: bool = True

    def sub_checks(self) -> tuple[str, ...]:
        """Names of the separate checks this one rule governs (`performance.decay.auc`); none by default."""
        return ()


class NullRateRule(Rule):
    """Null share may exceed the reference share by at most `max_increase` (absolute)."""

    max_increase: float = Field(ge=0.0, le=1.0)


class MissingShareRule(Rule):
    """At most `max_share` of a column's values may be missing (null), an absolute cap that a reference
    with many nulls does not widen (null_rate moves with the reference; this does not)."""

    max_share: float = Field(ge=0.0, le=1.0)


class NumericRangeRule(Rule):
    """The reference [min, max] is widened by `tolerance` x its width on each side;
    at most `max_outside` of non-null values may fall outside it."""

    tolerance: float = Field(ge=0.0)
    max_outside: float = Field(ge=0.0, le=1.0)


class CategorySetRule(Rule):
    """At most `max_unseen` of non-null values may be categories absent from the reference."""

    max_unseen: float = Field(ge=0.0, le=1.0)


class MinimumRule(Rule):
    """The metric must be at least `min`; below `min_samples` rows the result is INCONCLUSIVE."""

    min: float
    min_samples: int = Field(ge=1)

    def limit(self) -> Limit:
        return Limit(self.min, Direction.AT_LEAST)


class LossRule(Rule):
    """A loss (log loss, Brier score) must be at most `max`; below `min_samples` rows INCONCLUSIVE."""

    max: float = Field(ge=0.0)
    min_samples: int = Field(ge=1)

    def limit(self) -> Limit:
        return Limit(self.max, Direction.AT_MOST)


MetricName = Literal["auc", "accuracy", "precision", "recall", "log_loss", "brier"]


class DecayRule(Rule):
    """Performance over the last `window` labelled periods, pooled, may be worse than the validation
    baseline by at most `max_worsening[metric]` (a drop for AUC, accuracy, precision and recall, a
    rise for log loss and Brier). A worsening passes only when its whole interval is within the limit; a
    larger one whose interval excludes the baseline fails; the rest warn. Below `min_samples` rows,
    INCONCLUSIVE."""

    window: int = Field(ge=1)
    min_samples: int = Field(ge=1)
    max_worsening: dict[MetricName, float] = Field(min_length=1)

    def sub_checks(self) -> tuple[str, ...]:
        return tuple(self.max_worsening)


EstimableMetric = Literal["auc", "accuracy", "precision", "recall"]


class CalibratedEstimate(Rule):
    """What an estimate from calibrated probabilities is judged by, whichever metrics it names: below
    `min_samples` rows in a period INCONCLUSIVE; a band reaching across its floor earns `on_straddle`; `draws`
    seeded simulations give the bands."""

    min_samples: int = Field(ge=1)
    on_straddle: Straddle = Straddle.WARN
    # `isotonic`: calibrate the scores on the reference where that lowers the held-out calibration error;
    # `none`: take the scores as probabilities (a model calibrated upstream, or too little reference data).
    calibration: Literal["isotonic", "none"] = "isotonic"
    draws: int = Field(default=1000, ge=100)
    seed: int = 0


class EstimatedRule(CalibratedEstimate):
    """Performance estimated from calibrated scores for periods still awaiting outcomes (checks/estimation.py):
    each metric at least the validation baseline less `max_worsening[metric]`, like its realised twin
    `performance.decay.<metric>`."""

    max_worsening: dict[EstimableMetric, float] = Field(min_length=1)

    def sub_checks(self) -> tuple[str, ...]:
        return tuple(self.max_worsening)


class EstimationErrorRule(Rule):
    """Once a period's outcomes arrive: the realised metric may differ from the estimate for the same rows by
    at most `max_error[metric]`; a larger miss means the estimator's assumption (no concept drift) broke."""

    max_error: dict[EstimableMetric, float] = Field(min_length=1)

    def sub_checks(self) -> tuple[str, ...]:
        return tuple(self.max_error)


GapName = Literal["equal_opportunity_difference", "equalized_odds_difference"]


class EstimatedFairnessRule(Rule):
    """Fairness gaps estimated from scores calibrated within each group, for periods awaiting outcomes: each
    named gap held to the limit of its realised twin (`fairness.<gap>`) with the fairness straddle rule."""

    gaps: tuple[GapName, ...] = Field(min_length=1)
    draws: int = Field(default=1000, ge=100)
    seed: int = 0
    calibration: Literal["isotonic", "none"] = "isotonic"  # as for the performance estimate, within each group

    def sub_checks(self) -> tuple[str, ...]:
        return self.gaps


class LifetimeRule(Rule):
    """A judgement over a deployment's whole life, looked at every night, whose chance of any false alarm over
    that life is at most `alpha` (checks/sequential.py). PASS only when the whole anytime-valid interval is
    within the limit, FAIL when it is wholly beyond; one that reaches across earns `on_straddle` (the fairness
    gaps take the fairness family's rule instead). The sequence bounds false alarms for FAIL: it is no evidence
    that a value whose interval reaches past the limit is within it."""

    alpha: float = Field(gt=0.0, lt=0.5)
    on_straddle: Straddle = Straddle.INCONCLUSIVE


RateMetric = Literal["accuracy", "precision", "recall"]


class LifetimeDecayRule(LifetimeRule):
    """Each metric's confidence sequence over the matured labelled periods (those a later labelled period
    follows) may not fall wholly below the validation baseline less `max_worsening[metric]`."""

    max_worsening: dict[RateMetric, float] = Field(min_length=1)

    def sub_checks(self) -> tuple[str, ...]:
        return tuple(self.max_worsening)


LifetimeGap = Literal["demographic_parity_difference", "equal_opportunity_difference"]


class LifetimeFairnessRule(LifetimeRule):
    """Each gap's lower confidence bound over the closed periods (selection rates) or matured labelled ones
    (true positive rates), pairs of the reference's groups compared, may not exceed the realised twin's `max`
    (the materiality). Rows of two groups are paired at random (`seed`) within each period."""

    gaps: tuple[LifetimeGap, ...] = Field(min_length=1)
    seed: int = 0

    def sub_checks(self) -> tuple[str, ...]:
        return self.gaps


class DriftMateriality(Frozen):
    """The smallest shift that matters: the Kolmogorov-Smirnov distance of a numeric feature, the total
    variation distance of a categorical one's shares."""

    ks: float = Field(ge=0.0, le=1.0)
    tvd: float = Field(ge=0.0, le=1.0)


class LifetimeDriftRule(LifetimeRule):
    """Each closed period `t` of a deployment tests each of its `F` features at alpha / (F t (t + 1)): the
    feature drifted when the lower confidence bound of its distance from the reference at that level exceeds
    the materiality. Fewer than `min_samples` rows in a period, INCONCLUSIVE."""

    materiality: DriftMateriality
    min_samples: int = Field(ge=1)


class MultivariateRule(Rule):
    """A domain classifier telling current rows from reference rows (checks/multivariate.py), on a seeded sample
    of at most `sample_rows` a side, fitted once and scored on the `held_out` share of it: drift when its held-out
    AUC's lower confidence bound exceeds `max_auc` (0.5 is indistinguishable). Fewer than `min_samples` rows a
    side, INCONCLUSIVE."""

    max_auc: float = Field(gt=0.5, lt=1.0)
    # An AUC whose interval reaches across `max_auc`: neither shown within nor shown beyond.
    on_straddle: Straddle = Straddle.WARN
    sample_rows: int = Field(ge=100)
    min_samples: int = Field(ge=20)
    held_out: float = Field(ge=0.1, le=0.9)
    seed: int = 0


class MaximumRule(Rule):
    """A disparity must be at most `max`; judged on its bootstrap interval, not the point alone."""

    max: float = Field(ge=0.0)

    def limit(self) -> Limit:
        return Limit(self.max, Direction.AT_MOST)


class ScaledMaximumRule(Rule):
    """A size in the outcome's own units (an error, a gap between groups) must be at most `max_relative` x the
    mean absolute outcome in the reference data, so one tier's limit fits a premium in euros and a loss rate
    in [0, 1] alike; judged on its interval. Below `min_samples` rows, INCONCLUSIVE."""

    max_relative: float = Field(gt=0.0)
    min_samples: int = Field(default=1, ge=1)

    def limit_at(self, scale: float) -> Limit:
        """The limit in the outcome's units, for reference outcomes of mean absolute value `scale`."""
        return Limit(self.max_relative * scale, Direction.AT_MOST)


class RatioRule(Rule):
    """A ratio of group rates (lowest over highest) must be at least `min`, e.g. 0.8 for four-fifths."""

    min: float = Field(gt=0.0, le=1.0)

    def limit(self) -> Limit:
        return Limit(self.min, Direction.AT_LEAST)


class SignoffRule(Rule):
    """People who must sign a version off, one per role and each a different person, before approval."""

    roles: tuple[str, ...] = Field(min_length=1)


class FixWithin(Frozen):
    """Days allowed to fix a finding, by severity: critical (a blocking FAIL), major (a blocking check that
    could not judge), minor (a WARN, including a non-blocking FAIL)."""

    critical: int = Field(ge=1)
    major: int = Field(ge=1)
    minor: int = Field(ge=1)


class StaleRule(Rule):
    """Days a serving version may go without new monitored production data."""

    max_days_without_data: int = Field(ge=1)


class ModelCardRule(Rule):
    """Model card fields a version must document (each a result of its own) before approval."""

    fields: tuple[str, ...] = Field(min_length=1)


class StabilityRule(Rule):
    """The importance ranking on recent labelled data must correlate with the one at approval (Spearman)
    at least `min_rank_correlation`; below `min_samples` labelled rows, INCONCLUSIVE."""

    min_rank_correlation: float = Field(ge=-1.0, le=1.0)
    min_samples: int = Field(ge=1)


class BandRule(Rule):
    """A measure above `warn` is a WARN and above `max` a FAIL."""

    warn: float = Field(ge=0.0, le=1.0)
    max: float = Field(ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> BandRule:
        if self.warn > self.max:
            raise ValueError(f"warn ({self.warn}) must not exceed max ({self.max})")
        return self


class NoiseRule(Rule):
    """Gaussian noise of `scale` x each numeric input's standard deviation may flip at most `max` of the
    decisions."""

    scale: float = Field(gt=0.0)
    max: float = Field(ge=0.0, le=1.0)

    def limit(self) -> Limit:
        return Limit(self.max, Direction.AT_MOST)


class MonotonicRule(Rule):
    """Shifting a declared input by `step` x its standard deviation may move the score the wrong way
    (beyond `tolerance`) for at most `max_violations` of the rows. With `require_declaration`, a version
    that declares no relationship (tag governance.monotonic) cannot be judged; without, the check applies
    only where one is declared."""

    require_declaration: bool = False
    step: float = Field(gt=0.0)
    tolerance: float = Field(ge=0.0)
    max_violations: float = Field(ge=0.0, le=1.0)


FEEDBACK_SEVERITIES = ("low", "medium", "high", "critical")  # least severe first


class FeedbackRule(Rule):
    """Stakeholder feedback at or above `open_at` severity opens a finding for the model's owner, until
    someone records its resolution."""

    open_at: Literal["low", "medium", "high", "critical"]
