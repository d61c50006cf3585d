"""The rules of the task sections (`regression:` and `multiclass:` under a tier): their decay, estimates,
estimate misses and lifetime, on each task's own metrics (issue 30)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from govflow.checks.limits import Straddle
from govflow.checks.policy.rules import CalibratedEstimate, LifetimeRule, Rule

RegressionMetric = Literal["mae", "rmse", "r2"]
LossName = Literal["mae", "rmse"]
MulticlassMetric = Literal["accuracy", "macro_f1"]


class RegressionDecayRule(Rule):
    """A regression's errors over the last `window` labelled periods, pooled, may be worse than the gate's by at
    most `max_worsening[metric]`: a rise of MAE or RMSE as a share of the reference outcomes' mean absolute
    value (as the regression limits are), a drop of R² as it stands. Judged like a classifier's decay: PASS when
    the worsening's whole bootstrap interval is within the limit. Below `min_samples` rows, INCONCLUSIVE."""

    window: int = Field(ge=1)
    min_samples: int = Field(ge=1)
    max_worsening: dict[RegressionMetric, float] = Field(min_length=1)

    def sub_checks(self) -> tuple[str, ...]:
        return tuple(self.max_worsening)


class RegressionEstimatedRule(Rule):
    """A regression's MAE and RMSE estimated before outcomes arrive (direct loss estimation,
    checks/loss_estimation.py), each at most the gate's figure plus `max_worsening[metric]` x the reference
    outcomes' mean absolute value, like its realised twin `performance.decay.<metric>`. The band is the estimate
    ± `band_sigmas` sampling errors; one that reaches across the limit earns `on_straddle`. Below `min_samples`
    rows in a period, INCONCLUSIVE."""

    max_worsening: dict[LossName, float] = Field(min_length=1)
    min_samples: int = Field(ge=1)
    on_straddle: Straddle = Straddle.WARN
    band_sigmas: float = Field(default=3.0, gt=0.0)
    seed: int = 0

    def sub_checks(self) -> tuple[str, ...]:
        return tuple(self.max_worsening)


class RegressionEstimationErrorRule(Rule):
    """Once a period's outcomes arrive: its realised MAE or RMSE may differ from the estimate made for the same
    rows by at most `max_error[metric]` x the reference outcomes' mean absolute value; a larger miss means the
    learned error no longer holds (concept drift)."""

    max_error: dict[LossName, float] = Field(min_length=1)

    def sub_checks(self) -> tuple[str, ...]:
        return tuple(self.max_error)


class RegressionEstimatedFairnessRule(Rule):
    """A regression's between-group difference of MAE estimated before outcomes arrive (each group's mean of the
    errors the loss model predicts for its rows), held to the limit of its realised twin
    (`fairness.mae_difference`) with the fairness straddle rule. The band is the gap ± `band_sigmas` times the
    two groups' sampling errors combined (the reference errors' spread over each group's rows)."""

    gaps: tuple[Literal["mae_difference"], ...] = Field(min_length=1)
    band_sigmas: float = Field(default=3.0, gt=0.0)

    def sub_checks(self) -> tuple[str, ...]:
        return self.gaps


class MulticlassDecayRule(Rule):
    """A multiclass model's accuracy and macro F1 over the last `window` labelled periods, pooled, may be below
    the gate's by at most `max_worsening[metric]`, judged on the metric's interval as a classifier's decay."""

    window: int = Field(ge=1)
    min_samples: int = Field(ge=1)
    max_worsening: dict[MulticlassMetric, float] = Field(min_length=1)

    def sub_checks(self) -> tuple[str, ...]:
        return tuple(self.max_worsening)


class MulticlassEstimatedRule(CalibratedEstimate):
    """A multiclass model's accuracy and macro F1 estimated before outcomes arrive from its class probabilities
    calibrated one class against the rest on the reference (checks/class_estimation.py, as NannyML's multiclass
    CBPE), each at least the gate's figure less `max_worsening[metric]`."""

    max_worsening: dict[MulticlassMetric, float] = Field(min_length=1)

    def sub_checks(self) -> tuple[str, ...]:
        return tuple(self.max_worsening)


class MulticlassEstimationErrorRule(Rule):
    """Once a period's outcomes arrive: realised accuracy or macro F1 may differ from the estimate for the same
    rows by at most `max_error[metric]`; a larger miss means the calibration no longer holds (concept drift)."""

    max_error: dict[MulticlassMetric, float] = Field(min_length=1)

    def sub_checks(self) -> tuple[str, ...]:
        return tuple(self.max_error)


class MulticlassLifetimeRule(LifetimeRule):
    """A multiclass model's accuracy (the share of rows given their own class) over the matured labelled periods,
    on its confidence sequence, may not fall wholly below the validation baseline less `max_worsening`."""

    max_worsening: dict[Literal["accuracy"], float] = Field(min_length=1)

    def sub_checks(self) -> tuple[str, ...]:
        return tuple(self.max_worsening)
