"""The gate after a sign-off: the previous gate's evaluation carried into this one where nothing it judged has
changed (checks/carried_evaluation.py says when), so approving a version re-decides instead of re-judging."""

from __future__ import annotations

from govflow.checks.carried_evaluation import CARRIED_FROM, EVALUATION, Judged, carried, evaluation_document
from govflow.checks.manifest import canonical_json, sha256_hex
from govflow.checks.system_kind import SystemKind
from govflow.checks.verification import MANIFEST
from govflow.flows.gate_steps import GateEvidence
from govflow.flows.subject import Subject
from govflow.provenance import code_version
from govflow.tasks.artifacts import fetch_run
from govflow.tasks.data import fingerprint_data
from govflow.tasks.task_type import run_logger


def judged_tags(ctx: Subject, written: dict[str, str]) -> str:
    """The fingerprint of the tags a gate's evaluation reads, once the gate has written `written`."""
    return f"sha256:{sha256_hex(canonical_json(ctx.tags.judged(written)))}"


def carry_evaluation(ctx: Subject, ev: GateEvidence, written: dict[str, str]) -> bool:
    """Add the version's last gate's evaluation to `ev`, naming that run, if it judged what is there now (the
    tags as this gate would leave them: `written`); False, with the reason logged, where the gate must evaluate."""
    if ctx.tags.kind is not SystemKind.MODEL:  # a vendor's decisions and an application's answers: not carried
        return False
    previous = fetch_run(ctx.uri, ctx.tags.last_gate_run)
    if previous is None:
        run_logger().info("no previous gate run to carry an evaluation from; the gate evaluates")
        return False
    data = {f"{name}_data": fingerprint_data(uri) for name, uri in (("reference", ctx.tags.data.reference),
                                                                   ("evaluation", ctx.tags.data.evaluation))}
    inputs = {**ev.inputs, **data, "judged_tags": judged_tags(ctx, written)}
    now = Judged(ctx.version.model, ctx.version.version, inputs, ctx.policy_sha, code_version())
    files = previous.stored.files
    found = carried(previous.stored.run_id, files.get(MANIFEST), previous.stored.recorded_manifest_sha256, files,
                    now)
    if isinstance(found, str):
        run_logger().info("the evaluation of gate run %s is not carried (%s); the gate evaluates",
                          previous.stored.run_id, found)
        return False
    ev.results += found.results
    ev.files |= found.files | {EVALUATION: files[EVALUATION]}
    ev.inputs |= {key: value for key, value in data.items() if value} | {CARRIED_FROM: found.evaluated_in}
    ev.task, ev.fairness_groups = found.task, found.fairness_groups
    run_logger().info("nothing the gate judges has changed since gate run %s: its evaluation is carried",
                      found.evaluated_in)
    return True


def record_evaluation(ev: GateEvidence, governance: int, before: set[str]) -> None:
    """Write what the evaluation added to `ev` (the results after the first `governance`, the files not in
    `before`) as `evidence/evaluation.json`, for the next gate to carry."""
    files = {path: data for path, data in ev.files.items() if path not in before}
    ev.files[EVALUATION] = evaluation_document(ev.results[governance:], ev.task, ev.fairness_groups, files)
