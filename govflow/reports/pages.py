"""The report site: dashboard, a page per model, the register (HTML, CSV, JSON) and the management summary,
rendered from the registry's facts and the runs' evidence. Every page is one self-contained HTML file."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from govflow.checks.controls import Catalogue, coverage, current_evidence
from govflow.checks.documentation import documented_fields
from govflow.checks.feedback import summary
from govflow.checks.fleet_view import (
    AGE_BUCKETS,
    SERIES_TITLES,
    ModelFacts,
    by_jurisdiction,
    findings_by_age,
    inventory,
    latest_monitoring,
    management_summary,
    series_limit,
    task_series,
    trends,
    version_states,
)
from govflow.checks.register import RegisterEntry, RunRecord, by_cause, in_order, risk_register
from govflow.checks.results import STATUS_ORDER, CheckResult, Status
from govflow.reports.charts import interval_chart, line_chart, stacked_bars
from govflow.visible import shown

DATA_TAGS = ("governance.reference_data", "governance.evaluation_data", "governance.monitoring_data",
             "governance.label", "governance.prediction", "governance.score", "governance.sensitive_features",
             "governance.timestamp")
REGISTER_COLUMNS = ("model", "version", "serving", "check_id", "follows", "severity", "tier", "owner", "status",
                    "remediation", "remediation_by", "remediation_due", "opened", "due", "closed_on",
                    "closed_version", "days_late", "opened_run", "last_seen_run", "closed_run", "message", "notes")
# The flows that write a verdict and findings; a model page shows the latest run of each, check by check.
DETAILED_FLOWS = ("gate", "monitor", "serving", "retirement")
DASHBOARD_POINTS = 60  # per trend on the dashboard; a model's own page shows up to a year of nights


@dataclass(frozen=True)
class LatestRun:
    """The latest run of one flow for a model's current version, with every result its verdict holds."""

    run: RunRecord
    results: tuple[Mapping, ...] = ()
    card: Mapping[str, Mapping] | None = None  # a gate run's evidence/model_card.json fields


@dataclass(frozen=True)
class FleetEvidence:
    """Everything the site is drawn from."""

    models: Sequence[ModelFacts]
    runs: Sequence[RunRecord]
    latest: Mapping[str, Mapping[str, LatestRun]] = field(default_factory=dict)  # model -> flow -> run
    catalogue: Catalogue | None = None
    tracking: str = ""
    code_version: str = ""


