"""Ad-hoc audits of a data file: no MLflow, no Prefect; the `govflow audit` commands call these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from govflow.checks.check_registry import Need, Stage, expected_at, not_expected_at
from govflow.checks.decision import Decision, decide
from govflow.checks.drift import drift_report
from govflow.checks.policy import Policy
from govflow.checks.results import CheckResult, Status


class AuditInputError(ValueError):
    """The file or a column cannot be used; the message names which."""


@dataclass(frozen=True)
class AuditReport:
    verdict: str
    results: list[CheckResult]
    groups: list[dict[str, Any]] | None = None
    features: list[dict[str, Any]] | None = None
    adverse_impact: list[dict[str, Any]] | None = None
    multivariate: dict[str, Any] | None = None
    favourable: dict[str, Any] | None = None  # what a fairness audit took as favourable, and its reference groups

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"verdict": self.verdict, "results": [r.model_dump(mode="json") for r in self.results]}
        for name in ("groups", "features", "adverse_impact", "multivariate", "favourable"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out

    def fails_on(self, level: str) -> bool:
        """Whether the audit found what `--fail-on` names: `fail`, a verdict that does not approve (a blocking
        check failed or could not judge); `warn`, that or any warning (a non-blocking check that failed)."""
        if self.verdict not in ("APPROVED", "APPROVED_WITH_WAIVERS"):
            return True
        return level == "warn" and any(r.status in (Status.WARN, Status.FAIL) for r in self.results)


def _require(frame: pd.DataFrame, columns: list[str], source: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise AuditInputError(f"{source}: no column {', '.join(repr(c) for c in missing)} "
                              f"(columns: {', '.join(map(str, frame.columns))})")


def _tier(policy: Policy, tier: str | None):
    name = tier or policy.unassessed_tier
    if name not in policy.tiers:
        raise AuditInputError(f"unknown tier '{name}' (policy tiers: {', '.join(policy.tiers)})")
    return name, policy.tier(name)


def audit_drift(
    reference: pd.DataFrame, current: pd.DataFrame, *, policy: Policy, columns: list[str] | None = None,
    tier: str | None = None, sources: tuple[str, str] = ("reference", "current"),
) -> AuditReport:
    """Drift of `current` from `reference` per column (all shared columns by default), by one tier's policy."""
    tier_name, tier_policy = _tier(policy, tier)
    if tier_policy.drift is None:
        raise AuditInputError(f"tier '{tier_name}' runs no drift checks in the policy")
    for source, frame in zip(sources, (reference, current)):
        if frame.empty:
            raise AuditInputError(f"{source}: the data has no rows")
    chosen = columns or [c for c in reference.columns if c in current.columns]
    if not chosen:
        raise AuditInputError(f"{sources[0]} and {sources[1]} share no column")
    _require(reference, chosen, sources[0])
    _require(current, chosen, sources[1])
    report = drift_report(reference, current, chosen, tier_policy.drift)
    results, document = list(report.results), None
    if tier_policy.drift.multivariate is not None:
        # Imported when asked for: SciPy's and scikit-learn's imports are most of a small audit's time.
        from govflow.checks.multivariate import domain_classifier

        joint, document = domain_classifier(reference, current, chosen, tier_policy.drift.multivariate,
                                            policy.confidence)
        results.append(joint)
    # One comparison of two files: what needs a deployment's periods, outputs or outcomes is not judged here.
    judged = set(expected_at(Stage.MONITORING, tier_policy, has={Need.DATA, Need.ROWS}, families=("drift",)))
    not_judged = tuple(c for c in tier_policy.enabled_check_ids("drift")
                       if c not in judged or c in ("drift.lifetime", "drift.prediction", "drift.label"))
    decision = decide(results, tier_policy, families=("drift",), not_judged=not_judged)
    return AuditReport(decision.verdict.value, list(decision.results), features=report.features,
                       multivariate=document)


FAVOURABLE_HELP = ("name the favourable decision with --favourable: the value that benefits the person (approved, "
                   "hired, offered); for a column that records the adverse decision, such as 'deny', it is the value "
                   "meaning not denied")


