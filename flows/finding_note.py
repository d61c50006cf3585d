"""Remediation notes: what someone did about a finding, recorded as evidence in the model's chain, so the
register shows it beside the finding and an auditor can verify it was not changed afterwards."""

from __future__ import annotations

from prefect import flow

from govflow import clock
from govflow.checks import CHECKS
from govflow.checks.manifest import canonical_json
from govflow.flows.recording import record_evidence
from govflow.flows.subject import open_run, resolve_subject
from govflow.settings import Settings
from govflow.tasks.registry import named_or_current

FLOW = "finding_note"


class UnknownCheck(ValueError):
    """The note names a check id the registry does not know; the CLI reports it and exits 2."""


@flow(name="finding-note", flow_run_name="note-{model}-{check_id}")
def finding_note(model: str, check_id: str, by: str, text: str, version: str | None = None,
                 remediation: str | None = None, plan_due: str | None = None) -> str:
    """Record `by`'s note on the finding of `check_id` for the version (default: the serving one, else the
    newest), with the remediation status it sets (and the date an agreed plan promises the fix by); return the
    run id of the note's evidence."""
    if check_id not in CHECKS:
        raise UnknownCheck(f"unknown check id {check_id!r}: it is not in the registry (checks/__init__.py lists them)")
    if not by.strip() or not text.strip():
        raise ValueError("a note needs who wrote it (--by) and what it says (--text)")
    ctx = resolve_subject(model, named_or_current(Settings().resolved_tracking_uri, model, version))
    run = open_run(ctx, FLOW)
    note = {"model": model, "version": ctx.version.version, "check_id": check_id, "by": by.strip(),
            "text": text.strip(), "at": clock.now().isoformat(timespec="seconds")}
    if remediation is not None:
        note["remediation"] = remediation
    if plan_due is not None:
        note["plan_due"] = plan_due
    record_evidence(ctx, run, FLOW, files={"evidence/note.json": canonical_json(note)},
                    inputs={"model_version": f"models:/{model}/{ctx.version.version}"}, metrics={},
                    tags={"governance.note_check": check_id, "governance.note_by": by.strip()})
    return run.run_id
