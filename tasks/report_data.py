"""Tasks that read what the reports show from MLflow: the registry's models and versions, and every
governance run's tags, metrics and the few evidence files the register and pages need."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from mlflow import MlflowClient
from pydantic import ValidationError

from govflow.checks.findings import SEVERITIES
from govflow.checks.fleet_view import ModelFacts
from govflow.checks.governance_tags import VersionTags, effective_tags
from govflow.checks.register import RunRecord
from govflow.checks.results import STATUS_ORDER, CheckResult
from govflow.checks.run_labels import RunLabels
from govflow.checks.verification import MANIFEST
from govflow.reports.pages import DETAILED_FLOWS, LatestRun
from govflow.tasks.paging import every_page
from govflow.tasks.registry import versions_of
from govflow.tasks.store_calls import store_task

# The evidence each kind of run must hold for the pages; a run without it is shown as incomplete.
NEEDED = {flow: ("evidence/verdict.json", "evidence/findings.json") for flow in DETAILED_FLOWS} | {
    "approval": ("evidence/signoff.json",), "finding_note": ("evidence/note.json",),
    "feedback": ("evidence/verdict.json", "evidence/findings.json", "evidence/feedback/entries.json")}
# Evidence files are small: reading them is waiting on the store. Against a local store 2 to 8 threads differ
# little (11 to 15 s for 2,000 runs); against a tracking server each read is a round trip, which threads overlap.
_READERS = 4


def run_link(ui_url: str | None, experiment_id: str, run_id: str, artifact_uri: str) -> str | None:
    """The run in the MLflow UI when its address is known, else its artifact folder when that is local."""
    if ui_url:
        return f"{ui_url.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}/artifacts"
    return artifact_uri if artifact_uri.startswith("file:") else None


@store_task
def read_models(tracking_uri: str) -> list[ModelFacts]:
    """Every registered model with its governance tags and each version's status, lifecycle and aliases."""
    client = MlflowClient(tracking_uri)
    facts = []
    for registered in every_page(client.search_registered_models, max_results=1000):  # at most 1,000 a page
        model_tags = dict(registered.tags)
        aliases: dict[str, list[str]] = {}
        for alias, version in (registered.aliases or {}).items():
            aliases.setdefault(str(version), []).append(alias)
        versions, version_tags = {}, {}
        for mv in versions_of(client, registered.name):
            tags = version_tags[str(mv.version)] = effective_tags(model_tags, dict(mv.tags))
            parsed = VersionTags.parse(tags)
            versions[str(mv.version)] = (parsed.status, parsed.lifecycle,
                                         tuple(sorted(aliases.get(str(mv.version), []))))
        declared = VersionTags.parse(model_tags)
        model = ModelFacts(registered.name, owner=declared.owner,
                           use_case=declared.use_case, description=registered.description or None,
                           tags=model_tags, versions=versions)
        # The owner, use and tier shown are the current version's: a version tag may set its own (an AI system
        # registered by `govflow system add` carries them on its versions).
        shown = version_tags.get(model.current, model_tags) if model.current else model_tags
        current = VersionTags.parse(shown)
        facts.append(replace(model, tier=current.declared_tier, tags=shown, owner=current.owner or declared.owner,
                             use_case=current.use_case or declared.use_case))
    return sorted(facts, key=lambda f: f.model)


def _read_json(tracking_uri: str, artifact_uri: str, path: str) -> Mapping | None:
    """An evidence JSON file, or None when the run does not hold it (or it is not JSON)."""
    from mlflow.artifacts import download_artifacts

    with tempfile.TemporaryDirectory() as tmp:
        try:
            # By the run's artifact URI, which the search already gave: by run id, MLflow would read the run again.
            local = download_artifacts(artifact_uri=f"{artifact_uri.rstrip('/')}/{path}", dst_path=tmp,
                                       tracking_uri=tracking_uri)
            return json.loads(Path(local).read_text())
        except Exception:  # absent, unreadable or not JSON: the caller records it as missing
            return None


def _results(doc: Mapping | None) -> tuple[dict, ...] | None:
    """A verdict's results, each checked against the result type; None when any is not a result."""
    if not isinstance(doc, Mapping):
        return None
    try:
        return tuple(CheckResult.model_validate(r).model_dump(mode="json") for r in doc.get("results") or ())
    except (AttributeError, TypeError, ValidationError):
        return None


def _findings(doc: Mapping | None) -> tuple[dict, ...] | None:
    """A findings file's rows, each naming a check and a known severity, with a due date that is a date
    (or none); None when any row is not such a finding."""
    rows = doc.get("findings") if isinstance(doc, Mapping) else None
    if not isinstance(rows, list):
        return None
    for row in rows:
        if not (isinstance(row, Mapping) and isinstance(row.get("check_id"), str)
                and row.get("severity") in SEVERITIES):
            return None
        try:
            if row.get("due") is not None:
                date.fromisoformat(row["due"])
        except (TypeError, ValueError):
            return None
    return tuple(rows)


