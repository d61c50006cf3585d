"""Multiclass classifiers judged on labelled data (issue 30, item 3): accuracy, macro F1, log loss (when the model
gives class probabilities) and each class's recall; and fairness one class against the rest, the largest over
classes of the between-group difference in the rate of being assigned a class (demographic parity) and in that
class's true- and false-positive rates (equalized odds), naming the class and the groups.

Intervals: Wilson for accuracy and a class's recall, normal for the mean log loss, and for macro F1 and the
fairness gaps a seeded bootstrap of the rows (drawn as multinomial counts of the confusion cells, within each
group for the gaps, which is the same as resampling rows). Points equal scikit-learn's and Fairlearn's on the
same rows (tests/checks/test_multiclass.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from govflow.checks.limits import Judged, Straddle, judge_figure, not_judged_figure, too_few_rows
from govflow.checks.performance import mean_interval, wilson_interval
from govflow.checks.regression import percentile_interval
from govflow.checks.results import CheckResult, Status, not_run

GAPS = ("demographic_parity_difference", "equalized_odds_difference")
LABELS = {"accuracy": "accuracy", "macro_f1": "macro F1", "log_loss": "log loss", "class_recall": "recall",
          "demographic_parity_difference": "demographic parity difference",
          "equalized_odds_difference": "equalized odds difference"}


def confusion(y: np.ndarray, pred: np.ndarray, classes: Sequence) -> np.ndarray:
    """Counts of (outcome, prediction) over `classes`, outcome by row."""
    index = {c: i for i, c in enumerate(classes)}
    k = len(classes)
    cells = np.array([index[a] for a in y]) * k + np.array([index[b] for b in pred])
    return np.bincount(cells, minlength=k * k).reshape(k, k)


def macro_f1(conf: np.ndarray) -> np.ndarray:
    """Macro F1 of one confusion matrix (k, k) or many (r, k, k); a class neither present nor predicted scores 0,
    as scikit-learn's `zero_division=0`."""
    tp = np.diagonal(conf, axis1=-2, axis2=-1).astype(float)
    support, predicted = conf.sum(axis=-1), conf.sum(axis=-2)
    with np.errstate(divide="ignore", invalid="ignore"):
        f1 = np.where(support + predicted > 0, 2 * tp / (support + predicted), 0.0)
    return f1.mean(axis=-1)


def classes_of(y: np.ndarray, pred: np.ndarray, proba_classes: Sequence | None = None) -> list:
    """The classes judged: the model's own (the columns of its probabilities) when known, else every class in
    the outcomes and predictions; a predicted or observed class the model does not know raises ValueError."""
    seen = sorted(set(pd.unique(y)) | set(pd.unique(pred)), key=str)
    if proba_classes is None:
        return seen
    unknown = [c for c in seen if c not in set(proba_classes)]
    if unknown:
        raise ValueError(f"class(es) {unknown[:5]} are not among the model's classes {list(proba_classes)[:10]}")
    return list(proba_classes)


def multiclass_performance_results(y_true: np.ndarray, y_pred: np.ndarray, proba: np.ndarray | None,
                                   proba_classes: Sequence | None, rules: Mapping[str, Judged], confidence: float,
                                   resamples: int, seed: int, straddle: Straddle = Straddle.POINT,
                                   label_column: str = "label") -> list[CheckResult]:
    """`performance.accuracy`, `.macro_f1`, `.log_loss` (needs `proba`, columns in `proba_classes` order) and
    `.class_recall` (one result per class), each for which `rules` holds a limit."""
    ids = [f"performance.{m}" for m in rules]
    y, pred = np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object)
    if pd.isna(y).any():
        return not_run(ids, f"label column '{label_column}' holds {int(pd.isna(y).sum())} empty value(s)")
    try:
        classes = classes_of(y, pred, proba_classes)
    except ValueError as exc:
        return not_run(ids, f"label column '{label_column}' or the predictions: {exc}")
    n, conf, out = len(y), confusion(y, pred, classes), []
    for metric, rule in rules.items():
        check_id = f"performance.{metric}"
        if (short := too_few_rows(check_id, n, rule)) is not None:
            out.append(short)
        elif metric == "accuracy":
            value = float(np.trace(conf) / n)
            out.append(judge_figure(check_id, value, wilson_interval(int(np.trace(conf)), n, confidence), n, rule,
                               straddle, f"accuracy {value:.4f}"))
        elif metric == "macro_f1":
            value = float(macro_f1(conf))
            draws = np.random.default_rng(seed).multinomial(n, conf.ravel() / n, size=resamples)
            boot = macro_f1(draws.reshape(resamples, len(classes), len(classes)))
            out.append(judge_figure(check_id, value, percentile_interval(boot, confidence), n, rule, straddle,
                               f"macro F1 {value:.4f} over {len(classes)} classes"))
        elif metric == "log_loss":
            out.append(_log_loss(y, proba, classes, rule, confidence, straddle))
        elif metric == "class_recall":
            for i, c in enumerate(classes):
                support = int(conf[i].sum())
                if support == 0:
                    out.append(CheckResult(check_id=check_id, status=Status.INCONCLUSIVE, group=str(c), n=0,
                                           limit=rule.limit.bound, message=f"no row of class '{c}' to measure recall"))
                    continue
                value = conf[i, i] / support
                out.append(judge_figure(check_id, float(value), wilson_interval(int(conf[i, i]), support, confidence),
                                   support, rule, straddle, f"recall of class '{c}' {value:.4f}", group=str(c)))
    return out


