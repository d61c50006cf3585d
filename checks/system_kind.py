"""What kind of AI system an inventory entry is (issue 31): a model govflow can load and score, a vendor's
service known only by its logged inputs, decisions and outcomes, or a generative-AI application judged on its
prompts' outputs. Told by the tag `governance.kind` (set by `govflow system add`); a registered model without
it is a model, as every entry was before kinds existed."""

from __future__ import annotations

from enum import StrEnum

KIND_TAG = "governance.kind"


class SystemKind(StrEnum):
    MODEL = "model"
    VENDOR = "vendor"
    GENAI = "genai"


# Why a check that needs what the kind lacks is SKIPPED rather than run: said in the result, so a reader sees
# the check was considered and why it could not apply.
LACKS_MODEL = {
    SystemKind.VENDOR: "no model: a vendor system is known only by its logged inputs, decisions and outcomes",
    SystemKind.GENAI: "no model: a generative-AI application is judged by its outputs (the genai.* checks)",
}
NOT_TABULAR = ("a generative-AI application gives text, not predictions on rows of features: it is judged by "
               "the genai.* checks")


def told_kind(written: str | None) -> SystemKind | None:
    """The kind a tag value names; a model when unset; None when it names no kind (an error the gate reports)."""
    if written is None or not written.strip():
        return SystemKind.MODEL
    try:
        return SystemKind(written.strip().lower())
    except ValueError:
        return None