def _shaped(doc: Mapping | None, keys: tuple[str, ...], required: tuple[str, ...]) -> dict | None:
    """The document with every key the pages read (absent ones None); None unless the required ones are text."""
    if not isinstance(doc, Mapping) or not all(isinstance(doc.get(k), str) for k in required):
        return None
    return {k: doc.get(k) for k in keys}


def _feedback_entries(doc: Mapping | None) -> tuple[Mapping, ...] | None:
    """A feedback run's entries, each with role, severity and text; None when the file is not that shape."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("entries"), list):
        return None
    keys = ("from", "severity", "text", "theme", "received", "version")
    if not all(isinstance(e, Mapping) and all(isinstance(e.get(k), str) for k in keys[:3]) for e in doc["entries"]):
        return None
    return tuple({k: e.get(k) for k in keys} for e in doc["entries"])


def _iso_date(value) -> str | None:
    try:
        return date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        return None


def _started(run, manifest: Mapping | None) -> datetime:
    """When the run started, as its hashed manifest states it (`verify` holds MLflow's time to it), so moving a
    start time in MLflow's database moves nothing on a page; MLflow's time for a run without a manifest."""
    stated = manifest.get("started_ms") if isinstance(manifest, Mapping) else None
    if isinstance(stated, int) and not isinstance(stated, bool):
        return datetime.fromtimestamp(stated / 1000, tz=UTC)
    try:  # a manifest from before it held the start time: the time it was written
        written = datetime.fromisoformat(manifest["created_at"])  # type: ignore[index]
        return written if written.tzinfo else written.replace(tzinfo=UTC)
    except (KeyError, TypeError, ValueError):
        return datetime.fromtimestamp(run.info.start_time / 1000, tz=UTC)


def _record(tracking_uri: str, run, ui_url: str | None) -> tuple[RunRecord, tuple[Mapping, ...]]:
    labels = RunLabels.parse(run.data.tags)
    flow = labels.flow
    manifest = _read_json(tracking_uri, run.info.artifact_uri, MANIFEST) if labels.committed else None
    docs = {path: _read_json(tracking_uri, run.info.artifact_uri, path) for path in NEEDED.get(flow, ())}
    missing = [p for p, doc in docs.items() if doc is None]
    results: tuple[dict, ...] = ()
    findings = ()
    if "evidence/verdict.json" in docs and docs["evidence/verdict.json"] is not None:
        held_results = _results(docs["evidence/verdict.json"])
        if held_results is None:
            missing.append("evidence/verdict.json (not a verdict)")
        results = held_results or ()
    if docs.get("evidence/findings.json") is not None:
        findings = _findings(docs["evidence/findings.json"])
        if findings is None:
            missing.append("evidence/findings.json (not findings)")
            findings = ()
    judged: dict[str, str] = {}
    # Half a judgement (a verdict without its findings) would close findings it cannot see: none counts.
    for r in results if not missing else ():
        held = judged.get(r["check_id"])
        if held is None or STATUS_ORDER.index(r["status"]) > STATUS_ORDER.index(held):
            judged[r["check_id"]] = r["status"]
    shaped = {"evidence/note.json": _shaped(docs.get("evidence/note.json"),
                                            ("check_id", "by", "text", "at", "remediation", "plan_due"),
                                            ("check_id", "by", "text")),
              "evidence/signoff.json": _shaped(docs.get("evidence/signoff.json"),
                                               ("by", "role", "at", "verdict", "note"), ("by", "role"))}
    missing += [f"{path} (unreadable)" for path, doc in shaped.items() if docs.get(path) is not None and doc is None]
    feedback = _feedback_entries(docs.get("evidence/feedback/entries.json"))
    if docs.get("evidence/feedback/entries.json") is not None and feedback is None:
        missing.append("evidence/feedback/entries.json (unreadable)")
    verdict_doc = docs.get("evidence/verdict.json") or {}
    record = RunRecord(
        run_id=run.info.run_id, model=labels.model, version=labels.version,
        flow=flow, started=_started(run, manifest),
        verdict=labels.verdict, tier=labels.risk_tier, judged=judged,
        findings=findings, metrics=dict(run.data.metrics), missing=tuple(missing),
        review_due=_iso_date(verdict_doc.get("review_due")) if isinstance(verdict_doc, Mapping) else None,
        note=shaped["evidence/note.json"], signoff=shaped["evidence/signoff.json"], feedback=feedback or (),
        because=verdict_doc.get("because") if isinstance(verdict_doc, Mapping) and isinstance(
            verdict_doc.get("because"), str) else None,
        link=run_link(ui_url, run.info.experiment_id, run.info.run_id, run.info.artifact_uri))
    return record, results


def _to_json(manifest: str, record: RunRecord) -> str:
    row = {k: getattr(record, k) for k in RunRecord.__dataclass_fields__ if k != "link"}
    return json.dumps({"manifest": manifest, **row, "started": record.started.isoformat()}, sort_keys=True)


def _from_json(line: str) -> tuple[str, RunRecord]:
    row = json.loads(line)
    manifest = row.pop("manifest")
    row["started"] = datetime.fromisoformat(row["started"])
    row["findings"], row["missing"] = tuple(row["findings"]), tuple(row["missing"])
    row["feedback"] = tuple(row.get("feedback") or ())
    return manifest, RunRecord(**row)


def load_cache(path: Path | None) -> dict[str, tuple[str, RunRecord]]:
    """Run id -> (manifest hash, record) read before; empty when there is no cache or it cannot be read."""
    if path is None or not path.is_file():
        return {}
    try:
        return {record.run_id: (manifest, record)
                for manifest, record in map(_from_json, path.read_text().splitlines())}
    except (ValueError, KeyError, TypeError):  # a cache from another version of govflow: read everything again
        return {}


def save_cache(path: Path, rows: list[tuple[str, RunRecord]]) -> None:
    """The records as JSON lines, replacing the file in one step so a crash leaves the old cache whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text("".join(_to_json(manifest, record) + "\n" for manifest, record in rows))
    partial.replace(path)


@store_task
def read_runs(tracking_uri: str, experiment: str, current: Mapping[str, str | None], ui_url: str | None = None,
              cache: Path | None = None) -> tuple[list[RunRecord], dict[str, dict[str, LatestRun]]]:
    """Every governance run as a record (runs superseded by a later completion are left out: their
    successor holds the evidence), and per model the latest run of each detailed flow for its `current`
    version, with all its results.

    With a `cache`, a run whose manifest hash is the one recorded there is not read again: a run's evidence
    is final once its manifest is written, and a file changed behind the manifest is `verify`'s to find, not
    the report's. Runs with missing files are always read again."""
    client = MlflowClient(tracking_uri)
    exp = client.get_experiment_by_name(experiment)
    if exp is None:
        return [], {}
    found = [r for r in every_page(client.search_runs, experiment_ids=[exp.experiment_id], max_results=5000,
                                   order_by=["attributes.start_time ASC"])
             # A run a rerun superseded vouches for nothing, unless it went on to commit (it ran beside the rerun).
             if not (labels := RunLabels.parse(r.data.tags)).superseded_by or labels.committed]
    known = load_cache(cache)

    def one(run) -> tuple[RunRecord, tuple[Mapping, ...] | None]:
        manifest = RunLabels.parse(run.data.tags).manifest_sha256
        hit = known.get(run.info.run_id)
        if manifest and hit and hit[0] == manifest:
            link = run_link(ui_url, run.info.experiment_id, run.info.run_id, run.info.artifact_uri)
            return replace(hit[1], link=link), None  # results are read below, for the runs the pages detail
        return _record(tracking_uri, run, ui_url)

    with ThreadPoolExecutor(_READERS) as pool:
        read = list(pool.map(one, found))
    # Oldest first by the times the manifests state, not the store's order, which a changed start time moves.
    order = sorted(range(len(found)), key=lambda i: (read[i][0].started, found[i].info.run_id))
    found, read = [found[i] for i in order], [read[i] for i in order]
    latest: dict[str, dict[str, int]] = {}
    for i, (record, _) in enumerate(read):  # oldest first, so the last one written wins
        if record.flow in DETAILED_FLOWS and current.get(record.model) == record.version:
            latest.setdefault(record.model, {})[record.flow] = i
    for flows in latest.values():
        for i in flows.values():
            if read[i][1] is None:
                read[i] = _record(tracking_uri, found[i], ui_url)
    if cache is not None:
        manifests = [RunLabels.parse(run.data.tags).manifest_sha256 for run in found]
        save_cache(cache, [(manifest, record) for manifest, (record, _) in zip(manifests, read, strict=True)
                           if manifest and not record.missing])
    def card(i: int) -> Mapping | None:
        """The model card the gate judged, so the model's page shows what `documentation.model_card` read."""
        doc = _read_json(tracking_uri, found[i].info.artifact_uri, "evidence/model_card.json")
        fields = doc.get("fields") if isinstance(doc, Mapping) else None
        return fields if isinstance(fields, Mapping) else None

    details = {model: {flow: LatestRun(read[i][0], read[i][1] or (), card(i) if flow == "gate" else None)
                       for flow, i in flows.items()} for model, flows in latest.items()}
    return [record for record, _ in read], details
