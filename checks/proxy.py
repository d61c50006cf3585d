"""Proxy detection: how much a model's inputs reveal the sensitive attributes it must not use.

Leaving a protected attribute out of the inputs does not keep a model from using it when another input
stands in for it. Two measures, each judged against the policy's warn and fail limits and naming the
input: Cramer's V of each input with each attribute, and the cross-validated AUC of a classifier that
predicts the attribute from all the inputs together.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from govflow.checks.policy import BandRule, ProxyChecks
from govflow.checks.results import CheckResult, Status
from govflow.checks.sampling import seeded_sample

MISSING = "(missing)"


def as_categories(values: pd.Series, bins: int) -> pd.Series:
    """A column as category labels: a numeric one with more than `bins` distinct values cut at its inner
    quantiles (a value repeated across quantiles, such as a mass of zeros, keeps a bin of its own); a
    missing value is a category of its own."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values) \
            and values.nunique(dropna=True) > bins:
        present = values.to_numpy(dtype=float)
        inner = np.unique(np.nanquantile(present, np.arange(1, bins) / bins))
        index = np.searchsorted(inner, present, side="left")
        labels = pd.Series([f"<= {inner[i]:.4g}" if i < len(inner) else f"> {inner[-1]:.4g}" for i in index],
                           index=values.index)
        return labels.where(values.notna(), MISSING)
    return values.astype(object).where(values.notna(), MISSING).astype(str)


def cramers_v(a: pd.Series, b: pd.Series) -> float:
    """Cramer's V of two categorical columns: sqrt(chi2 / (n (min(r, c) - 1))), no continuity correction;
    0 when either has a single category."""
    table = pd.crosstab(a, b).to_numpy(dtype=float)
    r, c = table.shape
    if min(r, c) < 2:
        return 0.0
    n = table.sum()
    expected = table.sum(axis=1, keepdims=True) @ table.sum(axis=0, keepdims=True) / n
    chi2 = float(((table - expected) ** 2 / expected).sum())
    return float(np.sqrt(chi2 / (n * (min(r, c) - 1))))


def _band(value: float, rule: BandRule) -> Status:
    return Status.FAIL if value > rule.max else Status.WARN if value > rule.warn else Status.PASS


def association_results(frame: pd.DataFrame, features: Sequence[str], sensitive: Sequence[str],
                        rules: ProxyChecks) -> tuple[list[CheckResult], list[dict]]:
    """`proxy.association` per input and attribute: Cramer's V above `warn` warns, above `max` fails."""
    rule = rules.association
    results, rows = [], []
    for attribute in sensitive:
        target = as_categories(frame[attribute], rules.bins)
        if frame[attribute].nunique(dropna=True) < 2:
            # Nothing can be associated with an attribute that does not vary: no evidence, not a pass.
            if rule is not None:
                results.append(CheckResult(check_id="proxy.association", status=Status.INCONCLUSIVE, group=attribute,
                                           n=len(frame), message=f"'{attribute}' has fewer than two known values "
                                                                 f"in {len(frame)} rows; no input can be judged"))
            continue
        for feature in features:
            v = cramers_v(as_categories(frame[feature], rules.bins), target)
            rows.append({"feature": feature, "attribute": attribute, "cramers_v": v})
            if rule is None:
                continue
            status = _band(v, rule)
            words = {Status.PASS: "is not a strong proxy for", Status.WARN: "is associated with",
                     Status.FAIL: "is a proxy for"}[status]
            results.append(CheckResult(
                check_id="proxy.association", status=status, value=v, limit=rule.max, n=len(frame), column=feature,
                group=attribute, message=f"'{feature}' {words} '{attribute}' (Cramer's V {v:.3f}; warn above "
                                         f"{rule.warn}, fail above {rule.max})",
                hint=None if status is Status.PASS else f"review whether '{feature}' is needed, or test the model "
                                                         f"without it: it carries '{attribute}'"))
    return results, rows


