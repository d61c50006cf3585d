"""The nightly run: every deployed version (one holding an alias) judged on the production batches that
arrived since its last monitoring run: data validation, performance and its decay since approval,
fairness, and drift of features, outputs and outcomes, per period, so a model that goes wrong shows
when it did."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from prefect import flow, get_run_logger

from govflow import clock
from govflow.checks.check_registry import EVERYTHING, Need, Stage, expected_at, not_expected_at, skipped_for_kind
from govflow.checks.decision import decide
from govflow.checks.evidence_documents import (
    family_documents,
    key_metrics,
    period_metrics,
    verdict_document,
    verdict_tags,
)
from govflow.checks.lifetime_state import LifetimeState
from govflow.checks.manifest import canonical_json, sha256_hex
from govflow.checks.monitoring_plan import read_window
from govflow.checks.night_window import NightWindow
from govflow.checks.periods import last_stamp, monitoring_start, rows_after, split_periods
from govflow.checks.results import CheckResult, Status, not_run
from govflow.checks.signoff import check_serving
from govflow.checks.system_kind import SystemKind
from govflow.flows import monitoring as step
from govflow.flows.alerts import alert_on_failure
from govflow.flows.estimates import class_estimates, estimates, loss_estimates
from govflow.flows.genai_night import genai_night
from govflow.flows.lifetime import ReadPeriods, carried_lifetime, lifetime
from govflow.flows.reconcile import gate_or_error
from govflow.flows.recording import findings_evidence, judge_and_record, record_evidence
from govflow.flows.report import ReportOutcome, fleet_report
from govflow.flows.runners import SettingsTaskRunner, share_of_cores
from govflow.flows.settling import settle_stalled_runs
from govflow.flows.subject import Subject, open_run, resolve_subject
from govflow.settings import Settings
from govflow.tasks.artifacts import read_evidence_json, read_verdict
from govflow.tasks.registry import list_deployed_versions, list_ungated_versions, read_past_run, set_version_tags
from govflow.tasks.runs import find_completed_run
from govflow.tasks.task_type import NO_CACHE, task

FLOW = "monitor"

@dataclass(frozen=True)
class MonitorOutcome:
    model: str
    version: str
    verdict: str
    reasons: tuple[str, ...] = ()
    results: tuple[CheckResult, ...] = ()
    run_id: str | None = None
    error: str | None = None
    reused: bool = False
    because: str = ""  # the verdict in one line
    behind: tuple[str, ...] = ()  # the check ids the reasons name (Decision.behind)


def run_key(ctx: Subject, inputs: dict[str, str], through: str | None, gate_run: str | None) -> str:
    """What makes two monitoring runs the same judgement: version, data window end, the inputs' fingerprints,
    the baseline gate run, and the policy and waivers in force."""
    return sha256_hex(canonical_json({
        "model": ctx.version.model, "version": ctx.version.version, "flow": FLOW, "through": through,
        "inputs": inputs, "gate_run": gate_run, "policy": ctx.policy_sha, "waivers": ctx.waivers_sha}))


def monitor_night(model: str, version: str) -> MonitorOutcome:
    """One deployed version on the batches since its last monitoring run; evidence and trends in MLflow. The
    night calls it inside its model's task run; `monitor_version` runs it as a flow of its own."""
    ctx = resolve_subject(model, version)
    uri, subject, tags, tier = ctx.uri, ctx.version, ctx.tags, ctx.tier
    previous = read_past_run(uri, tags.last_monitor_run)
    start = monitoring_start(previous.tags if previous else None)
    gate = read_past_run(uri, tags.last_gate_run)
    out = step.Collected(inputs={"model_version": f"models:/{model}/{subject.version}"})
    if tier.governance.serving is not None:
        out.add(check_serving(subject.aliases, tags.status))
    if ctx.jurisdiction_error is not None:  # judged under the tier alone it would pass what its region tightens
        out.add([ctx.jurisdiction_error])
    out.add(skipped_for_kind(Stage.MONITORING, tier, tags))  # what the kind of system cannot be judged by
    night = genai_night if tags.kind is SystemKind.GENAI else _tabular_night
    has, pending, through = night(ctx, start, gate, out)
    key = run_key(ctx, out.inputs, through, gate.run_id if gate else None)
    if (done := find_completed_run(uri, ctx.settings.experiment, model, key)) is not None:
        # Same version, data window, inputs and policy as a run already recorded: its evidence stands.
        return MonitorOutcome(model, subject.version, done.verdict, (
            f"unchanged since monitoring run {done.run_id} (same data window, inputs and policy); not run again",),
            tuple(read_verdict(uri, done.run_id)), done.run_id, reused=True)
    not_judged = not_expected_at(Stage.MONITORING, tier, tags, has, produced={r.check_id for r in out.results})
    return _record_night(ctx, out, not_judged, {"monitored_from": start, "monitored_through": through,
                                               "periods_awaiting_labels": pending}, key)


