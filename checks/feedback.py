"""Stakeholder feedback and incidents: what the people a model affects, or those who run it, report about it.

Feedback at or above the policy's `open_at` severity is a `feedback.stakeholder` FAIL, so it opens a
finding for the model's owner on the register; a recorded resolution is its PASS and closes it. Bulk
intake keeps every good row and names every bad one.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from govflow.checks.policy import FEEDBACK_SEVERITIES, FeedbackRule
from govflow.checks.results import CheckResult, Status

FIELDS = ("from", "severity", "text")  # required in every entry
OPTIONAL = ("version", "theme", "received")
UNTHEMED = "unthemed"


def entry(row: Mapping, where: str) -> dict:
    """One feedback entry, checked: role, severity and text required, severity one of FEEDBACK_SEVERITIES;
    ValueError naming `where` and the field."""
    unknown = sorted(set(row) - set(FIELDS) - set(OPTIONAL) - {"model", "row"})
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {unknown}; expected {list(FIELDS + OPTIONAL)}")
    values = {k: ("" if row.get(k) is None else str(row.get(k)).strip()) for k in (*FIELDS, *OPTIONAL)}
    if missing := [k for k in FIELDS if not values[k]]:
        raise ValueError(f"{where}: missing {', '.join(repr(k) for k in missing)}")
    severity = values["severity"].lower()
    if severity not in FEEDBACK_SEVERITIES:
        raise ValueError(f"{where}: severity '{values['severity']}' is not one of {', '.join(FEEDBACK_SEVERITIES)}")
    return {"from": values["from"], "severity": severity, "text": values["text"],
            "theme": values["theme"].lower() or UNTHEMED, "version": values["version"] or None,
            "received": values["received"] or None}


def parse_bulk(text: str, source: str) -> tuple[list[dict], list[str]]:
    """Entries from a CSV (with a header row) or JSON (a list of objects) file; the good entries and one
    message per bad row naming `source` and the row, so a bad row never costs the good ones."""
    stripped = text.lstrip()
    if source.lower().endswith(".json") or stripped.startswith(("[", "{")):
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            return [], [f"{source}: not valid JSON: {exc}"]
        if not isinstance(rows, list):
            return [], [f"{source}: expected a JSON list of feedback objects, got {type(rows).__name__}"]
        numbered = [(f"{source}, item {i + 1}", row) for i, row in enumerate(rows)]
    else:
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames:
            return [], [f"{source}: empty CSV file"]
        numbered = [(f"{source}, line {reader.line_num}", row) for row in reader]
    good, bad = [], []
    for where, row in numbered:
        if not isinstance(row, Mapping):
            bad.append(f"{where}: expected an object, got {type(row).__name__}")
            continue
        if None in row:  # csv.DictReader's key for cells beyond the header
            bad.append(f"{where}: more cells than the header has columns")
            continue
        try:
            good.append({**entry(row, where), "model": str(row.get("model") or "").strip() or None, "row": where})
        except ValueError as exc:
            bad.append(str(exc))
    return good, bad


def at_or_above(severity: str, threshold: str) -> bool:
    return FEEDBACK_SEVERITIES.index(severity) >= FEEDBACK_SEVERITIES.index(threshold)


def feedback_result(entries: Sequence[Mapping], rule: FeedbackRule) -> CheckResult | None:
    """FAIL when any entry is at or above `open_at` (naming the most severe); None when none is, since
    feedback below the threshold is recorded and counted but needs no finding."""
    serious = [e for e in entries if at_or_above(e["severity"], rule.open_at)]
    if not serious:
        return None
    worst = max(serious, key=lambda e: FEEDBACK_SEVERITIES.index(e["severity"]))
    more = f" (and {len(serious) - 1} more at or above {rule.open_at})" if len(serious) > 1 else ""
    return CheckResult(check_id="feedback.stakeholder", status=Status.FAIL, value=worst["severity"],
                       limit=rule.open_at, n=len(serious), column=worst["theme"],
                       message=f"{worst['severity']} feedback from {worst['from']}: {worst['text'][:200]}{more}",
                       hint="investigate, then record the outcome with `govflow feedback resolve`")


def resolution_result(by: str, text: str) -> CheckResult:
    """PASS recording who resolved the open feedback finding and how; it closes the finding."""
    return CheckResult(check_id="feedback.stakeholder", status=Status.PASS, value="resolved",
                       message=f"feedback resolved by {by}: {text[:300]}")


def summary(entries: Iterable[Mapping]) -> dict:
    """Counts of feedback by severity, by role and by theme."""
    rows = list(entries)
    return {"total": len(rows),
            "by_severity": {s: n for s in FEEDBACK_SEVERITIES if (n := sum(e["severity"] == s for e in rows))},
            "by_role": dict(Counter(e["from"] for e in rows).most_common()),
            "by_theme": dict(Counter(e.get("theme") or UNTHEMED for e in rows).most_common())}
