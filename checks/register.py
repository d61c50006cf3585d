"""The risk register, derived from the evidence alone: a finding opens when a run's blocking check fails
or cannot judge, and closes when a later run of the same version judges that check and it passes, or when a
newer version of the model that replaced it in service (its monitoring runs on after the old version's stopped)
is monitored and passes that check: the retrained version remediates the old one's findings.

Nothing here is stored apart from the runs, so the register cannot drift from the evidence it lists."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from govflow.checks.findings import SEVERITIES

# Severities that put a finding on the register: a blocking check that failed or could not judge.
REGISTER_SEVERITIES = SEVERITIES[:2]
_RANK = {level: len(SEVERITIES) - i for i, level in enumerate(SEVERITIES)}
# Statuses that clear a finding when a later run of the same check ends in them.
_CLEARED = frozenset({"PASS", "WAIVED"})
# Only a monitoring run shows a version serving; a newer version's gate proves nothing about the old one's use.
MONITOR_FLOW = "monitor"
# What a person may record of a finding's remediation (`govflow finding note --status`); `accepted` comes only
# from a waiver, and a finding closes only when a run passes its check.
REMEDIATION_STEPS = ("open", "plan_agreed", "in_progress", "remediated")
# Findings that stop the others from running: a check that could not run on the same version follows from them.
ROOT_CAUSES = ("governance.required_tags", "data.readable")


@dataclass(frozen=True)
class RunRecord:
    """What the register and the pages need of one governance run, read from its tags and evidence."""

    run_id: str
    model: str
    version: str
    flow: str
    started: datetime
    verdict: str | None = None
    tier: str | None = None
    judged: Mapping[str, str] = field(default_factory=dict)  # check id -> worst status in the run
    findings: tuple[Mapping, ...] = ()  # rows of evidence/findings.json
    metrics: Mapping[str, float] = field(default_factory=dict)
    missing: tuple[str, ...] = ()  # evidence files this run should hold and does not
    review_due: str | None = None
    note: Mapping | None = None  # a remediation note's evidence/note.json
    signoff: Mapping | None = None  # a sign-off's evidence/signoff.json
    feedback: tuple[Mapping, ...] = ()  # the entries of a feedback run's evidence/feedback/entries.json
    link: str | None = None  # where the run's evidence is (MLflow UI or artifact folder)
    because: str | None = None  # the verdict in one line, from evidence/verdict.json


@dataclass(frozen=True)
class RegisterEntry:
    """One finding on the register: a model version's check that needs action, from the run that opened it
    to the run that closed it."""

    model: str
    version: str
    check_id: str
    severity: str
    tier: str | None
    owner: str | None
    opened: str
    opened_run: str
    due: str | None
    status: str  # open, overdue or closed
    message: str
    last_seen_run: str
    closed_on: str | None = None
    closed_run: str | None = None
    closed_link: str | None = None
    closed_version: str | None = None  # set when a newer version that replaced this one closed it
    notes: tuple[Mapping, ...] = ()
    closed_as: str | None = None  # "passed", or "waived" when a waiver accepted the finding

    @property
    def remediation(self) -> str:
        """Where its remediation stands: `accepted` (closed by a waiver), `remediated` (closed by a run that
        passed the check), else what the latest note set (plan_agreed, in_progress, remediated: awaiting the
        run that confirms it), else `open`."""
        if self.status == "closed":
            return "accepted" if self.closed_as == "waived" else "remediated"
        note = self._remediation_note
        return note["remediation"] if note else "open"

    @property
    def remediation_by(self) -> str | None:
        """Who set the remediation status: the note's author (a closing run is no person)."""
        note = self._remediation_note
        return note.get("by") if note and self.status != "closed" else None

    @property
    def remediation_due(self) -> str | None:
        """The date the agreed plan promises the fix by."""
        note = self._remediation_note
        return note.get("plan_due") if note and self.status != "closed" else None

    @property
    def _remediation_note(self) -> Mapping | None:
        return next((n for n in reversed(self.notes) if n.get("remediation") in REMEDIATION_STEPS), None)

    @property
    def days_late(self) -> int | None:
        """How many days after its due date a closed finding was closed (0 when on time), else None."""
        if self.closed_on is None or self.due is None:
            return None
        return max(0, (date.fromisoformat(self.closed_on) - date.fromisoformat(self.due)).days)

    def row(self) -> dict:
        """The entry as a flat row for CSV and JSON; an owner nobody named reads `unknown`."""
        return {"model": self.model, "version": self.version, "check_id": self.check_id, "severity": self.severity,
                "tier": self.tier or "unknown", "owner": self.owner or "unknown", "status": self.status,
                "opened": self.opened, "due": self.due or "", "closed_on": self.closed_on or "",
                "opened_run": self.opened_run, "last_seen_run": self.last_seen_run,
                "closed_run": self.closed_run or "", "closed_version": self.closed_version or "",
                "days_late": "" if self.days_late is None else str(self.days_late), "message": self.message,
                "remediation": self.remediation, "remediation_by": self.remediation_by or "",
                "remediation_due": self.remediation_due or "",
                "notes": " | ".join(f"{n.get('at', '')} {n.get('by', '')}: {n.get('text', '')}" for n in self.notes)}


