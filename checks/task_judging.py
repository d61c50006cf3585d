"""Performance and fairness of scored rows by the methods of the version's task: a binary classifier by
checks/performance.py and checks/fairness.py, a regression by checks/regression.py with its limits in the
outcome's units set from the reference outcomes, a multiclass model by checks/multiclass.py. One entry point for
the gate (`judge_scored`) and one for a monitoring period's fairness (`period_fairness`), so a flow never
branches on the task; the tier (TierPolicy.for_task) holds that task's rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from govflow.checks.decay import decay_results
from govflow.checks.fairness import fairness_audit
from govflow.checks.governance_tags import VersionTags
from govflow.checks.limits import Judged, Straddle
from govflow.checks.model_task import TASK_TAG, ModelTask, TaskFinding
from govflow.checks.multiclass import (
    class_rate_table,
    classes_of,
    multiclass_fairness_results,
    multiclass_performance_results,
)
from govflow.checks.performance import performance_results
from govflow.checks.policy import (
    MinimumRule,
    MulticlassPerformance,
    PerformanceChecks,
    RatioRule,
    RegressionFairness,
    RegressionPerformance,
    Rule,
    ScaledMaximumRule,
    TierPolicy,
)
from govflow.checks.regression import regression_fairness_results, regression_performance_results
from govflow.checks.results import CheckResult, Status, not_run
from govflow.checks.task_decay import multiclass_decay_results, regression_decay_results

TASK_CHECK = "governance.task"


@dataclass(frozen=True)
class ScoredRows:
    """Evaluation rows with what the model said of them: outcomes, decisions (classes, or a regression's
    numbers), a classifier's positive-class scores where it gives them, the sensitive columns."""

    y: np.ndarray
    pred: np.ndarray  # a classifier's decisions
    score: np.ndarray | None
    sensitive: pd.DataFrame
    raw: np.ndarray | None = None  # one number per row as the model gave it (a regression's predictions)
    proba: np.ndarray | None = None  # a multiclass model's class probabilities, columns in `proba_classes` order
    proba_classes: tuple | None = None
    label_column: str = "label"
    prediction_column: str = "prediction"  # where the decisions came from, as messages name it
    reference_y: np.ndarray | None = None  # the reference data's outcomes: a regression's limits are set from them
    missing_sensitive: tuple[str, ...] = ()  # declared sensitive columns the evaluation data lacks
    # At the gate the model itself scored the rows, so a multiclass model without probabilities is its fault; a
    # monitoring period holds logged decisions, which never carry them.
    probabilities_expected: bool = True
    why_no_probabilities: str = "the rows hold its decisions only"  # what log loss says when it cannot be measured


def logged_rows(rows: pd.DataFrame, tags: VersionTags, reference_y: np.ndarray | None = None) -> ScoredRows:
    """Logged rows as the task judges them: outcomes, the logged decisions and scores if any (a monitoring
    period's rows, a vendor system's logged sample at the gate)."""
    label, prediction, score = tags.columns.label, tags.columns.prediction, tags.columns.score
    sensitive = [c for c in tags.columns.declared() if c != label and c in rows.columns]
    return ScoredRows(rows[label].to_numpy(), rows[prediction].to_numpy(),
                      rows[score].to_numpy() if score in rows.columns else None, rows[sensitive],
                      raw=rows[prediction].to_numpy(), label_column=label, prediction_column=prediction,
                      reference_y=reference_y, probabilities_expected=False)


@dataclass(frozen=True)
class Judgement:
    results: list[CheckResult]
    # The per-group table in the task's figures, which the fairness page draws (None: no fairness judged).
    groups: list[dict] | None = None
    group_rows: list[dict] = field(default_factory=list)


def task_result(found: TaskFinding, tier: TierPolicy) -> CheckResult:
    """`governance.task`: the task told (and how); or an ERROR saying why it cannot be, or that the tier has no
    rules for it (a policy without its `regression:` or `multiclass:` section judges no such model)."""
    if found.task is None:
        return CheckResult(check_id=TASK_CHECK, status=Status.ERROR, column=TASK_TAG, message=found.error or "",
                           hint=f"set tag {TASK_TAG} on the version or its registered model")
    judged = tier.for_task(found.task)
    if found.task is not ModelTask.BINARY and not (judged.enabled_check_ids("performance")
                                                    or judged.enabled_check_ids("fairness")):
        return CheckResult(check_id=TASK_CHECK, status=Status.ERROR, column=TASK_TAG, value=found.task.value,
                           message=f"a {found.task.value} model ({found.source}), and the tier has no rules for one: "
                                   f"add a {found.task.value}: section to the tier in the policy")
    return CheckResult(check_id=TASK_CHECK, status=Status.PASS, column=TASK_TAG, value=found.task.value,
                       message=f"{found.task.value} ({found.source})")


