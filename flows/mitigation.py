"""Mitigation evaluation: for a version with a fairness finding, compare Fairlearn's
ThresholdOptimizer and ExponentiatedGradient and a reweighing baseline with the model as it is,
on the held-out evaluation data, and optionally register the recommended mitigated model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from prefect import flow

from govflow.checks.decision import apply_severity
from govflow.checks.fairness import fairness_audit
from govflow.checks.manifest import canonical_json
from govflow.checks.mitigation import MITIGATIONS, comparison_table, inapplicable_to, recommend
from govflow.checks.performance import performance_results
from govflow.checks.policy import FairnessChecks
from govflow.datasets import LoadedData
from govflow.flows.recording import record_evidence
from govflow.flows.subject import Subject, open_run, resolve_subject
from govflow.tasks.data import load_dataset
from govflow.tasks.mitigation import (
    Candidate,
    fit_exponentiated_gradient,
    fit_reweighing,
    fit_threshold_optimizer,
    load_sklearn_model,
)
from govflow.tasks.models import register_sklearn_version
from govflow.tasks.scoring import LoadedModel, fetch_model, predict
from govflow.tasks.task_type import run_logger

FLOW = "mitigation"
# Only a plain scikit-learn pipeline can be registered and served as it is; the Fairlearn
# mitigators need the sensitive features (ThresholdOptimizer) or randomised predictions.
REGISTRABLE = {"reweighing"}


class MitigationInputError(ValueError):
    """The version lacks what a mitigation needs (label, sensitive features, data); exit 2."""


@dataclass(frozen=True)
class MitigationOutcome:
    model: str
    version: str
    table: list[dict]
    errors: dict[str, str]
    recommended: str | None
    registered_version: str | None
    run_id: str


@dataclass(frozen=True)
class _Inputs:
    """The data and model a mitigation evaluation works on, checked usable."""

    reference: LoadedData
    evaluation: LoadedData
    loaded: LoadedModel
    label: str
    sensitive: list[str]
    fairness: FairnessChecks


@flow(name="mitigation-evaluation", flow_run_name="mitigations-{model}-v{version}")
def mitigation_evaluation(model: str, version: str, register_best: bool = False) -> MitigationOutcome:
    """Before/after table of every fairness check and of accuracy and AUC for each mitigation."""
    logger = run_logger()
    ctx = resolve_subject(model, version)
    uri, subject, tier, policy = ctx.uri, ctx.version, ctx.tier, ctx.policy
    data = _inputs(ctx)
    candidates, x_fit = _candidates(data, data.fairness.seed)
    frame, fairness = data.evaluation.table, data.fairness
    y_eval = frame[data.label].to_numpy()
    results = {name: apply_severity(
        performance_results(y_eval, c.classes, c.score, tier.performance, policy.confidence, data.label)
        + fairness_audit(y_eval, c.classes, frame[data.sensitive], fairness, policy.confidence,
                         score=c.score).results, tier) for name, c in candidates.items() if c.error is None}
    errors = {name: c.error for name, c in candidates.items() if c.error}
    table = comparison_table(results)
    recommended = recommend(results, tier, eligible=set(results) - {"original"})
    registrable = recommend(results, tier, eligible=REGISTRABLE & set(results))
    registered = None
    run = open_run(ctx, FLOW)
    if register_best and registrable is not None:
        registered = register_sklearn_version(
            uri, subject.run_id or run.run_id, model, candidates[registrable].model, x_fit,
            run_name=f"mitigation-{registrable}-{model}-v{subject.version}",
            version_tags={**subject.version_tags, "governance.mitigation_of": f"{model}/{subject.version}",
                          "governance.mitigation_method": registrable, "governance.mitigation_run": run.run_id},
        )
    document = {"model": model, "version": subject.version, "flow": FLOW, "sensitive_features": data.sensitive,
                "candidates": list(candidates), "errors": errors, "recommended": recommended,
                "recommended_registrable": registrable, "registered_version": registered, "table": table}
    record_evidence(ctx, run, FLOW, files={"evidence/mitigation.json": canonical_json(document)},
                    inputs={"reference_data": data.reference.fingerprint or "",
                            "evaluation_data": data.evaluation.fingerprint or "",
                            "model_version": f"models:/{model}/{subject.version}"},
                    tags={"governance.recommended_mitigation": recommended or "none"},
                    metrics=_accuracy_metrics(results))
    logger.info("%s v%s: recommended mitigation %s", model, subject.version, recommended)
    return MitigationOutcome(model, subject.version, table, errors, recommended, registered, run.run_id)


def _inputs(ctx: Subject) -> _Inputs:
    """The version's label, sensitive features, data and model; MitigationInputError naming what is missing."""
    model, subject, tags = ctx.version.model, ctx.version, ctx.tags
    label = tags.columns.label or None
    sensitive = [c for c in tags.columns.sensitive if c != label]
    if (why := inapplicable_to(ctx.tier.task)) is not None:
        raise MitigationInputError(f"{model} v{subject.version} is {why}")
    fairness = ctx.tier.fairness
    if fairness is None or not label or not sensitive:
        raise MitigationInputError(f"{model} v{subject.version}: mitigation needs governance.label, "
                                   "governance.sensitive_features and a tier with fairness checks")
    reference = load_dataset(tags.data.reference)
    evaluation = load_dataset(tags.data.evaluation)
    for name, data in (("reference", reference), ("evaluation", evaluation)):
        if not data.has_rows:
            raise MitigationInputError(f"{model} v{subject.version}: {name} data unusable: {data.error or 'no rows'}")
    loaded = fetch_model(ctx.uri, model, subject.version)
    if loaded.error:
        raise MitigationInputError(loaded.error)
    return _Inputs(reference, evaluation, loaded, label, sensitive, fairness)


