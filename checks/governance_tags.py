"""Governance tags of a model version: merging, required-tag check, and the risk tier."""

from __future__ import annotations

from collections.abc import Mapping

from govflow.checks.policy import TIER_NAMES
from govflow.checks.results import CheckResult, Status

TIER_TAG = "governance.risk_tier"


def effective_tags(model_tags: Mapping[str, str], version_tags: Mapping[str, str]) -> dict[str, str]:
    """Model-level tags with version-level tags of the same key taking precedence."""
    return {**model_tags, **version_tags}


def check_required_tags(tags: Mapping[str, str], required: tuple[str, ...]) -> list[CheckResult]:
    """One ERROR per required tag that is absent or blank (or an invalid tier), else one PASS."""
    check_id = "governance.required_tags"
    results = []
    for key in required:
        if not str(tags.get(key, "")).strip():
            # Missing governance facts block (ERROR) rather than reject: the model is not judged yet.
            results.append(CheckResult(
                check_id=check_id, status=Status.ERROR, value="missing", limit="required",
                message=f"required tag '{key}' is not set on the version or its registered model",
                column=key, hint=f"set '{key}' on the registered model or this version (MLflow UI or MlflowClient)",
            ))
    tier = tags.get(TIER_TAG)
    if tier is not None and str(tier).strip() and tier not in TIER_NAMES:
        results.append(CheckResult(
            check_id=check_id, status=Status.ERROR, value=str(tier), limit="|".join(TIER_NAMES),
            message=f"tag '{TIER_TAG}' is '{tier}', expected one of {', '.join(TIER_NAMES)}",
            column=TIER_TAG,
        ))
    if not results:
        results.append(CheckResult(
            check_id=check_id, status=Status.PASS, value=len(required), limit=len(required),
            message=f"all {len(required)} required tags are set",
        ))
    return results


def declared_columns(tags: Mapping[str, str]) -> list[str]:
    """Columns the tags say the data must hold besides the model's inputs: label and sensitive features."""
    columns = [tags["governance.label"]] if tags.get("governance.label") else []
    columns += [c.strip() for c in tags.get("governance.sensitive_features", "").split(",") if c.strip()]
    return columns