def outcome_scale(reference_y: np.ndarray | None) -> tuple[float | None, str]:
    """The reference outcomes' mean absolute value, which a regression's limits in the outcome's units are
    shares of; None with the reason when it cannot be taken."""
    if reference_y is None:
        return None, "the reference data has no label column"
    values = pd.to_numeric(pd.Series(reference_y), errors="coerce")
    if values.isna().all():
        return None, "the reference data's outcomes are not numbers"
    scale = float(values.dropna().abs().mean())
    if not np.isfinite(scale) or scale == 0:
        return None, "the reference data's outcomes are all zero: limits relative to them are zero"
    return scale, ""


def _scaled(rule: ScaledMaximumRule, scale: float) -> Judged:
    return Judged(rule.limit_at(scale), rule.min_samples, hint=(
        f"the limit is {rule.max_relative:g} x the reference outcomes' mean absolute value {scale:.4g}"))


def _judged(rules: Mapping[str, Rule | None], scale: float | None) -> dict[str, Judged]:
    """Each rule set as the figure it judges: a limit in the outcome's units scaled (left out without a scale: its
    ERROR says why), a floor with the rows it needs, a ratio as it stands."""
    out: dict[str, Judged] = {}
    for metric, rule in rules.items():
        if isinstance(rule, ScaledMaximumRule):
            if scale is not None:
                out[metric] = _scaled(rule, scale)
        elif isinstance(rule, MinimumRule):
            out[metric] = Judged(rule.limit(), rule.min_samples)
        elif isinstance(rule, RatioRule):
            out[metric] = Judged(rule.limit())
    return out


def regression_fairness(rows: ScoredRows, fairness: RegressionFairness, scale: float | None, why: str,
                        confidence: float, outcomes_known: bool = True) -> tuple[list[CheckResult], list[dict]]:
    """The regression fairness gaps the section sets, per sensitive column, and the per-group table; a gap in
    the outcome's units needs `scale` (else an ERROR saying `why`), and, like every gap but the mean-prediction
    ratio, outcomes (without them, decisions only, each INCONCLUSIVE saying so)."""
    gaps = {m: getattr(fairness, m) for m in ("mae_difference", "mean_prediction_ratio", "mean_residual_difference")}
    results: list[CheckResult] = []
    if scale is None:
        results += not_run([f"fairness.{m}" for m, r in gaps.items() if isinstance(r, ScaledMaximumRule)],
                           f"limits relative to the outcomes: {why}")
    rules = _judged(gaps, scale)
    if (refused := _unusable_groups(rows, fairness.max_groups)) is not None:
        return results + not_run([f"fairness.{m}" for m in rules], refused), []
    judged, table = regression_fairness_results(
        rows.y if outcomes_known else None, rows.raw if rows.raw is not None else rows.pred, rows.sensitive, rules,
        fairness.min_group_size,
        confidence, fairness.resamples, fairness.seed, Straddle(fairness.on_straddle), rows.label_column)
    return results + judged, [asdict(r) for r in table]


def _regression_performance(rows: ScoredRows, performance: RegressionPerformance, scale: float | None, why: str,
                            confidence: float) -> list[CheckResult]:
    named = {m: getattr(performance, m) for m in ("mae", "rmse", "r2", "mean_residual")}
    results: list[CheckResult] = []
    if scale is None:
        results += not_run([f"performance.{m}" for m, r in named.items() if isinstance(r, ScaledMaximumRule)],
                           f"limits relative to the outcomes: {why}")
    return results + regression_performance_results(rows.y, _numbers(rows), _judged(named, scale), confidence,
                                                    performance.resamples, performance.seed,
                                                    performance.on_straddle, rows.label_column)


def _numbers(rows: ScoredRows) -> np.ndarray:
    """A regression's predictions: one number per row as the model gave it."""
    return rows.raw if rows.raw is not None else rows.pred