monitor_version = flow(name="monitor-version", flow_run_name="monitor-{model}-v{version}")(monitor_night)
# Within a night, a task run inside its model's: Prefect's UI lists each version's run by the name and state it
# had as a subflow, without a flow engine's start and heartbeat (1.2 s a version, profiled).
monitor_in_night = task(name="monitor-version", task_run_name="monitor-{model}-v{version}",
                        cache_policy=NO_CACHE, own_run=True)(monitor_night)


def _tabular_night(ctx: Subject, start: str | None, gate, out: step.Collected) -> tuple[set[Need], list[str], str | None]:
    """A model's or a vendor system's night: the production rows (with outputs as logged or as the model gives
    them) and the reference, split into periods and judged; what the night has, the periods awaiting labels and
    how far the data reaches. Data that never loaded expects everything."""
    tags, tier, policy = ctx.tags, ctx.tier, ctx.policy
    scorer = step.Scorer(ctx.uri, ctx.version.model, ctx.version.version, tags)
    needs_data = expected_at(Stage.MONITORING, tier, tags, needing=Need.DATA)
    carried = carried_lifetime(ctx.uri, tags.last_monitor_run)
    window = read_window(carried, start, tags, tier)  # the latest periods only, when that judges the same
    frame = step.load_production(tags, scorer, out, needs_data, since=window.rows_from)
    if frame is not None and frame.empty and window.rows_from is not None:  # rows the last run saw are gone
        window = NightWindow(None, why=f"no rows from {window.rows_from}, where the last run's periods end")
        frame = step.load_production(tags, scorer, step.Collected(), needs_data)
    reference = step.load_reference(tags, out, needs_data) if frame is not None else None
    periods = (step.split(frame, tags.columns.timestamp or None, policy.monitoring_period, out, needs_data)
               if frame is not None and reference is not None else None)
    if periods is None:
        return set(EVERYTHING), [], start
    read = ReadPeriods(periods, window, lambda: step.every_period(tags, scorer, policy.monitoring_period))
    return _judge_periods(ctx, frame, reference, read, carried, start, scorer, gate, out)


