"""The registration gate: judge one registered model version and write the evidence back to MLflow."""

from __future__ import annotations

import traceback
from dataclasses import dataclass

from prefect import flow

from govflow.checks.check_registry import Stage, expected_at, not_expected_at, skipped_for_kind
from govflow.checks.data_validation import check_columns_present, check_readable
from govflow.checks.decision import Decision, Verdict, decide
from govflow.checks.evidence_documents import family_documents, key_metrics, verdict_document, verdict_tags
from govflow.checks.fairness_html import fairness_html
from govflow.checks.governance_tags import TIER_TAG, VersionTags, check_required_tags
from govflow.checks.manifest import canonical_json, sha256_hex
from govflow.checks.model_task import TASK_TAG, ModelTask, tell_task
from govflow.checks.policy import TierPolicy
from govflow.checks.results import CheckResult, not_run
from govflow.checks.signoff import check_signoffs
from govflow.checks.system_kind import SystemKind
from govflow.checks.task_judging import ScoredRows, judge_scored, task_result
from govflow.datasets import LoadedData
from govflow.flows import system_gate, transparency
from govflow.flows.alerts import alert_on_failure
from govflow.flows.gate_carry import carry_evaluation, judged_tags, record_evaluation
from govflow.flows.gate_steps import GateEvidence, validate_data
from govflow.flows.recording import AlreadyRecorded, findings_evidence, record_evidence
from govflow.flows.subject import Subject, open_run, resolve_subject
from govflow.tasks.data import load_dataset
from govflow.tasks.registry import ModelVersionInfo, set_version_tags
from govflow.tasks.runs import GovernanceRun
from govflow.tasks.scoring import LoadedModel, fetch_model, predict
from govflow.tasks.task_type import run_logger

FLOW = "gate"
FAIRNESS_PAGE = "evidence/fairness.html"


@dataclass(frozen=True)
class GateOutcome:
    model: str
    version: str
    tier: str
    verdict: str
    reasons: tuple[str, ...]
    results: tuple[CheckResult, ...]
    run_id: str
    artifact_uri: str
    manifest_sha256: str
    because: str = ""  # the verdict in one line
    non_blocking: frozenset[str] = frozenset()  # check ids this tier does not block on, so a reader can tell
    behind: tuple[str, ...] = ()  # the check ids the reasons name (Decision.behind)

    @property
    def approved(self) -> bool:
        return self.verdict in (Verdict.APPROVED, Verdict.APPROVED_WITH_WAIVERS)


def _evaluate(ctx: Subject, ev: GateEvidence) -> None:
    """The evaluation the version's kind of AI system gets (a model govflow scores, a vendor's logged decisions,
    an application's answers), after listing what the kind cannot be judged by."""
    ev.results += skipped_for_kind(Stage.GATE, ctx.tier, ctx.tags)
    if ctx.tags.kind is SystemKind.VENDOR:
        system_gate.evaluate_vendor(ctx, ev)
    elif ctx.tags.kind is SystemKind.GENAI:
        system_gate.evaluate_genai(ctx, ev)
    else:
        _evaluate_model(ctx.uri, ctx.version, ctx.tags, ctx.tier, ctx.policy.confidence, ev)


def _evaluate_model(uri: str, subject: ModelVersionInfo, tags: VersionTags, tier: TierPolicy, confidence: float,
                    ev: GateEvidence) -> None:
    """Run the gate's check families on a model govflow loads and scores, appending results, evidence files and
    input fingerprints to `ev`."""
    reference = load_dataset(tags.data.reference)
    evaluation = load_dataset(tags.data.evaluation)
    for name, data in (("reference", reference), ("evaluation", evaluation)):
        ev.results += check_readable(name, data.uri, data.rows, data.error)
        if data.fingerprint:
            ev.inputs[f"{name}_data"] = data.fingerprint

    loaded = fetch_model(uri, subject.model, subject.version)
    if loaded.error:
        ev.results += not_run(["data.schema"], loaded.error)
    documented, files = transparency.documentation(subject, tags, loaded, tier)
    ev.results += documented
    ev.files |= files
    needed = list(dict.fromkeys([*loaded.input_columns, *tags.columns.declared()]))
    for name, data in (("reference", reference), ("evaluation", evaluation)):
        if data.has_rows:
            ev.results += check_columns_present(name, data.columns, needed)
    validate_data(subject, reference, evaluation, needed, tier, ev)
    _score_and_judge(subject, reference, evaluation, loaded, tags, tier, confidence, ev)


def _unscorable(evaluation: LoadedData, loaded: LoadedModel, label: str | None) -> str | None:
    """Why the evaluation data cannot be scored and judged, or None when it can."""
    if loaded.error or not evaluation.has_rows:
        return loaded.error or "no evaluation data to score"
    if not label or label not in evaluation.columns:
        return f"label column '{label}' is not in the evaluation data" if label else "tag governance.label is not set"
    if missing := [c for c in loaded.input_columns if c not in evaluation.columns]:
        return f"evaluation data lacks model input column(s) {missing}"
    return None


