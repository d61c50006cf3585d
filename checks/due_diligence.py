"""A vendor's due-diligence record judged by the tier (issue 31): the facts a firm must hold on a third-party AI
service before relying on it (who supplies it, which service and version, for what use, which data it receives,
the contract and the next review), and the documents received (security certification, the vendor's model card
or fact sheet, a bias audit), each hashed into the evidence and current on the day of judging."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from govflow.checks.policy.vendor_rules import DocumentsRule, DueDiligenceRule
from govflow.checks.results import CheckResult, Status

DUE_DILIGENCE_TAG = "governance.due_diligence"


@dataclass(frozen=True)
class VendorDocument:
    """One document the record lists: its kind, its file, its expiry, and what reading the file found."""

    kind: str
    file: str
    expires: date | None
    sha256: str | None = None  # None when the file could not be read
    error: str | None = None


def _date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def judge_record(record: Mapping | None, error: str | None, rule: DueDiligenceRule, today: date) -> list[CheckResult]:
    """`vendor.due_diligence`: ERROR per field the record leaves blank (or for the whole record when it cannot
    be read); FAIL once its `review_date` has passed; else PASS per field."""
    check_id = "vendor.due_diligence"
    if record is None:
        return [CheckResult(check_id=check_id, status=Status.ERROR, column=DUE_DILIGENCE_TAG,
                            message=f"not run: {error or f'tag {DUE_DILIGENCE_TAG} names no due-diligence record'}",
                            hint="write the record (YAML: vendor, service, service_version, intended_use, "
                                 "data_received, contract_date, review_date, documents) and name it in the tag")]
    out = []
    for name in rule.fields:
        value = record.get(name)
        if value is None or not str(value).strip() or value in ([], {}):
            out.append(CheckResult(check_id=check_id, status=Status.ERROR, column=name,
                                   message=f"due-diligence field '{name}' is blank", hint=f"fill '{name}' in the record"))
        elif name == "review_date" and (due := _date(value)) is not None and due < today:
            out.append(CheckResult(check_id=check_id, status=Status.FAIL, column=name, value=due.isoformat(),
                                   limit=today.isoformat(), message=f"the vendor review due on {due} has not been done"))
        elif name.endswith("_date") and _date(value) is None:
            out.append(CheckResult(check_id=check_id, status=Status.ERROR, column=name, value=str(value),
                                   message=f"due-diligence field '{name}' is '{value}', not a date (YYYY-MM-DD)"))
        else:
            out.append(CheckResult(check_id=check_id, status=Status.PASS, column=name,
                                   message=f"'{name}' is recorded"))
    return out


def parse_documents(record: Mapping) -> tuple[list[tuple[str, str, date | None]], list[str]]:
    """The record's `documents` as (kind, file, expiry); and what is wrong with entries that cannot be read."""
    found, problems = [], []
    for i, entry in enumerate(record.get("documents") or []):
        if not isinstance(entry, Mapping) or not entry.get("kind") or not entry.get("file"):
            problems.append(f"documents[{i}] needs a kind and a file")
            continue
        expires = _date(entry.get("expires")) if entry.get("expires") is not None else None
        if entry.get("expires") is not None and expires is None:
            problems.append(f"documents[{i}].expires is '{entry.get('expires')}', not a date (YYYY-MM-DD)")
        found.append((str(entry["kind"]), str(entry["file"]), expires))
    return found, problems


def judge_documents(documents: Sequence[VendorDocument], problems: Sequence[str], rule: DocumentsRule,
                    today: date) -> list[CheckResult]:
    """`vendor.documents`, one result per requirement (`soc2|iso27001`): FAIL when no document of its kinds is
    listed or every one has expired; ERROR when the file cannot be read; WARN when the best one expires within
    the warning window; PASS otherwise, naming the file, its hash and its expiry."""
    check_id = "vendor.documents"
    out = [CheckResult(check_id=check_id, status=Status.ERROR, message=f"the record's {p}") for p in problems]
    for requirement in rule.required:
        kinds = requirement.split("|")
        listed = [d for d in documents if d.kind in kinds]
        if not listed:
            out.append(CheckResult(check_id=check_id, status=Status.FAIL, column=requirement,
                                   message=f"no {' or '.join(kinds)} document is on file",
                                   hint="obtain it from the vendor and list it in the record's documents"))
            continue
        readable = [d for d in listed if d.sha256 is not None]
        if not readable:
            out.append(CheckResult(check_id=check_id, status=Status.ERROR, column=requirement,
                                   message=f"{listed[0].file} cannot be read: {listed[0].error}"))
            continue
        best = max(readable, key=lambda d: d.expires or date.max)
        left = (best.expires - today).days if best.expires is not None else None
        common: dict[str, Any] = {"check_id": check_id, "column": requirement, "value": best.expires.isoformat() if best.expires
                  else "no expiry", "limit": today.isoformat()}
        said = f"{best.kind} {best.file} (sha256 {best.sha256[:12]}…)"  # type: ignore[index]
        if left is not None and left < 0:
            out.append(CheckResult(**common, status=Status.FAIL, message=f"{said} expired on {best.expires}",
                                   hint="obtain the current one from the vendor"))
        elif left is not None and left <= rule.warn_within_days:
            out.append(CheckResult(**common, status=Status.WARN, message=f"{said} expires on {best.expires}, "
                                   f"within {rule.warn_within_days} days"))
        else:
            out.append(CheckResult(**common, status=Status.PASS, message=f"{said} is on file" + (
                f", current until {best.expires}" if best.expires else "")))
    return out