def binary_column(frame: pd.DataFrame, column: str, favourable: str | None, source: str, role: str) -> np.ndarray:
    """A column as 0/1, 1 meaning favourable: with `favourable`, 1 where the value is it and 0 elsewhere; without,
    the column must already be 0/1 or boolean (1 favourable). Empty values are an error naming the column and their
    count. A column of other values is refused rather than guessed at: which value benefits the person cannot be
    read off the data (a column named 'deny' holds 'yes' for the adverse decision)."""
    values = frame[column]
    if (empty := int(values.isna().sum())):
        raise AuditInputError(f"{source}: {role} column '{column}' has {empty} empty value(s); every row needs one")
    if favourable is None:
        if ptypes.is_bool_dtype(values):
            return values.to_numpy().astype(np.int8)
        found = sorted(set(values.astype(str)), key=str)
        numeric = pd.to_numeric(values, errors="coerce")
        if numeric.isna().any() or not set(numeric.unique()) <= {0, 1}:
            advice = FAVOURABLE_HELP if len(found) <= 10 else (
                "it has too many values for a decision (a score goes in --score; continuous decisions such as a "
                "limit or a premium are audited with --task regression)")
            raise AuditInputError(f"{source}: {role} column '{column}' holds {', '.join(map(repr, found[:4]))}, "
                                  f"not 0/1; {advice}")
        return numeric.to_numpy().astype(np.int8)
    if ptypes.is_numeric_dtype(values) and not ptypes.is_bool_dtype(values):
        try:
            hit = values.to_numpy(dtype=float) == float(favourable)
        except ValueError:
            hit = np.zeros(len(values), bool)
    else:
        text = values.astype(str).str.strip()
        hit = (text == favourable).to_numpy() | (text.str.lower() == favourable.lower()).to_numpy()
    if not hit.any():
        found = sorted(set(values.astype(str)), key=str)
        raise AuditInputError(f"{source}: {role} column '{column}' never holds the favourable value {favourable!r} "
                              f"(it holds {', '.join(map(repr, found[:6]))})")
    return hit.astype(np.int8)


def audit_fairness(
    frame: pd.DataFrame, *, label: str | None, prediction: str, sensitive: list[str], policy: Policy,
    tier: str | None = None, score: str | None = None, source: str = "data", favourable: str | None = None,
    favourable_outcome: str | None = None,
) -> AuditReport:
    """Group fairness of recorded decisions, judged by one tier's fairness policy, with the adverse impact
    ratio of each group. Without `label`, the decisions alone: selection-rate parity is judged and every
    outcome-based check is reported as not run for want of outcomes. `favourable` is the decision value that
    benefits the person (1 in a 0/1 column without it); `favourable_outcome` the outcome value that does
    (default: `favourable`), so a group's selection rate is its rate of favourable decisions."""
    from govflow.checks.adverse_impact import adverse_impact
    from govflow.checks.fairness import DISPARITIES, LABEL_FREE, fairness_audit

    tier_name, tier_policy = _tier(policy, tier)
    rules = tier_policy.fairness
    if rules is None:
        raise AuditInputError(f"tier '{tier_name}' runs no fairness checks in the policy")
    if not sensitive:
        raise AuditInputError("name at least one sensitive column")
    _require(frame, [c for c in [label, prediction, *sensitive, score] if c], source)
    if frame.empty:
        raise AuditInputError(f"{source}: the data has no rows")
    decisions = binary_column(frame, prediction, favourable, source, "prediction")
    outcomes = None if label is None else binary_column(frame, label, favourable_outcome or favourable, source,
                                                          "label")
    if outcomes is not None and len(np.unique(outcomes)) < 2:
        raise AuditInputError(
            f"{source}: label column '{label}' holds one outcome ({frame[label].iloc[0]!r}) in every row, so no "
            "outcome rate (true or false positive rate, predictive parity) can be judged; give a file with both "
            "outcomes, or drop --label to judge the decisions alone")
    audit = fairness_audit(
        outcomes, decisions, frame[sensitive], rules, policy.confidence,
        score=None if score is None else frame[score].to_numpy(), label_column=label or "label",
        prediction_column=prediction,
    )
    # What a gate judges of fairness is what a file can show; monitoring-only checks are not this audit's.
    not_judged = not_expected_at(Stage.GATE, tier_policy)
    judged, skipped = list(audit.results), []
    if label is None:
        label_free = {f"fairness.{m}" for m, (figures, _) in DISPARITIES.items() if set(figures) <= LABEL_FREE}
        needs_outcomes = [c for c in tier_policy.enabled_check_ids("fairness")
                          if c not in not_judged and c not in label_free]
        judged = [r for r in judged if r.check_id not in needs_outcomes]
        not_judged = (*not_judged, *needs_outcomes)
        skipped = [CheckResult(check_id=c, status=Status.SKIPPED, message=(
            "not run: no outcomes (no --label given); it compares error rates, which need the true outcome"))
            for c in needs_outcomes]
    decision: Decision = decide(judged, tier_policy, families=("fairness",), not_judged=not_judged)
    impact = adverse_impact(decisions, frame[sensitive], policy.confidence, rules.min_group_size)
    return AuditReport(decision.verdict.value, [*decision.results, *skipped], groups=audit.groups,
                       adverse_impact=impact, favourable=_favourable(
                           prediction, favourable, label, favourable_outcome or favourable, impact))


