"""What the fleet dashboard and the management summary show, derived from the registry's facts, the runs
and the register: the inventory, trends, findings by severity and age, reviews that are overdue."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from govflow.checks.governance_tags import VersionTags
from govflow.checks.jurisdictions import declared
from govflow.checks.model_task import ModelTask, declared_task
from govflow.checks.register import REGISTER_SEVERITIES, RegisterEntry, RunRecord

# Age buckets of open findings, in days since they opened: (label, first day, last day).
AGE_BUCKETS = (("0-7 d", 0, 7), ("8-30 d", 8, 30), ("31-90 d", 31, 90), ("over 90 d", 91, None))
# The trend series of the dashboard and the model pages, each one check, so a chart's title, limit and failed runs
# are that check's. Fairness draws the disparate-impact ratio (the four-fifths rule), the shipped high tier's
# blocking fairness check.
# A regression draws the lowest group's mean prediction over the highest's and R²; a multiclass model the largest
# per-class offer-rate gap and accuracy.
TASK_SERIES = {
    ModelTask.BINARY: ("drift.share", "fairness.demographic_parity_ratio", "performance.auc"),
    ModelTask.REGRESSION: ("drift.share", "fairness.mean_prediction_ratio", "performance.r2"),
    ModelTask.MULTICLASS: ("drift.share", "fairness.demographic_parity_difference", "performance.accuracy"),
}
TREND_SERIES = tuple(dict.fromkeys(s for series in TASK_SERIES.values() for s in series))
SERIES_TITLES = {"drift.share": "share of drifted features (drift.share)",
                 "fairness.demographic_parity_ratio": "disparate impact, lowest (fairness.demographic_parity_ratio)",
                 "performance.auc": "AUC (performance.auc)",
                 "fairness.mean_prediction_ratio": "mean prediction ratio, lowest (fairness.mean_prediction_ratio)",
                 "performance.r2": "R² (performance.r2)",
                 "fairness.demographic_parity_difference":
                     "largest per-class rate gap (fairness.demographic_parity_difference)",
                 "performance.accuracy": "accuracy (performance.accuracy)"}
# Series of gaps, where the worst of several levels is the largest; every other series' worst is its lowest.
_LARGEST_WORST = frozenset({"fairness.demographic_parity_difference"})


def task_series(task: str | None) -> tuple[str, ...]:
    """The trend series a model of this task (as the inventory gives it; None before a gate) is drawn with."""
    return TASK_SERIES[declared_task(task) or ModelTask.BINARY]
# A run whose check ended here is marked on the trend: FAIL in red, WARN (a limit missed where it does not block,
# or an interval reaching past it) in amber, so a night with only a non-blocking finding does not read as failed.
MARKED = frozenset({"FAIL", "WARN"})


@dataclass(frozen=True)
class ModelFacts:
    """A registered model as the registry describes it now."""

    model: str
    owner: str | None = None
    use_case: str | None = None
    tier: str | None = None
    description: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    # version -> (status tag, lifecycle tag, aliases)
    versions: Mapping[str, tuple[str | None, str | None, tuple[str, ...]]] = field(default_factory=dict)

    @property
    def serving(self) -> list[str]:
        """Versions holding an alias, newest first."""
        return sorted((v for v, (_, _, aliases) in self.versions.items() if aliases), key=int, reverse=True)

    @property
    def current(self) -> str | None:
        """The version the pages lead with: the newest serving one, else the newest."""
        if self.serving:
            return self.serving[0]
        return max(self.versions, key=int) if self.versions else None

    @property
    def status(self) -> str:
        return (self.versions[self.current][0] or "NOT_GATED") if self.current else "NO_VERSIONS"

    @property
    def task(self) -> str | None:
        """binary, multiclass or regression, as the current version's tags say (the gate writes it); None
        before a gate told it, or for a tag govflow cannot read."""
        found = declared_task(VersionTags.parse(self.tags).task)
        return found.value if found else None

    @property
    def kind(self) -> str:
        """model, vendor or genai: the kind of AI system the registered model is (tag governance.kind)."""
        return VersionTags.parse(self.tags).kind.value

    @property
    def lifecycle(self) -> str:
        """retired, retiring, serving, or registered (not serving yet)."""
        if not self.versions:
            return "no versions"
        stages = {life for _, life, _ in self.versions.values()}
        if self.serving:
            return "retiring" if "retiring" in stages else "serving"
        if stages and stages <= {"retired"}:
            return "retired"
        return "retiring" if "retiring" in stages else "registered"


def trend_value(series: str, metrics: Mapping[str, float]) -> float | None:
    """A run's value of one trend series: the check's metric; for a ratio judged per level (race, sex,
    race&sex), the lowest of them, never an interval bound."""
    if series not in TREND_SERIES:
        raise KeyError(f"unknown trend series {series!r}; known: {', '.join(TREND_SERIES)}")
    values = [v for k, v in metrics.items()
              if (k == series or k.startswith(f"{series}.")) and not k.endswith((".ci_low", ".ci_high"))]
    if not values:
        return None
    return max(values) if series in _LARGEST_WORST else min(values)


def trends(runs: Iterable[RunRecord],
           max_points: int = 120) -> dict[str, dict[str, list[tuple[str, float, str, str]]]]:
    """Per model and series, (date, value, status of the check in that run, version) from its gate and monitoring
    runs, oldest first; the last run of each day, thinned evenly to at most `max_points` so a year of nights
    stays light."""
    daily: dict[str, dict[str, dict[str, tuple[float, str, str]]]] = defaultdict(lambda: defaultdict(dict))
    for run in sorted(runs, key=lambda r: r.started):
        if run.flow not in ("gate", "monitor"):
            continue
        for series in TREND_SERIES:
            value = trend_value(series, run.metrics)
            if value is not None:
                daily[run.model][series][run.started.date().isoformat()] = (
                    value, run.judged.get(series, ""), run.version)
    out: dict[str, dict[str, list[tuple[str, float, str, str]]]] = {}
    for model, by_series in daily.items():
        out[model] = {}
        for series, points in by_series.items():
            items = [(day, value, status, version) for day, (value, status, version) in sorted(points.items())]
            if len(items) > max_points:
                step = (len(items) - 1) / (max_points - 1)
                items = [items[round(i * step)] for i in range(max_points)]
            out[model][series] = items
    return out


def series_limit(results: Iterable[Mapping], series: str) -> float | None:
    """The limit the check of a series was last held to, from a run's results (None when it has none)."""
    for r in results:
        if r.get("check_id") == series and isinstance(r.get("limit"), (int, float)):
            return float(r["limit"])
    return None


