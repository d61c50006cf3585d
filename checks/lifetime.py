"""A deployment's whole life judged every night without false alarms: feature drift with the error budget spent
across periods, and performance decay and fairness gaps on time-uniform confidence sequences
(checks/sequential.py). The chance of any false alarm over the deployment's life is at most the policy's
`alpha`, however many nights look.

Every look is recomputed from the deployment's rows, in period order, so the sequence a night sees is the one
every earlier night saw with periods added at its end. That holds only for periods that no longer change: a
period joins once it is closed (a later period has rows), and for outcome-based figures once it has matured
(a later period has outcomes, so this one's have arrived). A night may read only its latest periods
(checks/night_window.py): the `earlier` ones it did not read are known by name, all closed, and a sequence
continues after them only from a state that has taken them in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from govflow.checks.data_validation import column_kind
from govflow.checks.drift import counts
from govflow.checks.estimation import group_labels
from govflow.checks.lifetime_state import Resumed, Taken, basis_of, resume
from govflow.checks.limits import Direction, Limit, Straddle
from govflow.checks.performance import LABELS, binary_labels
from govflow.checks.policy import (
    FairnessChecks,
    LifetimeDecayRule,
    LifetimeDriftRule,
    LifetimeFairnessRule,
    MulticlassLifetimeRule,
)
from govflow.checks.results import CheckResult, Status, not_run
from govflow.checks.sequential import (
    MeanSequence,
    gap_interval,
    gap_lower_bound,
    judge_look,
    ks_distance,
    ks_margin,
    paired_batch,
    spent_alpha,
    tvd_margin,
)

Periods = Sequence[tuple[str, pd.DataFrame]]


# The rows of a period the night did not read: a state has taken it in, so no sequence reads them again.
NOT_READ = pd.DataFrame()


def closed(periods: Periods, earlier: Sequence[str] = ()) -> list[tuple[str, pd.DataFrame]]:
    """Every period but the last: a later period has rows, so no more will arrive in these. The `earlier`
    periods the night did not read come first, without rows."""
    return [*((name, NOT_READ) for name in earlier), *periods[:-1]]


def matured(periods: Periods, label: str, known: Sequence[str] = (),
            earlier: Sequence[str] = ()) -> list[tuple[str, pd.DataFrame]]:
    """Closed periods with outcomes that a later period with outcomes follows, each whole: `labelled` picks its
    labelled rows when a sequence takes it in. `known` are periods an earlier night found matured (a state's),
    taken as they are so that a night looks only at the periods after them; when one of them is not among
    `earlier` and `periods`, or the periods after them were not all read, every period read is looked at (and
    the sequence starts over: the caller reads every row when `earlier` is not empty)."""
    names = [*earlier, *(name for name, _ in periods)]
    where = {name: i for i, name in enumerate(names)}
    if known and all(name in where for name in known) and where[known[-1]] + 1 >= len(earlier):
        found = [(name, NOT_READ if where[name] < len(earlier) else periods[where[name] - len(earlier)][1])
                 for name in known]
        after = where[known[-1]] + 1 - len(earlier)
    else:
        found, after = [], 0
    found += [(name, rows) for name, rows in periods[after:] if label in rows and rows[label].count() > 0]
    return found[:-1]


def _known(taken: Taken | None, basis: str) -> tuple[str, ...]:
    """The periods a state found matured, when it was computed under this basis (the same label column)."""
    return taken.periods if taken is not None and taken.basis == basis else ()


def labelled(rows: pd.DataFrame, label: str) -> pd.DataFrame:
    return rows[rows[label].notna()]


def _distance(reference: pd.Series, current: pd.Series, numeric: bool, level: float) -> tuple[str, float, float]:
    """(measure, distance, margin at `level`) of one feature's period against the reference."""
    ref, cur = reference.dropna(), current.dropna()
    if numeric:
        ref_values = np.sort(ref.to_numpy(dtype=float))
        cur_values = cur.to_numpy(dtype=float)
        d = float(ks_distance(ref_values[np.isfinite(ref_values)], cur_values[np.isfinite(cur_values)][None, :])[0])
        return "ks", d, ks_margin(len(cur), len(ref), level)
    ref_share, cur_share = counts(ref) / len(ref), counts(cur) / len(cur)
    keys = ref_share.index.union(cur_share.index)
    d = 0.5 * float(np.abs(ref_share.reindex(keys, fill_value=0) - cur_share.reindex(keys, fill_value=0)).sum())
    return "tvd", d, tvd_margin(len(cur), len(ref), len(keys), level)


def lifetime_drift(reference: pd.DataFrame, periods: Periods, features: Sequence[str], report: set[str],
                   rule: LifetimeDriftRule, earlier: int = 0) -> tuple[list[CheckResult], list[dict]]:
    """`drift.lifetime` per feature for each closed period in `report` (look t = its place among the closed
    periods, after the `earlier` ones the night did not read): drifted when the distance's lower bound at
    alpha / (F t (t + 1)) exceeds the materiality. Results carry their period; rows for the evidence."""
    looks = closed(periods)
    if not looks and not earlier:
        return [CheckResult(check_id="drift.lifetime", status=Status.INCONCLUSIVE, message=(
            "no closed period yet: a period is judged over the deployment's life once a later one has rows"))], []
    results, rows = [], []
    for t, (period, batch) in enumerate(looks, start=earlier + 1):
        if period not in report:
            continue
        level = spent_alpha(rule.alpha, t, len(features))
        for column in features:
            common: dict[str, Any] = {"check_id": "drift.lifetime", "column": column, "period": period}
            if column not in batch or column not in reference:
                results.append(CheckResult(status=Status.ERROR, **common, message=f"no column '{column}' in both"))
                continue
            usable = min(int(batch[column].notna().sum()), int(reference[column].notna().sum()))
            if usable < rule.min_samples:
                results.append(CheckResult(status=Status.INCONCLUSIVE, n=usable, **common, message=(
                    f"{usable} usable rows, at least {rule.min_samples} needed")))
                continue
            numeric = column_kind(reference[column]) == "numeric" and column_kind(batch[column]) == "numeric"
            measure, distance, margin = _distance(reference[column], batch[column], numeric, level)
            floor = rule.materiality.ks if measure == "ks" else rule.materiality.tvd
            look = judge_look(distance, margin, level, floor)
            lower, upper = look.lower_bound, min(1.0, distance + margin)
            status = Limit(floor, Direction.AT_MOST).judge(distance, (lower, upper), rule.on_straddle)
            drifted = status is Status.FAIL
            rows.append({"column": column, "period": period, "look": t, "measure": measure, "distance": distance,
                         "lower_bound": lower, "upper_bound": upper, "level": level, "materiality": floor,
                         "drifted": drifted, "status": status.value})
            results.append(CheckResult(
                status=status, value=distance, ci=(lower, upper), limit=floor, n=int(batch[column].notna().sum()),
                **common,
                message=(f"look {t}: {measure.upper()} distance {distance:.4f}, within [{lower:.4f}, {upper:.4f}] "
                         f"at level {level:.2g} (the lifetime alpha {rule.alpha} spent over {len(features)} "
                         f"features and {t} looks); drift when the lower bound exceeds {floor}, no drift shown "
                         f"until the upper bound is within it"),
                hint="the shift is material and holds up however often the run looks: compare the feature's "
                     "source with the reference" if drifted else None))
    return results, rows


def lifetime_decay(periods: Periods, label: str, prediction: str, baseline: Mapping[str, float],
                   rule: LifetimeDecayRule | MulticlassLifetimeRule) -> list[CheckResult]:
    """`performance.lifetime.<metric>` recomputed from the first period (`continue_decay` with no state)."""
    return continue_decay(periods, label, prediction, baseline, rule, None)[0]


def continue_decay(periods: Periods, label: str, prediction: str, baseline: Mapping[str, float],
                   rule: LifetimeDecayRule | MulticlassLifetimeRule, taken: Taken | None,
                   earlier: Sequence[str] = ()) -> tuple[list[CheckResult], Resumed, Taken | None]:
    """`performance.lifetime.<metric>`: the metric's confidence sequence over the matured labelled periods; FAIL
    once its upper bound falls below the validation baseline less the allowed worsening. The sequences continue
    from `taken` (the last run's state) with the periods it has not taken in; returns the results, where it
    started, and the state to keep (None when nothing could be judged). `earlier`: the periods before those
    read (`matured`)."""
    ids = [f"performance.lifetime.{m}" for m in rule.max_worsening]
    multiclass = isinstance(rule, MulticlassLifetimeRule)
    basis = basis_of(check="performance.lifetime", alpha=rule.alpha, metrics=sorted(rule.max_worsening),
                     label=label, prediction=prediction, multiclass=multiclass)
    cohorts = matured(periods, label, _known(taken, basis), earlier)
    resumed = resume(taken, basis, cohorts)
    if not cohorts:
        return [CheckResult(check_id=c, status=Status.INCONCLUSIVE, message=(
            "no matured labelled period yet (one whose outcomes a later labelled period shows have arrived)"))
            for c in ids], resumed, None
    # A multiclass model's accuracy compares classes as they are; a binary classifier's rates need 0/1.
    read = (lambda v: np.asarray(v, dtype=str)) if multiclass else binary_labels
    try:
        pairs = [(read(rows[label].to_numpy()), read(rows[prediction].to_numpy()))
                 for rows in (labelled(rows, label) for _, rows in resumed.todo)]
    except ValueError as exc:
        return not_run(ids, f"labels or predictions: {exc}"), resumed, None
    states = {}
    for metric in rule.max_worsening:
        state = resumed.start.sequences[(metric,)] if resumed.start else MeanSequence(rule.alpha)
        for y, pred in pairs:
            hits = y == pred if metric == "accuracy" else {"precision": y[pred == 1] == 1,
                                                            "recall": pred[y == 1] == 1}[metric]
            state = state.update(hits.astype(float))
        states[metric] = state
    out = []
    span = cohorts[0][0] if len(cohorts) == 1 else f"{cohorts[0][0]} to {cohorts[-1][0]}"
    for metric, worsening in rule.max_worsening.items():
        check_id, state = f"performance.lifetime.{metric}", states[metric]
        if metric not in baseline:
            out.append(CheckResult(check_id=check_id, status=Status.INCONCLUSIVE, message=(
                f"no validation baseline for {LABELS[metric]} (the gate's performance.{metric})")))
            continue
        floor = baseline[metric] - worsening
        low, high = state.bounds()
        point = state.total / state.rows if state.rows else float("nan")
        status = Limit(floor, Direction.AT_LEAST).judge(point, (low, high), rule.on_straddle)
        failed = status is Status.FAIL
        out.append(CheckResult(
            check_id=check_id, status=status, value=point, ci=(low, high),
            limit=floor, n=state.rows,
            message=(f"{LABELS[metric]} {point:.4f} over {len(cohorts)} matured period(s) ({span}), within "
                     f"[{low:.4f}, {high:.4f}] at every night's look (lifetime alpha {rule.alpha}); decayed when "
                     f"wholly below {floor:.4f}, the validation baseline {baseline[metric]:.4f} less {worsening}, "
                     f"shown within when wholly at or above it"),
            hint="the decay is real however often the run looked: retrain or recalibrate" if failed else None))
    kept = Taken(basis, tuple(name for name, _ in cohorts), {(metric,): state for metric, state in states.items()})
    return out, resumed, kept


def lifetime_fairness(reference: pd.DataFrame, periods: Periods, label: str, prediction: str,
                      sensitive: Sequence[str], rules: FairnessChecks,
                      rule: LifetimeFairnessRule) -> list[CheckResult]:
    """`fairness.lifetime.<gap>` recomputed from the first period (`continue_fairness` with no state)."""
    return continue_fairness(reference, periods, label, prediction, sensitive, rules, rule, {})[0]


def continue_fairness(reference: pd.DataFrame, periods: Periods, label: str, prediction: str,
                      sensitive: Sequence[str], rules: FairnessChecks, rule: LifetimeFairnessRule,
                      taken: Mapping[str, Taken],
                      earlier: Sequence[str] = ()) -> tuple[list[CheckResult], dict[str, Resumed], dict[str, Taken]]:
    """`fairness.lifetime.<gap>`: for every pair of the reference's groups (each at least `min_group_size`
    rows there), a confidence sequence on the gap in selection rate (closed periods) or true positive rate
    (matured periods), each at alpha / pairs; FAIL when the largest gap's lower bound exceeds the twin's max.
    Each gap's sequences continue from `taken[gap]` (the last run's state); returns the results, where each
    gap started, and the states to keep. `earlier`: the periods before those read (`closed`, `matured`)."""
    ids = [f"fairness.lifetime.{g}" for g in rule.gaps]
    if missing := [c for c in sensitive if c not in reference.columns]:
        return not_run(ids, f"the reference data lacks sensitive column(s) {missing}"), {}, {}
    counts = pd.Series(group_labels(reference[list(sensitive)])).value_counts()
    groups = sorted(counts[counts >= rules.min_group_size].index)
    if len(groups) < 2:
        return [CheckResult(check_id=c, status=Status.INCONCLUSIVE, message=(
            f"fewer than two groups of the reference have {rules.min_group_size} rows")) for c in ids], {}, {}
    pairs = list(combinations(groups, 2))
    out, started, kept = [], {}, {}
    for gap in rule.gaps:
        check_id, limit = f"fairness.lifetime.{gap}", getattr(rules, gap).max
        basis = basis_of(check=check_id, alpha=rule.alpha, seed=rule.seed, pairs=pairs, label=label,
                         prediction=prediction, sensitive=list(sensitive))
        cohorts = closed(periods, earlier) if gap == "demographic_parity_difference" else matured(
            periods, label, _known(taken.get(gap), basis), earlier)
        started[gap] = resumed = resume(taken.get(gap), basis, cohorts)
        if not cohorts:
            out.append(CheckResult(check_id=check_id, status=Status.INCONCLUSIVE, limit=limit, message=(
                "no closed period yet" if gap == "demographic_parity_difference" else
                "no matured labelled period yet")))
            continue
        try:
            sequences, generator = _gap_sequences(resumed, gap, pairs, label, prediction, sensitive, rule)
        except ValueError as exc:
            out.append(not_run([check_id], f"labels or predictions: {exc}")[0])
            continue
        kept[gap] = Taken(basis, tuple(name for name, _ in cohorts), sequences, generator)
        out.append(_largest_gap(check_id, limit, sequences, len(cohorts), rules, rule))
    return out, started, kept


def _gap_sequences(resumed: Resumed, gap: str, pairs: list[tuple[str, str]], label: str, prediction: str,
                   sensitive: Sequence[str],
                   rule: LifetimeFairnessRule) -> tuple[dict[tuple[str, str], MeanSequence], dict[str, Any]]:
    """Each pair's sequence after the cohorts still to take in, and the pairing generator's state after them."""
    rng = np.random.default_rng(rule.seed)
    if resumed.start is not None and resumed.start.rng is not None:
        rng.bit_generator.state = resumed.start.rng
    states = {pair: resumed.start.sequences[pair] if resumed.start else MeanSequence(rule.alpha / len(pairs))
              for pair in pairs}
    for _, rows in resumed.todo:
        if rows is NOT_READ:  # starting over on a night that read its latest periods only: it reads them all next
            continue
        if gap == "equal_opportunity_difference":  # the positives among the matured period's outcomes
            rows = labelled(rows, label)
            rows = rows[binary_labels(rows[label].to_numpy()) == 1]
        decided = binary_labels(rows[prediction].to_numpy())
        member = group_labels(rows[list(sensitive)])
        for a, b in pairs:
            states[(a, b)] = states[(a, b)].update(paired_batch(decided[member == a], decided[member == b], rng))
    return states, dict(rng.bit_generator.state)


def _largest_gap(check_id: str, limit: float, states: Mapping[tuple[str, str], MeanSequence], periods: int,
                 rules: FairnessChecks, rule: LifetimeFairnessRule) -> CheckResult:
    """The largest of the pairs' gaps, judged against the limit on every pair's interval."""
    bounds = {pair: gap_interval(state) for pair, state in states.items() if state.rows}
    if not bounds:
        return CheckResult(check_id=check_id, status=Status.INCONCLUSIVE, limit=limit, message=(
            "no period had rows of two groups to pair"))
    (a, b), _ = max(bounds.items(), key=lambda item: max(item[1][0], -item[1][1]))
    lower = gap_lower_bound(list(bounds.values()))
    # The largest gap could be any pair's: it is shown within the limit only when every pair's is.
    upper = max(max(abs(low), abs(high)) for low, high in bounds.values())
    point = (states[(a, b)].total / states[(a, b)].rows) * 2 - 1
    status = Limit(limit, Direction.AT_MOST).judge(abs(point), (lower, upper), Straddle(rules.on_straddle))
    return CheckResult(
        check_id=check_id, status=status, value=abs(point),
        ci=(lower, upper), limit=limit, n=sum(s.rows for s in states.values()),
        message=(f"largest gap {a} against {b}: {point:+.4f} over {periods} period(s), the largest gap "
                 f"within [{lower:.4f}, {upper:.4f}] at every night's look (lifetime alpha {rule.alpha}, "
                 f"{len(states)} pair(s)); at most {limit} allowed, shown within only when the whole "
                 f"interval is"),
        hint="the gap is real however often the run looked: review the model's treatment of these groups"
        if status is Status.FAIL else None)