def _favourable(prediction: str, value: str | None, label: str | None, outcome: str | None,
                impact: list[dict[str, Any]]) -> dict[str, Any]:
    """What the audit took as favourable, and per sensitive feature the reference group (the most favoured: the
    highest rate of favourable decisions) and the groups compared with it."""
    references: dict[str, dict[str, Any]] = {}
    for row in impact:
        entry = references.setdefault(row["feature"], {"feature": row["feature"], "reference": None, "compared": []})
        entry["reference"] = row.get("reference_group")
        if "adverse_impact_ratio" in row:
            entry["compared"].append(row["group"])
    return {"decision": {"column": prediction, "value": value if value is not None else "1"},
            "outcome": None if label is None else {"column": label, "value": outcome if outcome is not None else "1"},
            "references": list(references.values())}


def _task_fairness_rules(frame: pd.DataFrame, policy: Policy, tier: str | None, task, source: str,
                         columns: list[str], sensitive: list[str]):
    """The tier as it judges a model of `task` and its fairness section for it; AuditInputError naming what is
    missing (the section, a sensitive column, a column of the file, any row)."""
    tier_name, tier_policy = _tier(policy, tier)
    judged_tier = tier_policy.for_task(task)
    rules = judged_tier.task_section("fairness")
    if rules is None:
        raise AuditInputError(f"tier '{tier_name}' has no {task.value}: fairness section in the policy")
    if not sensitive:
        raise AuditInputError("name at least one sensitive column")
    _require(frame, columns, source)
    if frame.empty:
        raise AuditInputError(f"{source}: the data has no rows")
    return judged_tier, rules


def _decided(results: list[CheckResult], judged_tier, groups: list[dict], needs_outcomes: set[str],
             compares: str) -> AuditReport:
    """The fairness verdict; the gaps that need outcomes, when none were given, shown as not run (SKIPPED and
    not waited for), not as findings."""
    skipped = [CheckResult(check_id=c, status=Status.SKIPPED, message=(
        f"not run: no outcomes (no --label given); it compares {compares}, which need the true outcome"))
        for c in sorted(needs_outcomes)]
    kept = [r for r in results if r.check_id not in needs_outcomes]
    decision = decide(kept, judged_tier, families=("fairness",),
                      not_judged=(*not_expected_at(Stage.GATE, judged_tier), *sorted(needs_outcomes)))
    return AuditReport(decision.verdict.value, [*decision.results, *skipped], groups=groups)


def numeric_column(frame: pd.DataFrame, column: str, source: str, role: str) -> np.ndarray:
    """A column of numbers (an offered limit, a premium, a loss), refused naming the column and a value that is
    not one, or the count of empty values."""
    values = frame[column]
    if (empty := int(values.isna().sum())):
        raise AuditInputError(f"{source}: {role} column '{column}' has {empty} empty value(s); every row needs one")
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.isna().any():
        bad = values[numeric.isna()].iloc[0]
        raise AuditInputError(f"{source}: {role} column '{column}' holds {bad!r}, not a number; continuous decisions "
                              "(--task regression) are amounts")
    return numeric.to_numpy(dtype=float)