def _judge_periods(ctx: Subject, frame, reference, read: ReadPeriods, carried: LifetimeState, start: str | None,
                   scorer: step.Scorer, gate, out: step.Collected) -> tuple[set[Need], list[str], str | None]:
    """Every family's steps on the night's periods: what the night has (data, rows, labels), the periods still
    waiting for labels, and the last moment the data reaches."""
    tags, tier, policy, model = ctx.tags, ctx.tier, ctx.policy, ctx.version.model
    timestamp, periods = tags.columns.timestamp or None, read.periods
    new = rows_after(frame, timestamp, start)
    new_periods = split_periods(new, timestamp, policy.monitoring_period)
    has, through, judged = {Need.DATA}, start, {p for p, _ in new_periods}
    baseline = gate.metrics if gate else None
    if new.empty:
        out.add([CheckResult(check_id="data.readable", status=Status.INCONCLUSIVE, column="monitoring", n=0,
                             message=f"no monitoring rows after {start}, where the last monitoring run stopped",
                             hint="check that the production feed still delivers batches")])
    else:
        through = last_stamp(new, timestamp) or start
        columns = list(frame.columns)
        step.validate(new_periods, columns, reference, tags, tier, f"{model}-monitoring", out)
        step.fairness(new_periods, columns, reference, tags, tier, policy, out)
        step.drift(new_periods, columns, reference, scorer, tags, tier, out)
        step.multivariate(new_periods, columns, reference, tags, tier, policy, out)
        step.evidently_report(new, reference, tags, tier, out, [p for p, _ in new_periods])
        has.add(Need.ROWS)
    pending = step.performance(periods, judged, reference, scorer, tags, tier, policy, baseline, out)
    estimates(periods, judged, reference, scorer, tags, tier, policy, baseline, out)
    loss_estimates(periods, judged, reference, scorer, tags, tier, baseline, out)
    class_estimates(periods, judged, reference, scorer, tags, tier, policy, baseline, out)
    lifetime(read, judged, reference, tags, tier, baseline, carried, policy.monitoring_period, out)
    step.stability(periods, tags, tier, policy, scorer, read_evidence_json(
        ctx.uri, gate.run_id if gate else None, "evidence/explainability/importance.json"), out)
    # Performance and explanation stability are expected once any outcome is known (read from the data,
    # not from what the steps returned); until then the periods wait for labels.
    if step.outcomes_known(periods, tags, read.window.earlier_labelled):
        has |= {Need.LABELS, Need.MODEL}
    return has, pending, through


def _record_night(ctx: Subject, out: step.Collected, not_judged: tuple[str, ...], window: dict,
                  key: str) -> MonitorOutcome:
    """Decide on the night's results, record them as a monitoring run and point the version at it."""
    model, version, tier_name = ctx.version.model, ctx.version.version, ctx.tier_name
    decision = decide(ctx.waived(out.results), ctx.tier, not_judged=not_judged)
    context = {"model": model, "version": version, "flow": FLOW, "risk_tier": tier_name,
               "jurisdictions": list(ctx.jurisdictions), "period": ctx.policy.monitoring_period, **window}
    dates, findings_file = findings_evidence(ctx, decision.results)
    context |= dates
    out.files |= family_documents(decision.results, context) | findings_file
    out.files["evidence/verdict.json"] = verdict_document(decision, context)
    run = open_run(ctx, FLOW)
    record_evidence(ctx, run, FLOW, files=out.files, inputs=out.inputs, metrics=key_metrics(decision.results),
                    history=period_metrics(decision.results),
                    tags={**verdict_tags(decision, tier_name),
                          "governance.monitored_from": window["monitored_from"] or "",
                          "governance.monitored_through": window["monitored_through"] or "",
                          "governance.run_key": key})
    alert_on_failure(ctx, FLOW, decision, run.run_id)
    set_version_tags(ctx.uri, model, version, {f"governance.last_{FLOW}_run": run.run_id})
    return MonitorOutcome(model, version, decision.verdict.value, decision.reasons, decision.results,
                          run.run_id, because=decision.because, behind=decision.behind)


def _failed(model: str, version: str, exc: Exception) -> MonitorOutcome:
    """A version whose monitoring crashed: recorded as a governance run whose every expected check could not
    run, so the crash is a finding with an owner and a due date, not only a log line."""
    error = f"{type(exc).__name__}: {exc}"
    try:
        ctx = resolve_subject(model, version)
        expected = expected_at(Stage.MONITORING, ctx.tier, ctx.tags)  # all it could have judged, not run
        judged = judge_and_record(ctx, FLOW, not_run(expected, f"monitoring stopped: {error}"),
                                  not_judged=not_expected_at(Stage.MONITORING, ctx.tier, ctx.tags), context={"error": error})
        return MonitorOutcome(model, version, judged.decision.verdict.value, judged.decision.reasons,
                              judged.decision.results, judged.run_id, error=error, because=judged.decision.because,
                              behind=judged.decision.behind)
    except Exception as again:  # nothing can be recorded (MLflow or the policy is unusable): the log says so
        get_run_logger().error("could not record the failure of %s v%s: %s", model, version, again)
        return MonitorOutcome(model, version, "BLOCKED", error=error,
                              because=f"blocked because monitoring stopped and could not be recorded: {error}")