def _score_and_judge(subject: ModelVersionInfo, reference: LoadedData, evaluation: LoadedData, loaded: LoadedModel,
                     tags: VersionTags, tier: TierPolicy, confidence: float, ev: GateEvidence) -> None:
    """Score the evaluation data with the registered model; tell its task; judge performance and fairness on it
    by the task's methods, and question the model on it (importance, proxies, robustness)."""
    scored_ids = [*expected_at(Stage.GATE, tier, tags, families=("performance", "fairness")),
                  *transparency.probed_checks(tier, tags)]
    label = tags.columns.label or None
    if (why := _unscorable(evaluation, loaded, label)) is not None or label is None:
        ev.results += not_run(scored_ids, why or "tag governance.label is not set")
        return
    frame = evaluation.table
    scored = predict(loaded, frame, exclude=tuple(tags.columns.declared()))
    if scored.error:
        ev.results += not_run(scored_ids, scored.error)
        return
    y = frame[label].to_numpy()
    found = tell_task(tags.task, y, scored.width, scored.raw if scored.raw is not None else scored.classes)
    ev.results.append(task_result(found, tier))
    if found.task is None:
        ev.results += not_run(scored_ids, f"the model's task is not known: {found.error}")
        return
    ev.task, tier = found.task, tier.for_task(found.task)
    sensitive = [c for c in tags.columns.sensitive if c != label]
    present = [c for c in sensitive if c in evaluation.columns]
    rows = ScoredRows(y, scored.classes, scored.score, frame[present], raw=scored.raw, proba=scored.proba,
                      proba_classes=scored.proba_classes, label_column=label, prediction_column="model prediction",
                      reference_y=reference.table[label].to_numpy() if reference.has_rows and label in reference.columns
                      else None, missing_sensitive=tuple(c for c in sensitive if c not in present))
    judged = judge_scored(found.task, rows, tier, confidence)
    probed, files = transparency.probe(subject, loaded, frame, y, sensitive,
                                       tuple(tags.columns.declared()), tags, tier, confidence)
    ev.results += judged.results + probed
    ev.files |= files
    if judged.group_rows:
        ev.files["evidence/fairness_groups.json"] = canonical_json({"groups": judged.group_rows})
    ev.fairness_groups = judged.groups


@flow(name="registration-gate", flow_run_name="gate-{model}-v{version}")
def registration_gate(model: str, version: str, only_if_ungated: bool = False,
                      carry: bool = False) -> GateOutcome | None:
    """Judge one model version against its tier's policy; record a verdict and verifiable evidence.

    Automation (a webhook delivery, reconciliation, the nightly run) passes `only_if_ungated`: a version that
    already carries a governance status is left alone and None returned, and of two such gates judging one
    version at once only the first to record counts (checked under the model's chain lock), so a delivery's
    queued run and a reconciliation pass that both reach a version gate it once. A person asking for a gate
    always gets one. A sign-off passes `carry`: the last gate's evaluation is carried where nothing it judged
    has changed (flows/gate_carry.py), and the gate re-decides on it.
    """
    logger = run_logger()
    ctx = resolve_subject(model, version)
    if only_if_ungated and (status := VersionTags.parse(ctx.version.version_tags).status):
        logger.info("%s v%s was gated already (%s); not gated again", model, ctx.version.version, status)
        return None
    run = open_run(ctx, FLOW)
    ev = _governance_evidence(ctx)
    if not (carry and carry_evaluation(ctx, ev, _gate_writes(ctx, None))):
        _evaluate_and_keep(ctx, ev)
    ev.inputs["judged_tags"] = judged_tags(ctx, _gate_writes(ctx, ev.task))
    if ev.task is not None:  # judged, expected and shown by the rules of the task the model was told to be
        ctx = ctx.for_task(ev.task)
    decision = _decide_and_document(ctx, ev)
    return _record_gate(ctx, run, ev, decision, only_if_ungated)


def _evaluate_and_keep(ctx: Subject, ev: GateEvidence) -> None:
    """Evaluate the version; a complete evaluation is kept as evidence the next gate can carry, and one that
    stopped early leaves its missing checks as ERROR, with the error's trace, and nothing to carry."""
    governance, before = len(ev.results), set(ev.files)
    try:
        _evaluate(ctx, ev)
    except Exception as exc:  # evidence of what ran is still written; missing checks block the verdict
        run_logger().error("gate stopped early for %s v%s: %s", ctx.version.model, ctx.version.version, exc)
        ev.files["evidence/errors.txt"] = traceback.format_exc().encode()
        done = {r.check_id for r in ev.results}
        expected = expected_at(Stage.GATE, ctx.tier, ctx.tags)
        ev.results += not_run([c for c in expected if c not in done], f"gate stopped: {exc}")
        return
    record_evaluation(ev, governance, before)


