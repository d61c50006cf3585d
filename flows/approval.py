"""Human sign-off: one person approves a version in a role; the record is evidence, and the version is
gated again so its status reflects every sign-off the tier requires: on the last gate's evaluation where nothing
it judged has changed (flows/gate_carry.py), so a sign-off re-decides rather than re-judges."""

from __future__ import annotations

import json

from prefect import flow

from govflow import clock
from govflow.checks.manifest import canonical_json
from govflow.checks.signoff import signoff_record, signoff_tag
from govflow.flows.flow_type import part_of_this_job
from govflow.flows.gate import GateOutcome, registration_gate
from govflow.flows.recording import record_evidence
from govflow.flows.subject import open_run, resolve_subject
from govflow.tasks.registry import set_version_tags

FLOW = "approval"


@flow(name="sign-off", flow_run_name="sign-off-{model}-v{version}-{role}")
def sign_off(model: str, version: str, by: str, role: str, note: str | None = None) -> GateOutcome:
    """Record `by`'s sign-off of the version as `role` (who, role, when, the verdict and gate run they saw),
    then gate the version again; return the new gate outcome."""
    ctx = resolve_subject(model, version)
    run = open_run(ctx, FLOW)
    at = clock.now().isoformat(timespec="seconds")
    seen = ctx.tags.status
    record = signoff_record(by, role, at, seen, ctx.tags.last_gate_run, note)
    document = {**json.loads(record), "model": model, "version": ctx.version.version}
    record_evidence(ctx, run, FLOW, files={"evidence/signoff.json": canonical_json(document)},
                    inputs={"model_version": f"models:/{model}/{ctx.version.version}"}, metrics={},
                    tags={"governance.signoff_role": role, "governance.signoff_by": by,
                          "governance.verdict": seen or "NOT_GATED"})
    set_version_tags(ctx.uri, model, ctx.version.version, {signoff_tag(role): record,
                                                           f"governance.last_{FLOW}_run": run.run_id})
    outcome = part_of_this_job(registration_gate)(model, ctx.version.version, carry=True)
    if outcome is None:  # only automation's gates (only_if_ungated) pass a version by
        raise RuntimeError(f"the gate of {model} v{ctx.version.version} after the sign-off recorded no outcome")
    return outcome