def _candidates(data: _Inputs, seed: int) -> tuple[dict[str, Candidate], pd.DataFrame]:
    """The model as it is and each mitigation of it, scored on the evaluation data; the rows they were fitted
    on. Mitigations need the scikit-learn estimator: without it each says why."""
    label, sensitive, reference, evaluation = data.label, data.sensitive, data.reference, data.evaluation
    inputs = list(data.loaded.input_columns) or [c for c in reference.columns if c not in (label, *sensitive)]
    fit, held_out = reference.table, evaluation.table
    x_fit, x_eval = fit[inputs], held_out[inputs]
    y_fit = fit[label].to_numpy()
    # Mitigate for the intersection of every sensitive feature, the finest groups the checks judge.
    s_fit = fit[sensitive].astype(str).agg("&".join, axis=1).to_numpy()
    s_eval = held_out[sensitive].astype(str).agg("&".join, axis=1).to_numpy()
    candidates = {"original": _as_candidate(predict(data.loaded, held_out, exclude=(label, *sensitive)))}
    estimator, estimator_error = load_sklearn_model(data.loaded.local_path or "")
    if estimator is None:
        for name in MITIGATIONS:
            candidates[name] = Candidate(error=estimator_error)
    else:
        candidates["threshold_optimizer"] = fit_threshold_optimizer(estimator, x_fit, y_fit, s_fit, x_eval, s_eval, seed)
        candidates["exponentiated_gradient"] = fit_exponentiated_gradient(estimator, x_fit, y_fit, s_fit, x_eval, seed)
        candidates["reweighing"] = fit_reweighing(estimator, x_fit, y_fit, s_fit, x_eval)
    return candidates, x_fit


def _as_candidate(scored) -> Candidate:
    return Candidate(pred=scored.pred, score=scored.score, error=scored.error)


def _accuracy_metrics(results: dict) -> dict[str, float]:
    return {f"mitigation.{name}.{r.check_id}": r.value for name, rs in results.items() for r in rs
            if r.family == "performance" and isinstance(r.value, float) and np.isfinite(r.value)}
