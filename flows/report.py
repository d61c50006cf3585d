"""Reports: the fleet dashboard, a governance report per model, the risk register and the management
summary, regenerated from MLflow's registry and evidence, written to a folder and logged as an MLflow run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from govflow import clock
from govflow.checks.fleet_view import inventory
from govflow.checks.register import risk_register
from govflow.flows.flow_type import read_flow
from govflow.policy_file import load_controls
from govflow.provenance import code_version
from govflow.redact import redact, redact_bytes
from govflow.reports.pages import FleetEvidence, Site, build_site
from govflow.settings import Settings
from govflow.tasks.report_data import read_models, read_runs
from govflow.tasks.report_store import log_site, publish_artifacts, write_site
from govflow.tasks.task_type import NO_CACHE, run_logger, task


@dataclass(frozen=True)
class ReportOutcome:
    dashboard: Path
    run_id: str
    link: str
    models: int
    open_findings: int
    overdue_findings: int


def _fleet(settings: Settings, as_of: str | None):
    """The day judged on (`as_of`, default today, UTC), every registered model, and every governance run with
    the latest of each flow per model's current version."""
    uri = settings.resolved_tracking_uri
    today = date.fromisoformat(as_of) if as_of else clock.now().date()
    models = read_models(uri)
    runs, latest = read_runs(uri, settings.experiment, {m.model: m.current for m in models}, settings.resolved_ui_url,
                             cache=settings.data_dir.resolve() / "report-runs-v2.jsonl")  # v2: times from manifests
    return today, models, runs, latest


render_site = task(name="render_site", cache_policy=NO_CACHE)(build_site)  # too big to hash for a key


def _report_name() -> str:
    return f"fleet-report-{clock.now():%Y-%m-%d}"


@read_flow(name="fleet-report", flow_run_name=_report_name)
def fleet_report(out: str | None = None, as_of: str | None = None) -> ReportOutcome:
    """Read every model and governance run, render the pages as of `as_of` (default today, UTC), write them
    to `out` (default the data dir's reports folder), log them as a run of the reports experiment and
    publish the fleet's status and the dashboard's link as Prefect artifacts."""
    settings = Settings()
    uri = settings.resolved_tracking_uri
    today, models, runs, latest = _fleet(settings, as_of)
    evidence = FleetEvidence(models=models, runs=runs, latest=latest, catalogue=load_controls(settings.controls_file),
                             tracking=redact(uri), code_version=code_version())
    site: Site = render_site(evidence, today, today - timedelta(days=settings.report_period_days),
                             clock.now())
    files = {rel: redact_bytes(data) for rel, data in site.files.items()}  # no page shows a password
    dashboard = write_site(Path(out).resolve() if out else settings.resolved_reports_dir, files)
    summary = site.summary
    run_id, experiment_id = log_site(uri, settings.report_experiment, settings.local_artifact_root, files, {
        "governance.report_as_of": today.isoformat(), "governance.code_version": code_version(),
        "governance.open_findings": str(summary["open"])})
    ui = settings.resolved_ui_url
    link = (f"{ui.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}/artifacts" if ui
            else dashboard.as_uri())
    publish_artifacts(site.inventory, link, f"{summary['models']} models; {summary['open']} open findings, "
                                            f"{summary['overdue']} overdue, {summary['critical_open']} critical.")
    run_logger().info("Report for %s: %s (MLflow run %s)", today, dashboard, run_id)
    return ReportOutcome(dashboard, run_id, link, summary["models"], summary["open"], summary["overdue"])


@read_flow(name="fleet-inventory")
def fleet_inventory(as_of: str | None = None) -> list[dict]:
    """Every registered model as the dashboard lists it: owner, tier, lifecycle, the current version's gate
    status, latest monitoring verdict and overall state, open and overdue findings, next review; as of `as_of`
    (default today, UTC)."""
    today, models, runs, _ = _fleet(Settings(), as_of)
    return inventory(models, runs, risk_register(runs, today), today)
