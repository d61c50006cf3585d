"""The nightly run: every deployed version (one holding an alias) judged on its production data,
per period (fairness, and drift against the reference data), so a model that becomes unfair as its
data drifts is caught when it happens."""

from __future__ import annotations

from dataclasses import dataclass

from prefect import flow, get_run_logger

from checks.data_validation import check_readable
from checks.drift import drift_report, shared_columns
from checks.decision import decide
from checks.evidence import family_documents, key_metrics, period_metrics, verdict_document
from checks.fairness import fairness_audit
from checks.governance_tags import declared_columns
from checks.manifest import canonical_json
from checks.periods import ALL_PERIODS, join_labels, split_periods
from checks.policy import Policy, TierPolicy
from checks.performance import performance_results
from checks.results import CheckResult, not_run
from flows.recording import record_evidence
from govflow.settings import Settings
from tasks.data import load_dataset
from flows.subject import open_run, resolve_subject
from tasks.registry import list_deployed_versions, set_version_tags
from tasks.reports import render_evidently_drift
from tasks.scoring import fetch_model, predict

FLOW = "monitor"
FAMILIES = ("performance", "fairness", "drift")


@dataclass(frozen=True)
class MonitorOutcome:
    model: str
    version: str
    verdict: str
    reasons: tuple[str, ...] = ()
    results: tuple[CheckResult, ...] = ()
    run_id: str | None = None
    error: str | None = None


def _monitoring_frame(uri: str, model: str, version: str, tags: dict[str, str], results: list[CheckResult],
                      inputs: dict[str, str], check_ids: list[str]):
    """Production rows with labels joined and predictions present, or None when unusable; then each of
    `check_ids` gets an ERROR result saying why."""
    monitoring = load_dataset(tags.get("governance.monitoring_data"))
    results += check_readable("monitoring", monitoring.uri, monitoring.rows, monitoring.error)
    if not monitoring.has_rows:
        results += not_run(check_ids, "no monitoring data")
        return None
    inputs["monitoring_data"] = monitoring.fingerprint or ""
    frame, label = monitoring.frame, tags.get("governance.label", "")
    if labels_uri := tags.get("governance.labels_data"):
        labels = load_dataset(labels_uri)
        results += check_readable("labels", labels.uri, labels.rows, labels.error)
        if labels.has_rows:
            inputs["labels_data"] = labels.fingerprint or ""
            try:
                frame = join_labels(frame, labels.frame, tags.get("governance.id_column", ""), label)
            except ValueError as exc:
                results += not_run(check_ids, str(exc))
                return None
    prediction = tags.get("governance.prediction", "")
    if prediction not in frame.columns:
        # No logged decisions: score the batches with the registered model, as it would have.
        loaded = fetch_model(uri, model, version)
        scored = predict(loaded, frame, exclude=tuple(declared_columns(tags))) if not loaded.error else None
        error = loaded.error or scored.error
        if error:
            results += not_run(check_ids, error)
            return None
        frame = frame.assign(**{prediction: scored.pred})
        if scored.score is not None and tags.get("governance.score"):
            frame = frame.assign(**{tags["governance.score"]: scored.score})
    if label and label not in frame.columns:
        frame = frame.assign(**{label: None})  # outcomes not yet known: judge what needs none
    return frame


def _performance_by_period(periods: list, tags: dict[str, str], tier: TierPolicy,
                           policy: Policy) -> tuple[list[CheckResult], list[str]]:
    """The tier's performance limits on each period's labelled rows, and the periods still awaiting labels.

    Performance is judged when labels have arrived; a period without them is pending, not a finding.
    """
    label, prediction, score = (tags.get(f"governance.{t}", "") for t in ("label", "prediction", "score"))
    results, pending = [], []
    for period, rows in periods:
        labelled = rows[rows[label].notna()]
        if labelled.empty:
            pending.append(period)
            continue
        dated = {} if period == ALL_PERIODS else {"period": period}
        judged = performance_results(labelled[label].to_numpy(), labelled[prediction].to_numpy(),
                                     labelled[score].to_numpy() if score in labelled.columns else None,
                                     tier.performance, policy.confidence, label_column=label)
        results += [r.model_copy(update=dated) for r in judged]
    return results, pending


def _fairness_by_period(periods: list, columns: list[str], tags: dict[str, str], tier: TierPolicy,
                        policy: Policy) -> tuple[list[CheckResult], list[dict]]:
    label, prediction = tags.get("governance.label", ""), tags.get("governance.prediction", "")
    sensitive = [c for c in declared_columns(tags) if c != label]
    missing = [c for c in [label, *sensitive] if c not in columns]
    if missing:
        return not_run(tier.enabled_check_ids("fairness"), f"monitoring data lacks column(s) {missing}"), []
    results, groups = [], []
    score = tags.get("governance.score")
    for period, rows in periods:
        labelled = rows[rows[label].notna()]
        # Before any outcome of the period is known, its selection rates are judged on every row.
        audited = labelled if len(labelled) else rows
        audit = fairness_audit(labelled[label].to_numpy() if len(labelled) else None,
                               audited[prediction].to_numpy(), audited[sensitive],
                               tier.fairness, policy.confidence,
                               score=audited[score].to_numpy() if score in audited.columns else None,
                               label_column=label, prediction_column=prediction)
        dated = {} if period == ALL_PERIODS else {"period": period}
        results += [r.model_copy(update=dated) for r in audit.results]
        groups += [{**g, **dated} for g in audit.groups]
    return results, groups