def _log_loss(y: np.ndarray, proba: np.ndarray | None, classes: Sequence, rule: Judged, confidence: float,
              straddle: Straddle) -> CheckResult:
    check_id = "performance.log_loss"
    if proba is None:
        return CheckResult(check_id=check_id, status=Status.ERROR, n=len(y), limit=rule.limit.bound,
                           message="the model gives no class probabilities",
                           hint="log the model so its predict returns predict_proba's columns")
    p = np.clip(np.asarray(proba, dtype=float), 1e-15, 1 - 1e-15)
    p = p / p.sum(axis=1, keepdims=True)  # as scikit-learn's log_loss normalises each row
    index = {c: i for i, c in enumerate(classes)}
    losses = -np.log(p[np.arange(len(y)), [index[v] for v in y]])
    mean, ci = mean_interval(losses, confidence, np.inf)
    return judge_figure(check_id, mean, ci, len(y), rule, straddle,
                   f"log loss {mean:.4f}")


# --- fairness, one class against the rest -------------------------------------------------------------------


def _per_class_rates(conf: np.ndarray) -> dict[str, np.ndarray]:
    """Per class (last axis): the share of rows assigned it, its TPR and its FPR, of confusion matrices
    (..., k, k) (outcome by row)."""
    n = conf.sum(axis=(-2, -1))[..., None].astype(float)
    tp = np.diagonal(conf, axis1=-2, axis2=-1).astype(float)
    actual, assigned = conf.sum(axis=-1).astype(float), conf.sum(axis=-2).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {"selection": assigned / n, "tpr": tp / actual, "fpr": (assigned - tp) / (n - actual)}