def worst_findings(rows: Iterable[Mapping]) -> dict[str, Mapping]:
    """Per check id, its most severe register-worthy finding among a run's rows (a check judged per column
    or group has several)."""
    worst: dict[str, Mapping] = {}
    for row in rows:
        level = row.get("severity")
        if level not in REGISTER_SEVERITIES:
            continue
        held = worst.get(row["check_id"])
        if held is None or _RANK[level] > _RANK[held["severity"]]:
            worst[row["check_id"]] = row
    return worst


def _status(due: str | None, today: date) -> str:
    """open until the day after the due date, then overdue."""
    return "overdue" if due is not None and date.fromisoformat(due) < today else "open"


def _closed(entry: RegisterEntry, run: RunRecord, status: str, by_version: str | None = None) -> RegisterEntry:
    """`entry` closed by `run`, whose check ended at `status` (a newer version's, `by_version`, when it replaced
    the entry's in service)."""
    return replace(entry, status="closed", closed_on=run.started.date().isoformat(), closed_run=run.run_id,
                   closed_link=run.link, closed_version=by_version,
                   closed_as="waived" if status == "WAIVED" else "passed")


def _replaced(open_at: Mapping[tuple[str, str, str | None], int], run: RunRecord, check: str,
              monitored_until: Mapping[tuple[str, str], datetime]) -> list[tuple[str, str, str | None]]:
    """Open findings of `check` on older versions of `run`'s model whose monitoring stopped before `run`: the
    version `run` monitors has replaced them in service."""
    return [key for key in open_at
            if key[0] == run.model and key[2] == check and _older(key[1], run.version)
            and monitored_until.get((run.model, key[1]), run.started) < run.started]


def _older(version: str, than: str) -> bool:
    """MLflow numbers a model's versions 1, 2, 3...; anything else is compared as text."""
    if version.isdigit() and than.isdigit():
        return int(version) < int(than)
    return version < than