def _regression(rows: ScoredRows, tier: TierPolicy, confidence: float) -> Judgement:
    performance, fairness = tier.task_section("performance"), tier.task_section("fairness")
    if rows.raw is None:
        ids = tier.enabled_check_ids("performance") + tier.enabled_check_ids("fairness")
        return Judgement(not_run(ids, "the model gave several numbers per row; a regression gives one"))
    scale, why = outcome_scale(rows.reference_y)
    results: list[CheckResult] = []
    group_rows: list[dict] = []
    if performance is not None:
        results += _regression_performance(rows, performance, scale, why, confidence)
    if fairness is not None:
        judged, group_rows = regression_fairness(rows, fairness, scale, why, confidence)
        results += judged
    return Judgement(results, group_rows if fairness is not None else None, group_rows)


def _unusable_groups(rows: ScoredRows, max_groups: int) -> str | None:
    """Why the sensitive columns cannot be compared group by group, or None when they can."""
    if rows.missing_sensitive:
        return f"evaluation data lacks sensitive column(s) {list(rows.missing_sensitive)}"
    if rows.sensitive.shape[1] == 0:
        return "no sensitive features are declared (governance.sensitive_features)"
    for column in rows.sensitive.columns:
        if (distinct := rows.sensitive[column].nunique(dropna=False)) > max_groups:
            return (f"sensitive column '{column}' has {distinct} distinct values, more than max_groups {max_groups} "
                    "(fairness.max_groups in the policy): an identifier or a continuous value must be binned")
    return None


def _multiclass_performance(rows: ScoredRows, performance: MulticlassPerformance,
                            confidence: float) -> list[CheckResult]:
    """The multiclass performance rules on the rows; log loss needs class probabilities, which a monitoring
    period's logged decisions lack: it is then INCONCLUSIVE saying so, not an error of the model."""
    rules = {m: Judged(r.limit(), r.min_samples) for m in ("accuracy", "macro_f1", "log_loss", "class_recall")
             if (r := getattr(performance, m)) is not None}
    results: list[CheckResult] = []
    if rows.proba is None and not rows.probabilities_expected and "log_loss" in rules:
        results.append(CheckResult(check_id="performance.log_loss", status=Status.INCONCLUSIVE, n=len(rows.y),
                                   limit=rules.pop("log_loss").limit.bound, message=(
            f"log loss needs the model's class probabilities; {rows.why_no_probabilities}")))
    classes = list(rows.proba_classes) if rows.proba_classes is not None else None
    return results + multiclass_performance_results(rows.y, rows.pred, rows.proba, classes, rules, confidence,
                                                    performance.resamples, performance.seed,
                                                    performance.on_straddle, rows.label_column)


def _multiclass(rows: ScoredRows, tier: TierPolicy, confidence: float) -> Judgement:
    performance, fairness = tier.task_section("performance"), tier.task_section("fairness")
    results: list[CheckResult] = []
    classes = list(rows.proba_classes) if rows.proba_classes is not None else None
    if performance is not None:
        results += _multiclass_performance(rows, performance, confidence)
    if fairness is not None:
        rules = {m: Judged(r.limit()) for m in ("demographic_parity_difference", "equalized_odds_difference")
                 if (r := getattr(fairness, m)) is not None}
        if (refused := _unusable_groups(rows, fairness.max_groups)) is not None:
            results += not_run([f"fairness.{m}" for m in rules], refused)
        else:
            try:
                every = classes_of(np.asarray(rows.y, dtype=object), np.asarray(rows.pred, dtype=object), classes)
            except ValueError as exc:
                results += not_run([f"fairness.{m}" for m in rules], f"the outcomes or the predictions: {exc}")
            else:
                results += multiclass_fairness_results(rows.y, rows.pred, rows.sensitive, every, rules,
                                                       fairness.min_group_size, confidence, fairness.resamples,
                                                       fairness.seed, Straddle(fairness.on_straddle))
                table = class_rate_table(rows.y, rows.pred, rows.sensitive, every, fairness.min_group_size)
                return Judgement(results, table, table)
    return Judgement(results)


def judge_scored(task: ModelTask, rows: ScoredRows, tier: TierPolicy, confidence: float) -> Judgement:
    """Performance and fairness of the scored rows by the task's methods and the tier's rules for it."""
    if task is ModelTask.REGRESSION:
        return _regression(rows, tier, confidence)
    if task is ModelTask.MULTICLASS:
        return _multiclass(rows, tier, confidence)
    results = performance_results(rows.y, rows.pred, rows.score, tier.performance, confidence,
                                  label_column=rows.label_column)
    if tier.fairness is None:
        return Judgement(results)
    if rows.missing_sensitive:
        return Judgement(results + not_run(tier.enabled_check_ids("fairness"),
                                           f"evaluation data lacks sensitive column(s) {list(rows.missing_sensitive)}"))
    audit = fairness_audit(rows.y, rows.pred, rows.sensitive, tier.fairness, confidence, score=rows.score,
                           label_column=rows.label_column, prediction_column=rows.prediction_column)
    return Judgement(results + audit.results, audit.groups, audit.groups)