def _spreads(metric: str, rates: Sequence[Mapping[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Per class, the between-group difference (highest − lowest) of each rate the metric compares: the share
    assigned for demographic parity; TPR and FPR for equalized odds."""
    keys = ("selection",) if metric == "demographic_parity_difference" else ("tpr", "fpr")
    out = {}
    for key in keys:
        stacked = np.stack([r[key] for r in rates])  # (groups, ..., k)
        with np.errstate(invalid="ignore"):
            out[key] = np.nanmax(stacked, axis=0) - np.nanmin(stacked, axis=0)
    return out


def _gap_per_class(metric: str, rates: Sequence[Mapping[str, np.ndarray]]) -> np.ndarray:
    """Per class, the metric's gap: for equalized odds the larger of the TPR and FPR differences, as Fairlearn's
    `equalized_odds_difference`."""
    spreads = list(_spreads(metric, rates).values())
    return spreads[0] if len(spreads) == 1 else np.fmax(*spreads)


def multiclass_fairness_results(y_true: np.ndarray | None, y_pred: np.ndarray, sensitive: pd.DataFrame,
                                classes: Sequence, rules: Mapping[str, Judged], min_group_size: int,
                                confidence: float, resamples: int, seed: int,
                                straddle: Straddle = Straddle.POINT) -> list[CheckResult]:
    """`fairness.<gap>` per sensitive column: the largest over `classes` of the one-against-the-rest gap, with a
    group-stratified bootstrap interval of that largest gap; the message names the class and the groups.
    Without outcomes only demographic parity can be judged. Empty outcomes, or a class outside `classes`, are
    an ERROR naming them."""
    pred = np.asarray(y_pred, dtype=object)
    y = np.asarray(y_true, dtype=object) if y_true is not None else pred  # decisions only: outcomes unused
    ids = [f"fairness.{m}" for m in rules]
    if pd.isna(y).any() or pd.isna(pred).any():
        return not_run(ids, f"{int(pd.isna(y).sum() + pd.isna(pred).sum())} empty outcome(s) or prediction(s)")
    try:
        classes_of(y, pred, classes)
    except ValueError as exc:
        return not_run(ids, f"the outcomes or the predictions: {exc}")
    results: list[CheckResult] = []
    for feature in sensitive.columns:
        labels = sensitive[feature].astype(str).where(sensitive[feature].notna(), "(missing)").to_numpy()
        names, codes = np.unique(labels, return_inverse=True)
        compared = [g for g in range(len(names)) if (codes == g).sum() >= min_group_size]
        confs = {g: confusion(y[codes == g], pred[codes == g], classes) for g in compared}
        for metric, rule in rules.items():
            if metric == "equalized_odds_difference" and y_true is None:
                results.append(_inconclusive(metric, feature, len(pred), rule,
                                             "needs outcomes; these rows hold decisions only"))
            elif len(compared) < 2:
                results.append(_inconclusive(metric, feature, len(pred), rule, f"{len(compared)} group(s) of at least "
                                             f"{min_group_size} rows; two are needed to compare"))
            else:
                results.append(_largest_gap(metric, feature, confs, names, classes, rule, confidence, resamples,
                                            seed, straddle, len(pred)))
    return results


def _largest_gap(metric: str, feature: str, confs: Mapping[int, np.ndarray], names: np.ndarray,
                 classes: Sequence, rule: Judged, confidence: float, resamples: int, seed: int, straddle: Straddle,
                 n: int) -> CheckResult:
    rates = {g: _per_class_rates(c) for g, c in confs.items()}
    spreads = _spreads(metric, list(rates.values()))
    per_class = _gap_per_class(metric, list(rates.values()))
    worst = int(np.nanargmax(per_class))
    key = max(spreads, key=lambda k: np.nan_to_num(spreads[k][worst], nan=-1.0))  # the rate behind the gap
    by_group = {str(names[g]): float(r[key][worst]) for g, r in rates.items()}
    low, high = min(by_group, key=by_group.__getitem__), max(by_group, key=by_group.__getitem__)
    rng, k = np.random.default_rng(seed), len(classes)
    drawn = [_per_class_rates(rng.multinomial(int(c.sum()), c.ravel() / c.sum(), size=resamples).reshape(-1, k, k))
             for c in confs.values()]
    boot = np.nanmax(_gap_per_class(metric, drawn), axis=-1)
    value = float(per_class[worst])
    what = {"selection": "rate of being assigned", "tpr": "true positive rate of", "fpr": "false positive rate of"}
    return judge_figure(f"fairness.{metric}", value, percentile_interval(boot, confidence), n, rule, straddle,
                        f"{LABELS[metric]} {value:.4f}, largest for class '{classes[worst]}' ({what[key]} it: {low} "
                        f"{by_group[low]:.4f}, {high} {by_group[high]:.4f})", group=feature)


def _inconclusive(metric: str, feature: str, n: int, rule: Judged, why: str) -> CheckResult:
    return not_judged_figure(f"fairness.{metric}", n, rule, f"{LABELS[metric]}: {why}", group=feature)


def class_rate_table(y_true: np.ndarray | None, y_pred: np.ndarray, sensitive: pd.DataFrame, classes: Sequence,
                     min_group_size: int) -> list[dict]:
    """Per sensitive column, group and class: the group's rows, its rate of being assigned the class and, given
    outcomes, its recall of the class (true positive rate); groups under `min_group_size` rows are shown and
    marked as left out of the gaps."""
    pred = np.asarray(y_pred, dtype=object)
    y = np.asarray(y_true, dtype=object) if y_true is not None else None
    rows: list[dict] = []
    for feature in sensitive.columns:
        labels = sensitive[feature].astype(str).where(sensitive[feature].notna(), "(missing)").to_numpy()
        for group in np.unique(labels):
            mine = labels == group
            n = int(mine.sum())
            for c in classes:
                assigned = pred[mine] == c
                of_class = (y[mine] == c) if y is not None else None
                recall = (float((assigned & of_class).sum() / of_class.sum())
                          if of_class is not None and of_class.sum() else None)
                rows.append({"feature": feature, "group": str(group), "class": str(c), "n": n,
                             "assigned_rate": float(assigned.mean()), "recall": recall,
                             "left_out": f"fewer than {min_group_size} rows" if n < min_group_size else None})
    return rows
