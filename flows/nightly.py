"""The nightly run: every deployed version (one holding an alias) judged on the production batches that
arrived since its last monitoring run: data validation, performance and its decay since approval,
fairness, and drift of features, outputs and outcomes, per period, so a model that goes wrong shows
when it did."""

from __future__ import annotations

from dataclasses import dataclass

from prefect import flow, get_run_logger

from checks.decision import decide
from checks.evidence import family_documents, key_metrics, period_metrics, verdict_document
from checks.periods import last_stamp, monitoring_start, rows_after, split_periods
from checks.results import CheckResult, Status, not_run
from checks.signoff import check_serving
from flows import monitoring as step
from flows.recording import findings_evidence, record_evidence
from flows.subject import open_run, resolve_subject
from govflow.settings import Settings
from tasks.registry import list_deployed_versions, read_past_run, set_version_tags

FLOW = "monitor"
FAMILIES = ("data", "performance", "fairness", "drift")

@dataclass(frozen=True)
class MonitorOutcome:
    model: str
    version: str
    verdict: str
    reasons: tuple[str, ...] = ()
    results: tuple[CheckResult, ...] = ()
    run_id: str | None = None
    error: str | None = None


@flow(name="monitor-version")
def monitor_version(model: str, version: str) -> MonitorOutcome:
    """One deployed version on the batches since its last monitoring run; evidence and trends in MLflow."""
    ctx = resolve_subject(model, version)
    uri, subject, tags, tier_name, tier, policy = ctx.uri, ctx.version, ctx.tags, ctx.tier_name, ctx.tier, ctx.policy
    previous = read_past_run(uri, tags.get("governance.last_monitor_run"))
    start = monitoring_start(previous.tags if previous else None)
    gate = read_past_run(uri, tags.get("governance.last_gate_run"))
    run = open_run(ctx, FLOW)
    out = step.Collected(inputs={"model_version": f"models:/{model}/{subject.version}"})
    if tier.governance.serving is not None:
        out.add(check_serving(subject.aliases, tags.get("governance.status")))
    scorer = step.Scorer(uri, model, subject.version, tags)
    needs_data = [c for family in FAMILIES for c in tier.enabled_check_ids(family) if c != "data.readable"]
    timestamp = tags.get("governance.timestamp")

    frame = step.load_production(tags, scorer, out, needs_data)
    reference = step.load_reference(tags, out, needs_data) if frame is not None else None
    periods = step.split(frame, timestamp, policy.monitoring_period, out, needs_data) if reference is not None else None
    families, pending, through = FAMILIES, [], start
    if periods is not None:
        new = rows_after(frame, timestamp, start)
        new_periods = split_periods(new, timestamp, policy.monitoring_period)
        families = ("data",)
        if new.empty:
            out.add([CheckResult(check_id="data.readable", status=Status.INCONCLUSIVE, column="monitoring", n=0,
                                 message=f"no monitoring rows after {start}, where the last monitoring run stopped",
                                 hint="check that the production feed still delivers batches")])
        else:
            through = last_stamp(new, timestamp) or start
            columns = list(frame.columns)
            step.validate(new_periods, columns, reference, tags, tier, f"{model}-monitoring", out)
            step.fairness(new_periods, columns, tags, tier, policy, out)
            step.drift(new_periods, columns, reference, scorer, tags, tier, out)
            step.evidently_report(new, reference, tags, tier, out)
            families += ("fairness", "drift")
        pending = step.performance(periods, {p for p, _ in new_periods}, tags, tier, policy,
                                   gate.metrics if gate else None, out)
        # Performance is expected once any outcome is known; until then the periods wait for labels.
        if any(r.family == "performance" for r in out.results):
            families += ("performance",)
    # Judged only where they apply: outcome drift once labels arrive, uniqueness where an id is declared.
    not_judged = tuple(c for c in ("drift.label", "data.unique") if not any(r.check_id == c for r in out.results))
    decision = decide(ctx.waived(out.results), tier, families=families, not_judged=not_judged)
    context = {"model": model, "version": subject.version, "flow": FLOW, "risk_tier": tier_name,
               "period": policy.monitoring_period, "monitored_from": start, "monitored_through": through,
               "periods_awaiting_labels": pending}
    dates, findings_file = findings_evidence(ctx, decision.results)
    context |= dates
    out.files |= family_documents(decision.results, context) | findings_file
    out.files["evidence/verdict.json"] = verdict_document(decision, context)
    record_evidence(ctx, run, FLOW, files=out.files, inputs=out.inputs, metrics=key_metrics(decision.results),
                    history=period_metrics(decision.results),
                    tags={"governance.verdict": decision.verdict.value, "governance.risk_tier": tier_name,
                          "governance.monitored_from": start or "", "governance.monitored_through": through or ""})
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