def _gate_writes(ctx: Subject, task: ModelTask | None) -> dict[str, str]:
    """The tags the gate writes on the version beside its status: the tier an assessment gave, the task told
    once (the nightly run and every page read it from the version from then on)."""
    return {**({TIER_TAG: ctx.tier_name} if ctx.assessment else {}), **({TASK_TAG: task.value} if task else {})}


def _governance_evidence(ctx: Subject) -> GateEvidence:
    """What the gate judges before any data: required tags, the tier and its assessment, the jurisdictions
    and sign-offs; the inputs every gate names."""
    tags, tier, subject = ctx.tags, ctx.tier, ctx.version
    signoff = [check_signoffs(tags.raw, tier.governance.signoff)] if tier.governance.signoff else []
    # An assessment on file gives the tier, so the tag need not be declared.
    required = tuple(t for t in ctx.policy.required_for(tags.kind) if not (ctx.assessment and t == TIER_TAG))
    regional = [ctx.jurisdiction_error] if ctx.jurisdiction_error else []
    tiering = [ctx.tiering] if ctx.tiering is not None else []  # a resolved subject always holds it
    ev = GateEvidence(results=check_required_tags(tags.raw, required) + tiering + regional + signoff, files={},
                      inputs={"model_version": f"models:/{subject.model}/{subject.version}",
                              "model_source": subject.source,
                              "governance_tags": f"sha256:{sha256_hex(canonical_json(tags.raw))}"})
    if ctx.jurisdictions:
        ev.files["evidence/jurisdictions.json"] = canonical_json(ctx.regional())
    if ctx.assessment:
        ev.files["evidence/risk_assessment.json"] = canonical_json(ctx.assessment)
        ev.inputs["risk_assessment"] = f"sha256:{ctx.assessment_sha}"
    return ev


def _decide_and_document(ctx: Subject, ev: GateEvidence) -> Decision:
    """The verdict on what the gate found, with its documents (report page, fairness page, family documents,
    findings, verdict) added to the evidence."""
    model, subject, tier = ctx.version.model, ctx.version, ctx.tier
    decision = decide(ctx.waived(ev.results), tier, not_judged=not_expected_at(Stage.GATE, tier, ctx.tags))
    context = {"model": model, "version": subject.version, "flow": FLOW, "risk_tier": ctx.tier_name,
               "task": ev.task.value if ev.task is not None else None,
               "tier_declared": ctx.tags.declared_tier, "jurisdictions": list(ctx.jurisdictions)}
    dates, findings_file = findings_evidence(ctx, decision.results)
    context |= dates
    ev.files[transparency.REPORT] = transparency.report_page(subject, ev.files, decision.results)
    if ev.fairness_groups is not None:  # the statuses the verdict rests on: severity and waivers applied
        ev.files[FAIRNESS_PAGE] = fairness_html(f"Fairness: {model} v{subject.version}", ev.fairness_groups,
                                                [r for r in decision.results if r.check_id.startswith("fairness.")]
                                                ).encode()
    ev.files |= family_documents(decision.results, context) | findings_file
    ev.files["evidence/verdict.json"] = verdict_document(decision, context)
    return decision


def _record_gate(ctx: Subject, run: GovernanceRun, ev: GateEvidence, decision: Decision,
                 only_if_ungated: bool) -> GateOutcome | None:
    """Record the gate's evidence and set the version's status; None when another automated gate of the
    version recorded first."""
    logger = run_logger()
    uri, model, subject, tier_name, tier = ctx.uri, ctx.version.model, ctx.version, ctx.tier_name, ctx.tier
    try:
        digest = record_evidence(ctx, run, FLOW, files=ev.files, inputs=ev.inputs,
                                 metrics=key_metrics(decision.results), tags=verdict_tags(decision, tier_name),
                                 once_per_version=only_if_ungated)
    except AlreadyRecorded as done:  # another automated gate got there while this one judged
        logger.info("%s v%s was gated meanwhile by run %s; this run is set aside", model, subject.version, done.run_id)
        # The winner may have died between its commit and its tags: the version still gets the status it earned.
        set_version_tags(uri, model, subject.version, {"governance.status": done.verdict,
                                                       f"governance.last_{FLOW}_run": done.run_id})
        return None
    alert_on_failure(ctx, FLOW, decision, run.run_id)
    set_version_tags(uri, model, subject.version, {
        "governance.status": decision.verdict.value, f"governance.last_{FLOW}_run": run.run_id,
        **_gate_writes(ctx, ev.task)})
    logger.info("%s v%s: %s", model, subject.version, decision.verdict.value)
    return GateOutcome(model=model, version=subject.version, tier=tier_name, verdict=decision.verdict.value,
                       reasons=decision.reasons, results=decision.results, run_id=run.run_id,
                       artifact_uri=run.artifact_uri, manifest_sha256=digest, because=decision.because,
                       behind=decision.behind,
                       non_blocking=frozenset(r.check_id for r in decision.results
                                              if (rule := tier.rule(r.check_id)) is None or not rule.blocking))

