"""The policy's rules for a vendor's AI service (issue 31): the due-diligence record it needs before approval,
and the documents that record must hold, each current."""

from __future__ import annotations

from pydantic import Field, field_validator

from govflow.checks.policy.rules import Frozen, Rule

DOCUMENT_KINDS = ("soc2", "iso27001", "iso42001", "model_card", "fact_sheet", "bias_audit", "contract", "dpa")


class DueDiligenceRule(Rule):
    """Fields the vendor's due-diligence record must fill (a field left blank is an ERROR, as a model card's is);
    a `review_date` that has passed is a FAIL."""

    fields: tuple[str, ...] = Field(min_length=1)


class DocumentsRule(Rule):
    """Documents the record must list, each a file govflow hashes into the evidence with its expiry date. Each
    entry of `required` is met by any one of its kinds (`soc2|iso27001`). An expired document is a FAIL, one
    expiring within `warn_within_days` a WARN."""

    required: tuple[str, ...] = Field(min_length=1)
    warn_within_days: int = Field(ge=0)

    @field_validator("required")
    @classmethod
    def _known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            if unknown := [k for k in entry.split("|") if k not in DOCUMENT_KINDS]:
                raise ValueError(f"unknown document kind(s) {unknown} in '{entry}'; known: {', '.join(DOCUMENT_KINDS)}")
        return value


class VendorChecks(Frozen):
    due_diligence: DueDiligenceRule | None = None
    documents: DocumentsRule | None = None