def audit_continuous_fairness(
    frame: pd.DataFrame, *, label: str | None, prediction: str, sensitive: list[str], policy: Policy,
    tier: str | None = None, source: str = "data",
) -> AuditReport:
    """Group fairness of continuous decisions (an offered credit limit, a premium), judged by the tier's
    `regression:` fairness rules: the lowest group's mean decision over the highest's with its interval, and,
    given outcomes (`label`), the between-group differences of the absolute error and the mean residual, whose
    limits are shares of the outcomes' mean absolute value. Without outcomes those two are reported as not run."""
    from govflow.checks.model_task import ModelTask
    from govflow.checks.task_judging import ScoredRows, regression_fairness

    judged_tier, rules = _task_fairness_rules(frame, policy, tier, ModelTask.REGRESSION, source,
                                              [c for c in [label, prediction, *sensitive] if c], sensitive)
    decisions = numeric_column(frame, prediction, source, "prediction")
    outcomes = None if label is None else numeric_column(frame, label, source, "label")
    scale = float(np.mean(np.abs(outcomes))) if outcomes is not None else None
    if scale == 0:
        raise AuditInputError(f"{source}: label column '{label}' is zero in every row, so the error gaps, limited as "
                              "shares of the outcomes' size, have no limit; give the amounts that were needed or "
                              "incurred, or drop --label to judge the decisions alone")
    rows = ScoredRows(outcomes if outcomes is not None else decisions, decisions, None, frame[sensitive],
                      raw=decisions, label_column=label or "label")
    results, groups = regression_fairness(rows, rules, scale, "no outcomes (no --label given)", policy.confidence,
                                          outcomes_known=outcomes is not None)
    needs = set() if label is not None else {r.check_id for r in results
                                             if r.check_id != "fairness.mean_prediction_ratio"}
    return _decided(results, judged_tier, groups, needs, "errors")


def class_column(frame: pd.DataFrame, column: str, source: str, role: str) -> np.ndarray:
    """A column of classes (a product offered, a triage band), refused naming the column when a row has none."""
    values = frame[column]
    if (empty := int(values.isna().sum())):
        raise AuditInputError(f"{source}: {role} column '{column}' has {empty} empty value(s); every row needs a class")
    return values.astype(str).to_numpy(dtype=object)


def audit_class_fairness(
    frame: pd.DataFrame, *, label: str | None, prediction: str, sensitive: list[str], policy: Policy,
    tier: str | None = None, source: str = "data",
) -> AuditReport:
    """Group fairness of decisions among several classes (a product offered, a claim triaged), judged by the
    tier's `multiclass:` fairness rules one class against the rest: the largest over the classes of the
    between-group gap in the rate of being assigned the class and, given outcomes (`label`), in its true- and
    false-positive rates. The table gives each group's rate per class. Without outcomes the equalized-odds gap
    is reported as not run."""
    from govflow.checks.model_task import ModelTask
    from govflow.checks.multiclass import class_rate_table
    from govflow.checks.task_judging import ScoredRows, period_fairness

    judged_tier, rules = _task_fairness_rules(frame, policy, tier, ModelTask.MULTICLASS, source,
                                              [c for c in [label, prediction, *sensitive] if c], sensitive)
    decisions = class_column(frame, prediction, source, "prediction")
    outcomes = None if label is None else class_column(frame, label, source, "label")
    rows = ScoredRows(outcomes if outcomes is not None else decisions, decisions, None, frame[sensitive],
                      label_column=label or "label", prediction_column=prediction)
    results = period_fairness(rows, judged_tier, policy.confidence, outcomes_known=outcomes is not None).results
    classes = sorted({*decisions, *(outcomes if outcomes is not None else ())})
    groups = class_rate_table(outcomes, decisions, frame[sensitive], classes, rules.min_group_size)
    needs = set() if label is not None else {r.check_id for r in results
                                             if r.check_id == "fairness.equalized_odds_difference"}
    return _decided(results, judged_tier, groups, needs, "error rates")