def risk_register(runs: Iterable[RunRecord], today: date) -> list[RegisterEntry]:
    """Every finding the runs opened, oldest first, with the run that closed it if one did; remediation
    notes (runs with a `note`) are attached to the finding open for that version and check when they were made."""
    entries: list[RegisterEntry] = []
    open_at: dict[tuple[str, str, str | None], int] = {}  # (model, version, check) -> index of its open entry
    last_at: dict[tuple[str, str, str | None], int] = {}  # ... -> index of its latest entry, open or closed
    runs = sorted(runs, key=lambda r: (r.started, r.run_id))
    monitored_until: dict[tuple[str, str], datetime] = {}  # (model, version) -> its last monitoring run's start
    for run in runs:
        if run.flow == MONITOR_FLOW:
            monitored_until[(run.model, run.version)] = run.started
    for run in runs:
        if run.note is not None:
            # A note on a finding already closed belongs to the latest one of that check.
            key = (run.model, run.version, run.note.get("check_id"))
            index = open_at.get(key, last_at.get(key))
            if index is not None:
                entries[index] = replace(entries[index], notes=(*entries[index].notes, dict(run.note)))
            continue
        if run.missing and not run.judged:
            continue  # a run without its verdict neither opens nor closes anything; the pages show it
        current = worst_findings(run.findings)
        for check, status in run.judged.items():
            index = open_at.get((run.model, run.version, check))
            if index is not None and check not in current and status in _CLEARED:
                entries[index] = _closed(entries[index], run, status)
                del open_at[(run.model, run.version, check)]
            if run.flow == MONITOR_FLOW and check not in current and status in _CLEARED:
                for key in _replaced(open_at, run, check, monitored_until):
                    index = open_at.pop(key)
                    entries[index] = _closed(entries[index], run, status, by_version=run.version)
        for check, row in current.items():
            key = (run.model, run.version, check)
            index = open_at.get(key)
            if index is None:
                open_at[key] = last_at[key] = len(entries)
                entries.append(RegisterEntry(
                    model=run.model, version=run.version, check_id=check, severity=row["severity"], tier=run.tier,
                    owner=row.get("owner"), opened=run.started.date().isoformat(), opened_run=run.run_id,
                    due=row.get("due"), status="open", message=row.get("message", ""), last_seen_run=run.run_id))
            else:
                held = entries[index]
                worse = _RANK[row["severity"]] > _RANK[held.severity]
                entries[index] = replace(held, last_seen_run=run.run_id, message=row.get("message", held.message),
                                         severity=row["severity"] if worse else held.severity,
                                         # a finding that turned critical is due by the stricter date
                                         due=row.get("due") if worse else held.due,
                                         owner=row.get("owner") or held.owner)
    return [e if e.status == "closed" else replace(e, status=_status(e.due, today)) for e in entries]


def in_order(entries: Iterable[RegisterEntry], serving: Collection[tuple[str, str]]) -> list[RegisterEntry]:
    """The register as a risk committee reads it: findings on versions that serve decisions first, then overdue
    before open, the most severe first, the oldest first; closed ones last."""
    return sorted(entries, key=lambda e: (e.status == "closed", (e.model, e.version) not in serving,
                                          e.status != "overdue", -_RANK[e.severity], e.opened))


def _cause(entry: RegisterEntry) -> str | None:
    """Why a check could not run, from its finding's message ('not run: <cause>'); None for a judged one."""
    return entry.message.removeprefix("not run: ") if entry.message.startswith("not run: ") else None


def by_cause(entries: Sequence[RegisterEntry]) -> list[tuple[RegisterEntry, list[RegisterEntry]]]:
    """Open findings gathered under the one that caused them, in the order of each group's first: on one
    version, a check that could not run follows the version's missing-tag or unreadable-data finding when it has
    one, else the first finding that could not run for the same reason. A finding that judged something leads."""
    roots: dict[tuple[str, str], RegisterEntry] = {}
    for e in entries:
        if e.check_id in ROOT_CAUSES and e.status != "closed":
            roots.setdefault((e.model, e.version), e)
    groups: list[tuple[RegisterEntry, list[RegisterEntry]]] = []
    index: dict[tuple[str, ...], int] = {}
    for e in entries:
        root = roots.get((e.model, e.version))
        cause = _cause(e) if e.status != "closed" else None
        if e is root or (cause is not None and root is not None):
            key: tuple[str, ...] = ("root", e.model, e.version)
        elif cause is not None:
            key = ("cause", e.model, e.version, cause)
        else:
            groups.append((e, []))
            continue
        if key not in index:  # the group takes the place of its first member, led by the root where there is one
            index[key] = len(groups)
            groups.append((root if key[0] == "root" and root is not None else e, []))
        lead, followers = groups[index[key]]
        if e is not lead:
            followers.append(e)
    return groups