def predictability(frame: pd.DataFrame, features: Sequence[str], attribute: str, folds: int, seed: int) -> float:
    """Cross-validated ROC AUC (one-vs-rest macro average for more than two groups) of a logistic regression
    predicting `attribute` from `features`: 0.5 is chance, 1.0 means the inputs reveal it exactly."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    x = frame[list(features)]
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(x[c]) and not pd.api.types.is_bool_dtype(x[c])]
    categorical = [c for c in features if c not in numeric]
    x = x.astype({c: object for c in categorical})
    x[categorical] = x[categorical].where(x[categorical].notna(), MISSING).astype(str)
    prep = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
    ])
    y = frame[attribute].astype(str).to_numpy()
    model = make_pipeline(prep, LogisticRegression(max_iter=1000))
    proba = cross_val_predict(model, x, y, cv=StratifiedKFold(folds, shuffle=True, random_state=seed),
                              method="predict_proba")
    classes = np.unique(y)
    if len(classes) == 2:
        return float(roc_auc_score(y == classes[1], np.asarray(proba)[:, 1]))
    return float(roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=classes))


def predictability_results(frame: pd.DataFrame, features: Sequence[str], sensitive: Sequence[str],
                           rules: ProxyChecks, associations: Sequence[dict]) -> tuple[list[CheckResult], list[dict]]:
    """`proxy.predictability` per attribute: AUC above `warn` warns, above `max` fails; the message names the
    input most associated with the attribute. Groups with fewer rows than folds are left out, and an
    attribute left with one group is INCONCLUSIVE."""
    rule = rules.predictability
    if rule is None:
        return [], []
    results, rows = [], []
    for attribute in sensitive:
        present = frame[frame[attribute].notna()]
        counts = present[attribute].astype(str).value_counts()
        kept = present[present[attribute].astype(str).isin(counts[counts >= rules.folds].index)]
        common = {"check_id": "proxy.predictability", "column": attribute, "limit": rule.max, "n": len(kept)}
        if kept[attribute].astype(str).nunique() < 2:
            results.append(CheckResult(**common, status=Status.INCONCLUSIVE, message=(
                f"'{attribute}' has fewer than two groups of at least {rules.folds} rows to predict")))
            continue
        auc = predictability(kept, features, attribute, rules.folds, rules.seed)
        strongest = max((a for a in associations if a["attribute"] == attribute), key=lambda a: a["cramers_v"],
                        default=None)
        lead = f"; strongest single proxy '{strongest['feature']}' (Cramer's V {strongest['cramers_v']:.3f})" \
            if strongest else ""
        status = _band(auc, rule)
        rows.append({"attribute": attribute, "auc": auc, "rows": len(kept), "groups": int(counts.size),
                     "strongest_proxy": strongest["feature"] if strongest else None})
        results.append(CheckResult(**common, status=status, value=auc, message=(
            f"the inputs predict '{attribute}' with cross-validated AUC {auc:.3f} (0.5 is chance; warn above "
            f"{rule.warn}, fail above {rule.max}){lead}"),
            hint=None if status is Status.PASS else "the model can rely on the attribute through its inputs: test "
                                                     "its fairness and consider removing the strongest proxies"))
    return results, rows


def proxy_audit(frame: pd.DataFrame, features: Sequence[str], sensitive: Sequence[str],
                rules: ProxyChecks) -> tuple[list[CheckResult], dict]:
    """Both proxy measures on a seeded sample of at most `sample_rows` rows; the results and the evidence."""
    sample = seeded_sample(frame[list(dict.fromkeys([*features, *sensitive]))], rules.sample_rows, rules.seed)
    associated, table = association_results(sample, features, sensitive, rules)
    predicted, auc_rows = predictability_results(sample, features, sensitive, rules, table)
    return associated + predicted, {"rows": len(sample), "of_rows": len(frame), "seed": rules.seed,
                                    "bins": rules.bins, "folds": rules.folds, "association": table,
                                    "predictability": auc_rows}