def page_name(model: str) -> str:
    """A file name for a model's page that any model name maps to, distinctly."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", model).strip("-.")[:60] or "model"
    return f"{slug}-{hashlib.sha256(model.encode()).hexdigest()[:8]}.html"


def _fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _visible(value):
    """Every value a template prints, with the characters a reader cannot see shown (escaped after this)."""
    return shown(value) if isinstance(value, str) and not isinstance(value, Markup) else value


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(["j2", "html"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, finalize=_visible)
    env.globals["fmt"] = _fmt
    return env


def register_files(entries: Sequence[RegisterEntry], serving: Collection[tuple[str, str]] = (),
                   groups: Sequence[tuple[RegisterEntry, Sequence[RegisterEntry]]] = ()) -> dict[str, bytes]:
    """`register.csv` and `register.json`: one row per finding in the register's order, the columns of
    REGISTER_COLUMNS; `follows` names the finding an open one could not run for (`by_cause`'s groups)."""
    # An open finding is one per (model, version, check): the register keeps one open entry for each.
    follows = {(f.model, f.version, f.check_id): lead.check_id for lead, followers in groups for f in followers}
    rows = [{**e.row(), "serving": "yes" if (e.model, e.version) in serving else "no",
             "follows": "" if e.status == "closed" else follows.get((e.model, e.version, e.check_id), "")}
            for e in entries]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=REGISTER_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return {"register.csv": buffer.getvalue().encode(),
            "register.json": json.dumps({"findings": rows}, indent=1, sort_keys=True).encode()}


def _worst_first(result: Mapping) -> tuple[int, str, str]:
    return (-STATUS_ORDER.index(Status(result["status"])), result["check_id"], result.get("period") or "")


def _families(results: Sequence[Mapping]) -> tuple[list[Mapping], dict[str, list[Mapping]], int]:
    """What a run's results show: every result that did not pass, worst first, per period ones included (what
    failed is shown first and never folded away); then the whole-window passes grouped by family, and how many
    per-period passes are left to the run's evidence."""
    attention = sorted((r for r in results if r["status"] != Status.PASS.value), key=_worst_first)
    families: dict[str, list[Mapping]] = defaultdict(list)
    per_period = 0
    for r in results:
        if r["status"] != Status.PASS.value:
            continue
        if r.get("period"):
            per_period += 1
        else:
            families[r["check_id"].split(".", 1)[0]].append(r)
    return attention, dict(sorted(families.items())), per_period


def _model_page(env: Environment, facts: ModelFacts, evidence: FleetEvidence, runs: Sequence[RunRecord],
                entries: Sequence[RegisterEntry], series: Mapping[str, list], context: dict, state: Mapping,
                versions: Sequence[Mapping]) -> bytes:
    feedback = [e for r in sorted(runs, key=lambda r: r.started, reverse=True) for e in r.feedback]
    latest = {}
    for flow, block in (evidence.latest.get(facts.model) or {}).items():
        attention, families, per_period = _families(block.results)
        latest[flow] = {"run": block.run, "attention": attention, "families": families, "per_period": per_period,
                        "charts": {f: interval_chart(rows, f"{f}: value, interval and limit")
                                   for f, rows in families.items()}}
    results = [r for block in (evidence.latest.get(facts.model) or {}).values() for r in block.results
               if not r.get("period")]
    rows = []
    current = current_evidence({flow: [CheckResult.model_validate(r) for r in block.results]
                                for flow, block in (evidence.latest.get(facts.model) or {}).items()})
    if evidence.catalogue is not None and current:
        rows = [{**row, "state": row["models"][facts.model]}
                for row in coverage(evidence.catalogue, {facts.model: current})]
    return env.get_template("model.html.j2").render(
        **context, root="../", m=facts, data_tags=DATA_TAGS, state=state,
        assessment=[r for r in results if r["check_id"] == "governance.risk_assessment"],
        versions=versions,
        runs=sorted(runs, key=lambda r: r.started, reverse=True), latest=latest,
        trend_charts=[line_chart(series.get(s, []), SERIES_TITLES[s], width=360, height=120,
                                 limit=_limit(evidence, facts.model, s))
                      for s in task_series(facts.task)],
        entries=entries, waivers=[r for r in results if r["check_id"] == "governance.waivers" or r["status"] == "WAIVED"],
        signoffs=[r for r in sorted(runs, key=lambda r: r.started, reverse=True) if r.signoff],
        coverage=rows, card=documented_fields(facts.tags, facts.description, _gate_card(evidence, facts.model)),
        feedback=feedback, feedback_summary=summary(feedback) if feedback else None,
    ).encode()


def _limit(evidence: FleetEvidence, model: str, series: str) -> float | None:
    """The limit a trend draws: the one its check was last held to (the latest monitoring run, else the gate)."""
    latest = evidence.latest.get(model) or {}
    for flow in ("monitor", "gate"):
        if flow in latest and (limit := series_limit(latest[flow].results, series)) is not None:
            return limit
    return None


def _gate_card(evidence: FleetEvidence, model: str) -> Mapping[str, Mapping] | None:
    gate = (evidence.latest.get(model) or {}).get("gate")
    return gate.card if gate is not None else None


def feedback_in(runs: Sequence[RunRecord], since: date, until: date) -> dict[str, dict]:
    """Per model, counts of the stakeholder feedback recorded from `since` to `until`, by severity, role, theme."""
    entries: dict[str, list] = defaultdict(list)
    for run in runs:
        if run.feedback and since <= run.started.date() <= until:
            entries[run.model] += run.feedback
    return {model: summary(rows) for model, rows in sorted(entries.items())}


@dataclass(frozen=True)
class Site:
    """The report's files keyed by their path in the site, and the figures the flow also publishes."""

    files: dict[str, bytes]
    inventory: list[dict]
    summary: dict
    register: list[RegisterEntry]


def build_site(evidence: FleetEvidence, today: date, since: date, generated_at: datetime) -> Site:
    """Every page and file of the report: dashboard, register, summary for `since`..`today`, one page per model."""
    env = _environment()
    serving = {(m.model, v) for m in evidence.models for v in m.serving}
    register = in_order(risk_register(evidence.runs, today), serving)
    groups = by_cause([e for e in register if e.status != "closed"])
    rows = inventory(evidence.models, evidence.runs, register, today)
    summary = management_summary(evidence.models, register, since, today,
                                 states={row["model"]: row["status"] for row in rows}, serving=serving)
    pages = {m.model: page_name(m.model) for m in evidence.models}
    context = {"today": today.isoformat(), "generated_at": generated_at.isoformat(timespec="seconds"),
               "code_version": evidence.code_version, "tracking": evidence.tracking, "pages": pages}
    light = trends(evidence.runs, max_points=DASHBOARD_POINTS)
    by_age = findings_by_age(register, today)
    site = {
        "dashboard.html": env.get_template("dashboard.html.j2").render(
            **context, root="", inventory=rows, summary=summary, by_age=by_age, regions=by_jurisdiction(rows),
            age_buckets=[label for label, _, _ in AGE_BUCKETS], register_count=len(register),
            age_chart=stacked_bars(by_age, "open findings by age"),
            overdue_reviews=[r for r in rows if r["review_overdue"]],
            trend_charts={r["model"]: [line_chart(light.get(r["model"], {}).get(s, []), SERIES_TITLES[s], width=220,
                                                  height=70, limit=_limit(evidence, r["model"], s))
                                       for s in task_series(r["task"])] for r in rows},
        ).encode(),
        "register.html": env.get_template("register.html.j2").render(
            **context, root="", root_models="models/", entries=register, groups=groups, serving=serving,
            links={run.run_id: run.link for run in evidence.runs if run.link}).encode(),
        "summary.html": env.get_template("summary.html.j2").render(
            **context, root="", s=summary, feedback=feedback_in(evidence.runs, since, today),
            # Feedback received before the period whose finding is still open is not "no feedback".
            open_feedback=[e for e in register if e.check_id == "feedback.stakeholder" and e.status != "closed"],
        ).encode(),
        **register_files(register, serving, groups),
    }
    # The entry page: a served folder or MLflow's artifact view opens index.html, not a listing of files.
    site["index.html"] = site["dashboard.html"]
    full = trends(evidence.runs, max_points=366)
    runs_of: dict[str, list[RunRecord]] = defaultdict(list)
    for run in evidence.runs:
        runs_of[run.model].append(run)
    entries_of: dict[str, list[RegisterEntry]] = defaultdict(list)
    for entry in register:
        entries_of[entry.model].append(entry)
    monitored = latest_monitoring(evidence.runs)
    state_of = {row["model"]: row for row in rows}
    for facts in evidence.models:
        site[f"models/{pages[facts.model]}"] = _model_page(
            env, facts, evidence, runs_of[facts.model], entries_of[facts.model], full.get(facts.model, {}), context,
            state_of[facts.model], version_states(facts, monitored))
    return Site(site, rows, summary, register)