def age_days(entry: RegisterEntry, today: date) -> int:
    return (today - date.fromisoformat(entry.opened)).days


def findings_by_age(register: Iterable[RegisterEntry], today: date) -> dict[str, dict[str, int]]:
    """Open (and overdue) findings counted per severity and age bucket."""
    table = {s: {label: 0 for label, _, _ in AGE_BUCKETS} for s in REGISTER_SEVERITIES}
    for entry in register:
        if entry.status == "closed":
            continue
        age = age_days(entry, today)
        for label, low, high in AGE_BUCKETS:
            if age >= low and (high is None or age <= high):
                table[entry.severity][label] += 1
                break
    return table


# From best to worst: a version's overall state is the worse of its gate status and its latest monitoring verdict.
_STATE_ORDER = ("APPROVED", "APPROVED_WITH_WAIVERS", "NOT_GATED", "BLOCKED", "REJECTED")
APPROVED_STATES = frozenset(_STATE_ORDER[:2])


def overall_state(gate: str, monitoring: str | None, serving: bool) -> str:
    """A serving version stands at the worse of its gate status and its latest monitoring verdict (approved at
    registration and rejected by last night's monitoring is rejected); one not serving, at its gate status.
    (`version_states` counts a version monitoring judged as one that served.)"""
    if not serving or monitoring is None:
        return gate
    rank = {s: i for i, s in enumerate(_STATE_ORDER)}
    return max((gate, monitoring), key=lambda s: rank.get(s, rank["BLOCKED"]))


def latest_monitoring(runs: Iterable[RunRecord]) -> dict[tuple[str, str], str]:
    """(model, version) -> the verdict of its latest monitoring run."""
    out: dict[tuple[str, str], str] = {}
    for run in sorted(runs, key=lambda r: r.started):
        if run.flow == "monitor" and run.verdict:
            out[(run.model, run.version)] = run.verdict
    return out


def version_states(facts: ModelFacts, monitored: Mapping[tuple[str, str], str]) -> list[dict]:
    """Every version of a model, newest first, with the state the inventory gives its current one: the gate
    status, the latest monitoring verdict and the overall state (`status`), its lifecycle and aliases. One rule
    for the dashboard, `govflow inventory` and the model page, so no page calls a version approved that the
    fleet calls rejected."""
    rows = []
    for version in sorted(facts.versions, key=int, reverse=True):
        gate_tag, life, aliases = facts.versions[version]
        gate = gate_tag or "NOT_GATED"
        monitoring = monitored.get((facts.model, version))
        if life in ("retired", "retiring"):
            lifecycle = life
        elif aliases:
            lifecycle = "serving"
        else:
            lifecycle = "not serving"
        # A version monitoring judged has served: it stands at the worse of the two even once replaced, so a
        # version rejected in service never reads APPROVED on its page because it stopped serving.
        rows.append({"version": version, "gate": gate, "monitoring": monitoring,
                     "status": overall_state(gate, monitoring, bool(aliases) or monitoring is not None),
                     "lifecycle": lifecycle,
                     "aliases": list(aliases)})
    return rows