def period_fairness(rows: ScoredRows, tier: TierPolicy, confidence: float, outcomes_known: bool) -> Judgement:
    """A monitoring period's group fairness by the task's methods: with its outcomes where they have arrived,
    else on the decisions alone (the gaps that need outcomes then say so)."""
    if tier.task is ModelTask.REGRESSION:
        fairness = tier.task_section("fairness")
        if fairness is None:
            return Judgement([])
        scale, why = outcome_scale(rows.reference_y)
        results, table = regression_fairness(rows, fairness, scale, why, confidence, outcomes_known)
        return Judgement(results, None, table)
    if tier.task is ModelTask.MULTICLASS:
        fairness = tier.task_section("fairness")
        if fairness is None:
            return Judgement([])
        rules = {m: Judged(r.limit()) for m in ("demographic_parity_difference", "equalized_odds_difference")
                 if (r := getattr(fairness, m)) is not None}
        if (refused := _unusable_groups(rows, fairness.max_groups)) is not None:
            return Judgement(not_run([f"fairness.{m}" for m in rules], refused))
        classes = sorted({*map(str, rows.pred), *(map(str, rows.y) if outcomes_known else ())})
        return Judgement(multiclass_fairness_results(
            np.asarray(rows.y, dtype=str) if outcomes_known else None, np.asarray(rows.pred, dtype=str), rows.sensitive,
            classes, rules, fairness.min_group_size, confidence, fairness.resamples, fairness.seed,
            Straddle(fairness.on_straddle)))
    if tier.fairness is None:
        return Judgement([])
    audit = fairness_audit(rows.y if outcomes_known else None, rows.pred, rows.sensitive, tier.fairness, confidence,
                           score=rows.score, label_column=rows.label_column, prediction_column=rows.prediction_column)
    return Judgement(audit.results, audit.groups, audit.groups)


def period_performance(rows: ScoredRows, tier: TierPolicy, confidence: float) -> list[CheckResult]:
    """A monitoring period's labelled rows judged by the task's performance rules (a regression's limits set from
    the reference outcomes, as at the gate)."""
    performance = tier.task_section("performance")
    if tier.task is ModelTask.REGRESSION:
        if performance is None:
            return []
        scale, why = outcome_scale(rows.reference_y)
        return _regression_performance(rows, performance, scale, why, confidence)
    if tier.task is ModelTask.MULTICLASS:
        return _multiclass_performance(rows, performance, confidence) if performance is not None else []
    return performance_results(rows.y, rows.pred, rows.score, tier.performance, confidence,
                               label_column=rows.label_column)


def window_decay(rows: ScoredRows, baseline: Mapping[str, float], tier: TierPolicy, confidence: float,
                 window: Sequence[str]) -> list[CheckResult]:
    """The decay window's pooled labelled rows against the gate's figures, by the task's decay rule (none when
    the tier's section for the task sets no `decay`)."""
    performance = tier.task_section("performance")
    if isinstance(performance, RegressionPerformance) and performance.decay is not None:
        scale, why = outcome_scale(rows.reference_y)
        return regression_decay_results(rows.y, _numbers(rows), baseline, performance.decay, scale, why, confidence,
                                        performance.resamples, performance.seed, window, rows.label_column)
    if isinstance(performance, MulticlassPerformance) and performance.decay is not None:
        return multiclass_decay_results(rows.y, rows.pred, baseline, performance.decay, confidence,
                                        performance.resamples, performance.seed, window, rows.label_column)
    if isinstance(performance, PerformanceChecks) and performance.decay is not None:
        return decay_results(rows.y, rows.pred, rows.score, baseline, performance.decay, confidence, window)
    return []


def needs_class_probabilities(tier: TierPolicy) -> bool:
    """Whether judging a monitoring period needs the model's class probabilities, which logged decisions never
    carry: a multiclass model whose tier sets a log-loss limit."""
    performance = tier.task_section("performance")
    return isinstance(performance, MulticlassPerformance) and performance.log_loss is not None
