"""Governance tags of a model version: merged (version over model), parsed once into `VersionTags`, which
every layer reads instead of `governance.*` strings; the required-tag check; the risk tier."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from govflow.checks.policy import TIER_NAMES
from govflow.checks.results import CheckResult, Status
from govflow.checks.signoff import SIGNOFF_TAG
from govflow.checks.system_kind import KIND_TAG, SystemKind, told_kind

TIER_TAG = "governance.risk_tier"
# What govflow's runs write on a version to record a decision (the status, a sign-off, the run last recorded by
# each flow); a gate's evaluation reads none of them.
_DECISION_TAGS = ("governance.status",)
_DECISION_PREFIXES = ("governance.last_", SIGNOFF_TAG)


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
    kind = tags.get(KIND_TAG)
    if told_kind(kind) is None:
        results.append(CheckResult(
            check_id=check_id, status=Status.ERROR, value=str(kind), limit="|".join(SystemKind),
            message=f"tag '{KIND_TAG}' is '{kind}', expected one of {', '.join(SystemKind)}", column=KIND_TAG,
            hint="register a system with `govflow system add NAME --kind vendor|genai`; a model needs no kind tag",
        ))
    if not results:
        results.append(CheckResult(
            check_id=check_id, status=Status.PASS, value=len(required), limit=len(required),
            message=f"all {len(required)} required tags are set",
        ))
    return results


def _listed(value: str | None) -> tuple[str, ...]:
    return tuple(c.strip() for c in (value or "").split(",") if c.strip())


@dataclass(frozen=True)
class Columns:
    """The columns the tags name in the version's data; "" where the tag is not set."""

    label: str = ""
    prediction: str = ""
    score: str = ""
    timestamp: str = ""
    id_column: str = ""
    sensitive: tuple[str, ...] = ()

    def declared(self) -> list[str]:
        """Columns the data must hold besides the model's inputs: the label and the sensitive features."""
        return ([self.label] if self.label else []) + list(self.sensitive)

    def not_features(self) -> set[str]:
        """Declared columns that are not model inputs: outcome, outputs, time and id."""
        return {c for c in (self.label, self.prediction, self.score, self.timestamp, self.id_column) if c}


@dataclass(frozen=True)
class AnswerColumns:
    """Where a generative-AI application's evaluation set (or a period's logged answers) holds each part;
    tags (governance.<part>_column) may rename them."""

    input: str = "input"
    output: str = "output"
    reference: str = "reference"
    context: str = "context"


@dataclass(frozen=True)
class DataSources:
    """Where the version's data lives (URIs), None where the tag is not set."""

    reference: str | None = None
    evaluation: str | None = None
    monitoring: str | None = None
    labels: str | None = None


@dataclass(frozen=True)
class VersionTags:
    """A model version's governance tags as govflow reads them: who owns it, the tier it declares, its data
    and columns, where it is used, and what govflow itself last wrote on it. `raw` keeps every tag for the
    checks that read policy-named keys (the required tags, the model card's fields)."""

    raw: Mapping[str, str] = field(default_factory=dict)
    owner: str | None = None
    use_case: str | None = None
    declared_tier: str | None = None
    jurisdictions: str | None = None  # as written; checks/jurisdictions.py parses the codes
    monotonic: str | None = None  # the relationships the owner declares (feature:+ or feature:-)
    columns: Columns = field(default_factory=Columns)
    data: DataSources = field(default_factory=DataSources)
    status: str | None = None
    lifecycle: str | None = None
    last_gate_run: str | None = None
    last_monitor_run: str | None = None
    retire_requested_by: str | None = None
    task: str | None = None  # as written (tag governance.task); checks/model_task.py tells the task
    kind_written: str | None = None  # as written (tag governance.kind)
    output_format: str | None = None  # a generative-AI application's declared answer format (checks/genai.py)
    prompt: str | None = None  # prompts:/NAME/VERSION of the application's prompt (set by `govflow system add`)
    due_diligence: str | None = None  # a vendor system's due-diligence record (checks/due_diligence.py)
    answers: AnswerColumns = field(default_factory=AnswerColumns)  # where its evaluation set holds each part

    @property
    def kind(self) -> SystemKind:
        """The kind of AI system; a tag that names no kind reads as a model here, and the gate's
        `governance.required_tags` says it is wrong (ERROR), so nothing is judged by a guessed kind unseen."""
        return told_kind(self.kind_written) or SystemKind.MODEL

    def judged(self, written: Mapping[str, str]) -> dict[str, str]:
        """Every tag a gate's evaluation may read, as the version holds them once the gate has written `written`
        (the tier an assessment gives, the task it told): all but those that record decisions."""
        tags = {**self.raw, **written}
        return {key: value for key, value in sorted(tags.items())
                if key not in _DECISION_TAGS and not key.startswith(_DECISION_PREFIXES)}

    @classmethod
    def parse(cls, tags: Mapping[str, str]) -> VersionTags:
        """The typed view of a version's effective tags (`effective_tags`); blank tags read as unset."""
        def get(key: str) -> str | None:
            value = tags.get(f"governance.{key}")
            return value if value is not None and str(value).strip() else None

        columns = Columns(**{role: get(role) or "" for role in ("label", "prediction", "score", "timestamp",
                                                               "id_column")},
                          sensitive=_listed(get("sensitive_features")))
        data = DataSources(get("reference_data"), get("evaluation_data"), get("monitoring_data"), get("labels_data"))
        return cls(raw=dict(tags), owner=get("owner"), use_case=get("use_case"), declared_tier=get("risk_tier"),
                   jurisdictions=get("jurisdictions"), monotonic=get("monotonic"), columns=columns, data=data,
                   status=get("status"), lifecycle=get("lifecycle"), last_gate_run=get("last_gate_run"),
                   last_monitor_run=get("last_monitor_run"), retire_requested_by=get("retire_requested_by"),
                   task=get("task"), kind_written=get("kind"), output_format=get("output_format"),
                   prompt=get("prompt"), due_diligence=get("due_diligence"),
                   answers=AnswerColumns(**{part: get(f"{part}_column") or part
                                            for part in ("input", "output", "reference", "context")}))


def version_tags(model_tags: Mapping[str, str], version_tags_: Mapping[str, str]) -> VersionTags:
    """The version's tags merged over its model's, parsed."""
    return VersionTags.parse(effective_tags(model_tags, version_tags_))