def inventory(models: Sequence[ModelFacts], runs: Iterable[RunRecord], register: Iterable[RegisterEntry],
              today: date) -> list[dict]:
    """One row per registered model: owner, tier, lifecycle, the current version's gate status, its latest
    monitoring verdict and the overall state (`status`), last run, open and overdue findings, next review."""
    last: dict[str, RunRecord] = {}
    review: dict[tuple[str, str], str] = {}
    runs = sorted(runs, key=lambda r: r.started)
    monitored = latest_monitoring(runs)
    for run in runs:
        last[run.model] = run
        if run.flow == "gate" and run.review_due:
            review[(run.model, run.version)] = run.review_due
    open_count: Counter[str] = Counter()
    overdue_count: Counter[str] = Counter()
    for entry in register:
        if entry.status != "closed":
            open_count[entry.model] += 1
            overdue_count[entry.model] += entry.status == "overdue"
    rows = []
    for facts in models:
        run = last.get(facts.model)
        due = review.get((facts.model, facts.current)) if facts.current else None
        current = next((v for v in version_states(facts, monitored) if v["version"] == facts.current), None)
        rows.append({
            "model": facts.model, "kind": facts.kind, "owner": facts.owner, "tier": facts.tier, "lifecycle": facts.lifecycle,
            "version": facts.current, "gate": facts.status, "monitoring": current["monitoring"] if current else None,
            "status": current["status"] if current else facts.status,
            "last_run": run.started.date().isoformat() if run else None,
            "last_run_flow": run.flow if run else None, "last_run_link": run.link if run else None,
            "last_run_missing": list(run.missing) if run else [],
            "open_findings": open_count[facts.model], "overdue_findings": overdue_count[facts.model],
            "review_due": due,
            "review_overdue": bool(due and facts.serving and date.fromisoformat(due) < today),
            "jurisdictions": list(declared(VersionTags.parse(facts.tags).jurisdictions)),
            # binary, multiclass or regression: as the gate told it (or the tag declared it); None before a gate.
            "task": facts.task,
        })
    return rows


def by_jurisdiction(rows: Sequence[Mapping]) -> list[dict]:
    """Coverage per jurisdiction: for each code the inventory's models declare, how many models, how many
    stand approved (overall state), which do not, and their open and overdue findings."""
    out: dict[str, dict] = {}
    for row in rows:
        for code in row.get("jurisdictions") or ():
            entry = out.setdefault(code, {"jurisdiction": code, "models": 0, "approved": 0, "not_approved": [],
                                          "open_findings": 0, "overdue_findings": 0})
            entry["models"] += 1
            if row["status"] in APPROVED_STATES:
                entry["approved"] += 1
            else:
                entry["not_approved"].append(row["model"])
            entry["open_findings"] += row["open_findings"]
            entry["overdue_findings"] += row["overdue_findings"]
    return [out[code] for code in sorted(out)]


def management_summary(models: Sequence[ModelFacts], register: Sequence[RegisterEntry], since: date, until: date,
                       top: int = 10, states: Mapping[str, str] | None = None,
                       serving: Collection[tuple[str, str]] = ()) -> dict:
    """One period's figures: models per status and tier, findings opened and closed in the period, open and
    overdue at its end, and the top risks: open critical findings first, those on versions serving decisions
    first among them, overdue first, oldest first."""
    def within(day: str | None) -> bool:
        return day is not None and since <= date.fromisoformat(day) <= until

    open_now = [e for e in register if e.status != "closed"]
    ranked = sorted(open_now, key=lambda e: (e.severity != "critical", (e.model, e.version) not in serving,
                                             e.status != "overdue", e.opened))
    return {
        "since": since.isoformat(), "until": until.isoformat(), "models": len(models),
        # `states`: each model's overall state (the inventory's `status`); without it, the gate status.
        "by_status": dict(sorted(Counter((states or {}).get(m.model, m.status) for m in models).items())),
        "by_tier": dict(sorted(Counter(m.tier or "unknown" for m in models).items())),
        "by_lifecycle": dict(sorted(Counter(m.lifecycle for m in models).items())),
        "opened": sum(within(e.opened) for e in register),
        "closed": sum(within(e.closed_on) for e in register),
        "open": len(open_now), "overdue": sum(e.status == "overdue" for e in open_now),
        "critical_open": sum(e.severity == "critical" for e in open_now),
        "top_risks": ranked[:top],
    }
