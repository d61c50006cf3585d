"""The monitoring pass's label-free estimates: before outcomes arrive, performance and fairness gaps estimated
from scores calibrated on the labelled reference; once they arrive, the realised figures against the estimate.
A regression's errors are estimated by direct loss estimation instead (`loss_estimates`), a multiclass model's
accuracy and macro F1 by per-class calibration (`class_estimates`). The plan (which periods
wait, which arrived, which ids answer) comes from checks/monitoring_plan.py."""

from __future__ import annotations

import pandas as pd

from govflow.checks.class_estimation import ClassCalibration, ScoredPeriod, fit_class_calibration, judge_class_estimates
from govflow.checks.decay import validation_baseline
from govflow.checks.drift import shared_columns
from govflow.checks.estimation import (
    IDENTITY,
    Calibrator,
    GroupCalibrators,
    estimated_fairness_results,
    estimated_performance_results,
    fit_calibrator,
    fit_group_calibrators,
    group_labels,
    realised_against_estimated,
)
from govflow.checks.governance_tags import VersionTags
from govflow.checks.loss_estimation import fit_loss_model, judge_loss_estimates
from govflow.checks.manifest import canonical_json
from govflow.checks.monitoring_plan import EstimatePlan, Periods, estimate_plan, task_estimate_plan
from govflow.checks.policy import MulticlassPerformance, Policy, RegressionFairness, RegressionPerformance, TierPolicy
from govflow.checks.regression import continuous_values
from govflow.checks.results import not_run
from govflow.flows.monitoring import Collected, Scorer


def estimates(periods: Periods, new: set[str], reference: pd.DataFrame, scorer: Scorer, tags: VersionTags,
              tier: TierPolicy, policy: Policy, baseline_metrics: dict[str, float] | None, out: Collected) -> None:
    """Before outcomes arrive, performance and fairness gaps estimated from scores calibrated on the reference
    (overall, and within each group) for every new period with no outcome yet; once they arrive, the realised
    figures against the estimate for the labelled periods performance judges."""
    plan = estimate_plan(periods, new, tags.columns.label, tier)
    if plan is None:
        return
    calibrated = _calibrators(plan, periods, reference, scorer, tags, tier, out)
    if calibrated is None:
        return
    calibrate, by_group = calibrated
    label, prediction, score = tags.columns.label, tags.columns.prediction, tags.columns.score
    sensitive = [c for c in tags.columns.declared() if c != label]
    perf, error = tier.performance.estimated, tier.performance.estimation_error
    fairness, tables = tier.fairness, []
    fair = fairness.estimated if fairness is not None else None
    for period, rows in plan.waiting:
        s = rows[score].to_numpy(dtype=float)
        if perf:
            out.add(estimated_performance_results(calibrate(s), rows[prediction].to_numpy(), s,
                                                  validation_baseline(baseline_metrics or {}), perf,
                                                  policy.confidence, period), period)
        if fair and by_group is None:
            out.add(not_run(list(plan.fairness_ids), f"the reference data lacks sensitive column(s) {sensitive}"),
                    period)
        elif fair and fairness is not None and by_group is not None:
            results, table = estimated_fairness_results(by_group(s, group_labels(rows[sensitive])),
                                                        rows[prediction].to_numpy(), rows[sensitive], fairness,
                                                        fair, policy.confidence, period)
            out.add(results, period)
            tables += table
    for period, rows in plan.compared:  # only where the tier sets an estimation-error rule
        s = rows[score].to_numpy(dtype=float)
        if error is not None:
            out.add(realised_against_estimated(rows[label].to_numpy(), calibrate(s), rows[prediction].to_numpy(),
                                               s, error, policy.confidence, period), period)
    out.files["evidence/estimation.json"] = _document(plan, calibrate, by_group, tables)


