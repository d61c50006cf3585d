"""Documentation completeness: the model card fields a version must have before approval, each judged on
its own, read from the version's or model's `governance.<field>` tags, a model card file logged with the
model, or headed sections of the registered model's description (`## Intended use`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from govflow.checks.policy import ModelCardRule
from govflow.checks.results import CheckResult, Status

# The fields of a model card (Mitchell et al., 2019, and EU AI Act Annex IV), in the order a reader wants them.
STANDARD_FIELDS = ("intended_use", "out_of_scope_uses", "limitations", "training_data", "evaluation_data",
                   "ethical_considerations", "contact")
# Tags that name the data govflow reads, not card text: `governance.evaluation_data` is the held-out file's URI, and
# a path is no description of the evaluation data (the card's `evaluation_data` field comes from elsewhere).
DATA_TAGS = frozenset({"governance.reference_data", "governance.evaluation_data", "governance.monitoring_data",
                       "governance.labels_data"})
# Text that holds a place for a field rather than filling it.
PLACEHOLDERS = frozenset({"", "tbd", "todo", "tba", "n/a", "na", "none", "-", "?", "..."})


def field_key(heading: str) -> str:
    """'Out-of-scope uses' -> 'out_of_scope_uses': how a heading or card key names a field."""
    return re.sub(r"[^a-z0-9]+", "_", heading.strip().lower()).strip("_")


def description_sections(description: str | None) -> dict[str, str]:
    """Markdown sections of a description by field key: the text under each `#`-heading to the next."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in (description or "").splitlines():
        if match := re.match(r"\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line):
            current = field_key(match.group(1))
            sections.setdefault(current, [])
        elif current is not None:
            sections[current].append(line)
    return {key: "\n".join(lines).strip() for key, lines in sections.items()}


def model_card(tags: Mapping[str, str], card: Mapping | None, description: str | None) -> dict[str, tuple[str, str]]:
    """Every documented field: key -> (text, where it was found); tags win over the card file, the card
    over the description."""
    found: dict[str, tuple[str, str]] = {}
    for key, text in description_sections(description).items():
        found[key] = (text, "registered model description")
    for key, value in (card or {}).items():
        if isinstance(value, (str, int, float)) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            found[field_key(str(key))] = ("; ".join(value) if isinstance(value, list) else str(value), "model card file")
    for tag, value in tags.items():
        if tag.startswith("governance.") and tag not in DATA_TAGS:
            found[field_key(tag.removeprefix("governance."))] = (value, f"tag {tag}")
    return found


def model_card_results(tags: Mapping[str, str], card: Mapping | None, description: str | None,
                       rule: ModelCardRule, card_error: str | None = None) -> list[CheckResult]:
    """`documentation.model_card` per field the policy requires: PASS where documented, ERROR where absent
    (the registration is incomplete, as with a missing required tag), FAIL where only a placeholder ('TBD',
    'n/a') fills it; each names where it was looked for."""
    found = model_card(tags, card, description)
    looked = "a governance.<field> tag, a model_card.yaml/json logged with the model, or a '## <Field>' " \
             "section of the registered model's description"
    out = []
    for name in rule.fields:
        key = field_key(name)
        text, source = found.get(key, ("", ""))
        common: dict[str, Any] = {"check_id": "documentation.model_card", "column": key}
        error = f"; the model card file could not be read: {card_error}" if card_error else ""
        if not text.strip():
            # Like a missing required tag: the registration is incomplete, so the version is blocked.
            out.append(CheckResult(**common, status=Status.ERROR, message=f"model card field '{key}' is not "
                                   f"documented{error}", hint=f"document it in {looked}"))
        elif text.strip().lower().strip(".") in PLACEHOLDERS:
            out.append(CheckResult(**common, status=Status.FAIL, message=(
                f"model card field '{key}' holds only the placeholder '{text.strip()}' ({source})"),
                hint=f"document it in {looked}"))
        else:
            out.append(CheckResult(**common, status=Status.PASS, value=source,
                                   message=f"'{key}' is documented ({source}, {len(text.strip())} characters)"))
    return out


def documented_fields(tags: Mapping[str, str], description: str | None,
                      judged: Mapping[str, Mapping] | None = None) -> list[tuple[str, str | None, str | None]]:
    """The standard fields as (field, text, where found), text None where nothing documents it. `judged` is what
    the gate recorded (evidence/model_card.json's fields: the tags, the card file logged with the model and the
    description, as `documentation.model_card` read them); the tags and description fill what it lacks."""
    found = model_card(tags, None, description)
    for key, entry in (judged or {}).items():
        if isinstance(entry, Mapping) and isinstance(entry.get("text"), str):
            found[key] = (entry["text"], str(entry.get("source") or "recorded at the gate"))
    return [(key, *found[key]) if key in found and found[key][0].strip().lower() not in PLACEHOLDERS
            else (key, None, None) for key in STANDARD_FIELDS]