def _not_features(tags: dict[str, str]) -> set[str | None]:
    return {tags.get(f"governance.{t}") for t in ("label", "prediction", "score", "timestamp", "id_column")}


def _drift_by_period(periods: list, reference, columns: list[str], tier: TierPolicy) -> list[CheckResult]:
    """Each period's production rows against the reference data, over the feature columns both hold."""
    if not columns:
        return not_run(tier.enabled_check_ids("drift"), "monitoring and reference data share no feature column")
    results = []
    for period, rows in periods:
        dated = {} if period == ALL_PERIODS else {"period": period}
        results += [r.model_copy(update=dated) for r in drift_report(reference, rows, columns, tier.drift).results]
    return results


def _drift(periods: list, frame, tags: dict[str, str], tier: TierPolicy, results: list[CheckResult],
           inputs: dict[str, str]) -> dict[str, bytes]:
    """Drift per period against the reference data, and Evidently's report as evidence files."""
    reference = load_dataset(tags.get("governance.reference_data"))
    results += check_readable("reference", reference.uri, reference.rows, reference.error)
    if not reference.has_rows:
        results += not_run(tier.enabled_check_ids("drift"), "reference data is needed")
        return {}
    inputs["reference_data"] = reference.fingerprint or ""
    columns = shared_columns(list(reference.frame.columns), list(frame.columns), _not_features(tags))
    results += _drift_by_period(periods, reference.frame, columns, tier)
    if not columns:
        return {}
    report = render_evidently_drift(reference.frame, frame, columns, tier.drift.report_rows, tier.drift.seed)
    files = {"evidence/evidently/sample.json": canonical_json({**report.sample, "error": report.error})}
    if report.error is None:
        files["evidence/evidently/drift_report.html"] = report.html
        files["evidence/evidently/drift_report.json"] = report.json
    return files


@flow(name="monitor-version")
def monitor_version(model: str, version: str) -> MonitorOutcome:
    """One deployed version on its production data: performance, fairness and drift per period,
    evidence and trends in MLflow."""
    ctx = resolve_subject(model, version)
    uri, subject, tags, tier_name, tier = ctx.uri, ctx.version, ctx.tags, ctx.tier_name, ctx.tier
    policy = ctx.policy
    run = open_run(ctx, FLOW)
    needs_frame = [c for family in FAMILIES for c in tier.enabled_check_ids(family)]
    results: list[CheckResult] = []
    inputs = {"model_version": f"models:/{model}/{subject.version}"}
    files: dict[str, bytes] = {}
    frame = _monitoring_frame(uri, model, subject.version, tags, results, inputs, needs_frame)
    periods, pending = None, []
    if frame is not None:
        try:
            periods = split_periods(frame, tags.get("governance.timestamp"), policy.monitoring_period)
        except ValueError as exc:
            results += not_run(needs_frame, str(exc))
    if periods is not None:
        performance, pending = _performance_by_period(periods, tags, tier, policy)
        results += performance
        if tier.fairness is not None:
            fairness, groups = _fairness_by_period(periods, list(frame.columns), tags, tier, policy)
            results += fairness
            files["evidence/fairness_groups.json"] = canonical_json({"groups": groups})
        if tier.drift is not None:
            files |= _drift(periods, frame, tags, tier, results, inputs)

    # Without a single label yet, performance cannot be expected; the pending periods are recorded.
    families = tuple(f for f in FAMILIES if f != "performance" or any(r.family == f for r in results))
    decision = decide(results, tier, families=families)
    context = {"model": model, "version": subject.version, "flow": FLOW, "risk_tier": tier_name,
               "period": policy.monitoring_period, "periods_awaiting_labels": pending}
    files |= family_documents(decision.results, context)
    files["evidence/verdict.json"] = verdict_document(decision, context)
    record_evidence(ctx, run, FLOW, files=files, inputs=inputs, metrics=key_metrics(decision.results),
                    history=period_metrics(decision.results),
                    tags={"governance.verdict": decision.verdict.value, "governance.risk_tier": tier_name})
    set_version_tags(uri, model, subject.version, {f"governance.last_{FLOW}_run": run.run_id})
    return MonitorOutcome(model, subject.version, decision.verdict.value, decision.reasons, decision.results,
                          run.run_id)


@flow(name="nightly-governance")
def nightly_governance(models: list[str] | None = None) -> list[MonitorOutcome]:
    """Monitor every deployed version; one version's error is recorded as its outcome, the rest go on."""
    logger = get_run_logger()
    settings = Settings()
    outcomes = []
    for model, version in list_deployed_versions(settings.resolved_tracking_uri, models):
        try:
            outcomes.append(monitor_version(model, version))
        except Exception as exc:  # a finding about this model; the fleet run continues
            logger.error("monitoring %s v%s failed: %s", model, version, exc)
            outcomes.append(MonitorOutcome(model, version, "BLOCKED", error=f"{type(exc).__name__}: {exc}"))
    return outcomes