def _document(plan: EstimatePlan, calibrate, by_group, tables: list) -> bytes:
    return canonical_json({
        "method": "confidence-based performance estimation: scores calibrated on the labelled reference (isotonic, "
                  "where it lowers the cross-validated calibration error), summed into expected confusion counts",
        "calibration": calibrate.describe(),
        "calibrated_groups": sorted(by_group.by_group) if by_group else [],
        "periods_estimated": [p for p, _ in plan.waiting], "periods_compared": [p for p, _ in plan.compared],
        "groups": tables})


def _calibrators(plan: EstimatePlan, periods: Periods, reference: pd.DataFrame, scorer: Scorer, tags: VersionTags,
                 tier: TierPolicy, out: Collected) -> tuple[Calibrator, GroupCalibrators | None] | None:
    """The calibration of scores on the scored, labelled reference (overall, and per group when the tier
    estimates fairness), or None with each planned check marked not run, saying why."""
    label, score = tags.columns.label, tags.columns.score
    sensitive = [c for c in tags.columns.declared() if c != label]
    perf, fair = tier.performance.estimated, tier.fairness.estimated if tier.fairness is not None else None

    def stop(waiting_why: str, arrived_why: str, arrived: Periods) -> None:
        for period, _ in plan.waiting:
            out.add(not_run(plan.estimated_ids, waiting_why), period)
        for period, _ in arrived:
            out.add(not_run(list(plan.error_ids), arrived_why), period)

    scored, why = scorer.with_outputs(reference)
    missing = [c for c in (label, score) if scored is None or not c or c not in scored.columns]
    if scored is None or missing or scored[label].isna().any():
        reason = why or (f"the reference data has no column(s) {missing}" if missing else
                         f"the reference data's label column '{label}' has empty values")
        stop(f"no estimate without scored, labelled reference data: {reason}",
             f"no estimate to compare with: {reason}", plan.arrived)
        return None
    try:
        calibrate = (fit_calibrator(scored[label].to_numpy(dtype=float), scored[score].to_numpy(dtype=float))
                     if perf is None or perf.calibration == "isotonic" else IDENTITY)
    except ValueError as exc:
        for period, _ in plan.waiting + plan.arrived:
            out.add(not_run(plan.estimated_ids + list(plan.error_ids), f"reference scores: {exc}"), period)
        return None
    by_group = None
    if fair and tier.fairness is not None and not [c for c in sensitive if c not in scored.columns]:
        by_group = fit_group_calibrators(scored[label].to_numpy(dtype=float), scored[score].to_numpy(dtype=float),
                                         group_labels(scored[sensitive]), tier.fairness.min_group_size,
                                         fair.calibration == "isotonic")
    if score not in periods[0][1].columns:  # outputs logged with the batches, without the score
        why = f"the monitoring data has no score column '{score}' to estimate from"
        stop(why, why, plan.compared)
        return None
    return calibrate, by_group


def loss_estimates(periods: Periods, new: set[str], reference: pd.DataFrame, scorer: Scorer, tags: VersionTags,
                   tier: TierPolicy, baseline_metrics: dict[str, float] | None, out: Collected) -> None:
    """A regression's MAE and RMSE before outcomes arrive, by direct loss estimation learned on the scored,
    labelled reference; once they arrive, the realised errors against the estimate (checks/loss_estimation.py)."""
    label, prediction = tags.columns.label, tags.columns.prediction
    plan = task_estimate_plan(periods, new, label, tier)
    performance = tier.task_section("performance")
    if plan is None or not isinstance(performance, RegressionPerformance):
        return
    scored, why = scorer.with_outputs(reference)
    inputs = shared_columns(list(reference.columns), list(periods[0][1].columns),
                            tags.columns.not_features() | {label})
    try:
        if scored is None:
            raise ValueError(why or "the model gave no outputs")
        if label not in scored.columns:
            raise ValueError(f"the reference data has no label column '{label}'")
        model = fit_loss_model(scored, inputs, continuous_values(scored[label], f"reference label column '{label}'"),
                               continuous_values(scored[prediction], "the model's predictions on the reference"),
                               seed=performance.estimated.seed if performance.estimated else 0)
    except ValueError as exc:
        _not_estimated(plan, f"no loss estimate: {exc}", f"no loss estimate to compare with: {exc}", out)
        return
    fairness = tier.task_section("fairness")
    run = judge_loss_estimates(model, plan.waiting, plan.compared, performance,
                               validation_baseline(baseline_metrics or {}),
                               reference[label].to_numpy() if label in reference.columns else None, label, prediction,
                               fairness if isinstance(fairness, RegressionFairness) else None,
                               [c for c in tags.columns.declared() if c != label])
    for period, results in run.results:
        out.add(results, period)
    out.files["evidence/loss_estimation.json"] = canonical_json(run.document)


