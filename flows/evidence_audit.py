"""Evidence jobs for auditors: verify a model's stored evidence in MLflow, and export it as a bundle
that verifies offline (govflow/bundle.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path

from govflow.bundle import recorded_hashes, select_config
from govflow.checks.heads import head_line
from govflow.checks.verification import Problem, evidence_notes, evidence_problems
from govflow.checks.witness import Checkpoint, witness_notes, witness_problems
from govflow.flows.flow_type import read_flow
from govflow.settings import Settings
from govflow.tasks.artifacts import fetch_runs
from govflow.tasks.bundle_files import read_config_files, write_evidence_bundle
from govflow.tasks.chain import head_store, read_published_heads


@dataclass(frozen=True)
class Verification:
    model: str
    runs: int
    files: int
    problems: tuple[Problem, ...]
    notes: tuple[str, ...] = ()  # runs a rerun completed, head-log appends a writer healed

    @property
    def intact(self) -> bool:
        return self.runs > 0 and not self.problems


def as_of_ms(as_of: str | None) -> int | None:
    """The end of the given day (UTC) or the given instant, in ms; None for no limit."""
    if not as_of:
        return None
    try:
        moment = datetime.fromisoformat(as_of)
    except ValueError:
        raise ValueError(f"--as-of '{as_of}' is not a date (YYYY-MM-DD) or an ISO timestamp") from None
    if len(as_of) == 10:
        moment = datetime.combine(moment.date(), time.max)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


@read_flow(name="evidence-verification")
def evidence_verification(model: str, version: str | None = None, kept: tuple[int, str] | None = None,
                          public_key: bytes | None = None, use_heads: bool = True,
                          witness: list[Checkpoint] | None = None) -> Verification:
    """Recompute every hash and the manifest chain of the model's governance runs in MLflow, and hold the
    chain against the heads published outside MLflow (unless the auditor says `use_heads=False`), the head an
    auditor kept (sequence, SHA-256), a witness's checkpoints and, given the public key, every manifest's,
    head's and checkpoint's signature."""
    settings = Settings()
    fetched = fetch_runs(settings.resolved_tracking_uri, settings.experiment, model)
    stored = [f.stored for f in fetched]
    log = read_published_heads(head_store(settings)) if use_heads else None
    problems = evidence_problems(stored, log, model, version, kept, public_key)
    notes = evidence_notes(stored, log, model)
    if witness is not None:
        problems += witness_problems(stored, witness, model, public_key)
        notes += witness_notes(stored, witness, model)
    return Verification(model, len(stored), sum(len(s.files) for s in stored), tuple(problems), tuple(notes))


@read_flow(name="evidence-export")
def evidence_export(model: str, out: str, version: str | None = None, as_of: str | None = None) -> dict:
    """Every governance run of the model started up to `as_of`, with its artifacts, the policy, waiver and
    assessment files whose hashes the runs record, and the current control catalogue and questionnaire,
    written as a bundle at `out`; returns the bundle's index."""
    settings = Settings()
    fetched = fetch_runs(settings.resolved_tracking_uri, settings.experiment, model, as_of_ms(as_of))
    recorded = recorded_hashes([f.stored for f in fetched], [f.tags for f in fetched])
    assessment = Path(settings.assessments_dir) / f"{model}.yaml"
    candidates = {"policy": settings.policy_file, "waivers": settings.waivers_file,
                  "assessment": assessment, "controls": settings.controls_file,
                  "questionnaire": settings.questionnaire_file}
    files = read_config_files(candidates)
    config, missing = select_config(files, recorded, always={"controls", "questionnaire"})
    now = datetime.now(UTC).isoformat(timespec="seconds")
    exported = {f.stored.run_id for f in fetched}
    heads = [head_line(h) for h in read_published_heads(head_store(settings)).of(model) if h.run_id in exported]
    index = write_evidence_bundle(Path(out), model, version, as_of or now, now, [(f.stored, f.tags) for f in fetched],
                                  config, heads, settings.signing_key)
    return {**index, "config_not_exported": missing}