def _monitor(model: str, version: str) -> MonitorOutcome:
    """One deployed version's monitoring, a task run inside its model's; its crash is that version's outcome,
    never the fleet's."""
    try:
        return monitor_in_night(model, version)
    except Exception as exc:
        get_run_logger().error("monitoring %s v%s failed: %s", model, version, exc)
        return _failed(model, version, exc)


def _settle(model: str) -> None:
    """Set aside the model's runs that died uncommitted after a run of their flow did their work; a failure
    here is logged and leaves them as `verify` names them."""
    settings = Settings()
    try:
        for settled in settle_stalled_runs(settings, settings.resolved_tracking_uri, model):
            get_run_logger().info("%s: run %s stopped before it was committed; run %s stands for it", model,
                                  settled.run_id, settled.superseded_by)
    except Exception as exc:
        get_run_logger().error("could not settle the stopped runs of %s: %s: %s", model, type(exc).__name__, exc)


# Named per model, so Prefect's UI lists each model's night and its state. No tag: Prefect leases a tag's
# concurrency slot for every run of a tagged task, limit or none (2.4 s a model, profiled), and no limit is set.
@task(name="govern-model", task_run_name="govern-{model}")
def govern_model(model: str, ungated: list[str], deployed: list[str]) -> tuple[dict[str, str], list[MonitorOutcome]]:
    """One model's night in order: set aside its runs that died uncommitted, gate its versions never gated,
    then monitor its deployed ones. A model's runs never run side by side, because each extends that model's
    one manifest chain."""
    _settle(model)
    with share_of_cores(Settings().workers):
        gated = {version: gate_or_error(model, version) for version in ungated}
        return gated, [_monitor(model, version) for version in deployed]


@dataclass(frozen=True)
class NightlyOutcome:
    monitored: list[MonitorOutcome]
    gated: dict[tuple[str, str], str]
    report: ReportOutcome | None = None
    report_error: str | None = None


def _night_name() -> str:
    """The night's flow run named for its date, as operators look it up in Prefect's UI."""
    return f"nightly-{clock.now():%Y-%m-%d}"


# Prefect types `task_runner` invariantly in its future type, which no thread-pool runner's subclass meets.
@flow(name="nightly-governance", task_runner=SettingsTaskRunner(),  # pyright: ignore[reportArgumentType, reportCallIssue]
      flow_run_name=_night_name)
def nightly_governance(models: list[str] | None = None, tags: dict[str, str] | None = None,
                       report: bool = True) -> NightlyOutcome:
    """Per model, side by side on the task runner: gate every version never gated, then monitor every
    deployed version (of the named models, and whose model or version tags hold every `tags` pair); one
    version's error is recorded as its outcome and the rest go on; then refresh the reports (unless `report`
    is false: a backfill of several nights refreshes them once, after the last)."""
    uri = Settings().resolved_tracking_uri
    ungated, deployed = defaultdict(list), defaultdict(list)
    for model, version in list_ungated_versions(uri, models, tags):
        ungated[model].append(version)
    for model, version in list_deployed_versions(uri, models, tags):
        deployed[model].append(version)
    futures = [govern_model.submit(m, ungated[m], deployed[m]) for m in sorted(set(ungated) | set(deployed))]
    gated, monitored = {}, []
    for model, future in zip(sorted(set(ungated) | set(deployed)), futures):
        versions, outcomes = future.result()
        gated |= {(model, v): verdict for v, verdict in versions.items()}
        monitored += outcomes
    if not report:
        return NightlyOutcome(monitored, gated)
    try:  # the night's verdicts stand whatever happens to the pages that show them
        return NightlyOutcome(monitored, gated, report=fleet_report())
    except Exception as exc:
        get_run_logger().error("The reports were not refreshed: %s: %s", type(exc).__name__, exc)
        return NightlyOutcome(monitored, gated, report_error=f"{type(exc).__name__}: {exc}")