def _not_estimated(plan: EstimatePlan, waiting_why: str, compared_why: str, out: Collected) -> None:
    """Every check the plan answers for, not run, each saying why."""
    for period, _ in plan.waiting:
        out.add(not_run(plan.estimated_ids, waiting_why), period)
    for period, _ in plan.compared:
        out.add(not_run(list(plan.error_ids), compared_why), period)


def class_estimates(periods: Periods, new: set[str], reference: pd.DataFrame, scorer: Scorer, tags: VersionTags,
                    tier: TierPolicy, policy: Policy, baseline_metrics: dict[str, float] | None,
                    out: Collected) -> None:
    """A multiclass model's accuracy and macro F1 before outcomes arrive, from its class probabilities
    calibrated on the labelled reference; once they arrive, the realised figures against the estimate
    (checks/class_estimation.py). The model scores the rows: logged decisions carry no probabilities."""
    label, prediction = tags.columns.label, tags.columns.prediction
    plan = task_estimate_plan(periods, new, label, tier)
    performance = tier.task_section("performance")
    if plan is None or not isinstance(performance, MulticlassPerformance):
        return
    try:
        calibration = _class_calibration(reference, scorer, label, performance)
        waiting = [_scored_period(period, rows, scorer, prediction) for period, rows in plan.waiting]
        compared = [_scored_period(period, rows, scorer, prediction, label) for period, rows in plan.compared]
    except ValueError as exc:
        _not_estimated(plan, f"no class estimate: {exc}", f"no class estimate to compare with: {exc}", out)
        return
    run = judge_class_estimates(calibration, waiting, compared, performance,
                                validation_baseline(baseline_metrics or {}), policy.confidence)
    for period, results in run.results:
        out.add(results, period)
    out.files["evidence/class_estimation.json"] = canonical_json(run.document)


def _class_calibration(reference: pd.DataFrame, scorer: Scorer, label: str,
                       performance: MulticlassPerformance) -> ClassCalibration:
    """The model's class probabilities on the labelled reference, calibrated; ValueError saying why not."""
    if label not in reference.columns:
        raise ValueError(f"the reference data has no label column '{label}'")
    scored, why = scorer.probabilities(reference)
    if scored is None or scored.proba is None or scored.proba_classes is None:
        raise ValueError(f"the model's class probabilities on the reference: {why}")
    rule = performance.estimated
    return fit_class_calibration(reference[label].to_numpy(), scored.proba, scored.proba_classes,
                                 isotonic=rule is None or rule.calibration == "isotonic")


def _scored_period(period: str, rows: pd.DataFrame, scorer: Scorer, prediction: str,
                   label: str | None = None) -> ScoredPeriod:
    """A period's rows with the model's class probabilities; ValueError saying why the model gave none."""
    scored, why = scorer.probabilities(rows)
    if scored is None or scored.proba is None:
        raise ValueError(f"the model's class probabilities on {period}: {why}")
    return ScoredPeriod(period, scored.proba, rows[prediction].to_numpy(),
                        rows[label].to_numpy() if label else None)
