"""A tier's policy (its sections, and its rules by dotted check id, computed once), the jurisdictions' overlays
and the whole policy."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any, Literal

from pydantic import Field, PrivateAttr

from govflow.checks.jurisdictions import changes, tighten
from govflow.checks.model_task import ModelTask
from govflow.checks.policy.genai_rules import GenaiChecks
from govflow.checks.policy.rules import Frozen, Rule, TierName
from govflow.checks.policy.sections import (
    DataChecks,
    DocumentationChecks,
    DriftChecks,
    ExplainabilityChecks,
    FairnessChecks,
    FeedbackChecks,
    GovernanceChecks,
    Lifecycle,
    MulticlassChecks,
    PerformanceChecks,
    ProxyChecks,
    RegressionChecks,
    RobustnessChecks,
)
from govflow.checks.policy.vendor_rules import VendorChecks

# The families whose rules depend on the task: a classifier's are the tier's own sections, another task's are
# in the tier's section named for the task (`regression:`), under the same family names.
BY_TASK = ("performance", "fairness")
TASK_SECTIONS = ("regression", "multiclass")


class TierPolicy(Frozen):
    """The checks one risk tier runs; a check left out of a tier is not run for it."""

    lifecycle: Lifecycle | None = None

    governance: GovernanceChecks = GovernanceChecks()
    data: DataChecks = DataChecks()
    performance: PerformanceChecks = PerformanceChecks()
    fairness: FairnessChecks | None = None
    drift: DriftChecks | None = None
    documentation: DocumentationChecks = DocumentationChecks()
    explainability: ExplainabilityChecks | None = None
    proxy: ProxyChecks | None = None
    robustness: RobustnessChecks | None = None
    feedback: FeedbackChecks = FeedbackChecks()
    regression: RegressionChecks | None = None
    multiclass: MulticlassChecks | None = None
    genai: GenaiChecks | None = None
    vendor: VendorChecks | None = None
    _task: ModelTask = PrivateAttr(default=ModelTask.BINARY)
    _as_written: TierPolicy | None = PrivateAttr(default=None)  # the tier as the policy holds it (binary)

    @property
    def task(self) -> ModelTask:
        """The kind of model this tier's rules are for (`for_task`); a binary classifier unless told."""
        return self._task

    def for_task(self, task: ModelTask) -> TierPolicy:
        """This tier as it judges a model of `task`: its performance and fairness rules are the task's section's
        (none where the tier has no section for it), every other family's are the tier's own."""
        if task is self._task:
            return self
        base = self._as_written or self
        if task is ModelTask.BINARY:
            return base
        # Another task's copy holds no classifier rules at all, so code that reads `tier.performance` or
        # `tier.fairness` directly judges nothing of a classifier's on it.
        judged = base.model_copy(update={"performance": PerformanceChecks(), "fairness": None})
        vars(judged).pop("_rules", None)  # computed for the tier it was copied from
        judged._task, judged._as_written = task, base
        return judged

    def task_section(self, family: str):
        """The section of `family` (performance or fairness) this tier judges its task by, or None."""
        if self._task is ModelTask.BINARY:
            return getattr(self, family)
        own = getattr(self, self._task.value, None)
        return getattr(own, family) if own is not None else None

    @cached_property
    def _rules(self) -> dict[str, Rule]:
        """Check id -> rule for every check this tier runs for its task, in policy order; computed once (the
        tier is frozen)."""
        rules = {}
        for family in type(self).model_fields:
            if family in TASK_SECTIONS:
                continue
            section = self.task_section(family) if family in BY_TASK else getattr(self, family)
            if section is None:
                continue
            for field, info in type(section).model_fields.items():
                if isinstance(rule := getattr(section, field), Rule):
                    name = f"{family}.{info.alias or field}"
                    rules |= {f"{name}.{sub}": rule for sub in rule.sub_checks()} or {name: rule}
        return rules

    def rule(self, check_id: str) -> Rule | None:
        """The rule for a dotted check id, or None when this tier does not run it."""
        return self._rules.get(check_id)

    def enabled_check_ids(self, family: str | None = None) -> list[str]:
        """Every check id this tier runs (of one family, if given), in policy order."""
        return [c for c in self._rules if family is None or c.startswith(f"{family}.")]


class Jurisdiction(Frozen):
    """Where a version is used (tag governance.jurisdictions) and what that adds: per tier, an overlay of the
    tier's own keys that may only tighten it (checks/jurisdictions.py)."""

    title: str = Field(min_length=3)
    tiers: dict[TierName, dict[str, Any]] = Field(default_factory=dict)


class Policy(Frozen):
    version: Literal[1]
    confidence: float = Field(gt=0.5, lt=1.0)
    required_tags: tuple[str, ...] = Field(min_length=1)
    # A vendor system or a generative-AI application carries these in place of `required_tags` (it has no
    # model's columns to name); a kind not listed carries `required_tags`.
    required_tags_by_kind: dict[Literal["vendor", "genai"], tuple[str, ...]] = Field(default_factory=dict)
    unassessed_tier: TierName
    monitoring_period: Literal["D", "W", "M"]
    tiers: dict[TierName, TierPolicy]
    jurisdictions: dict[str, Jurisdiction] = Field(default_factory=dict)

    def tier(self, name: str, jurisdictions: Sequence[str] = ()) -> TierPolicy:
        """The tier's policy, tightened by the overlays of the `jurisdictions` the policy defines (the stricter
        rule wins where they meet; codes it does not define are left to `unknown_result`)."""
        base = self.tiers[name]  # type: ignore[index]
        overlays = [(code, self.jurisdictions[code].tiers.get(name))  # type: ignore[arg-type]
                    for code in jurisdictions
                    if code in self.jurisdictions]
        if not any(overlay for _, overlay in overlays):
            return base
        merged = base.model_dump(mode="json", by_alias=True, exclude_none=True)
        for code, overlay in overlays:
            if overlay:
                merged = tighten(merged, overlay, f"jurisdictions.{code}.tiers.{name}")
        return TierPolicy.model_validate(merged)

    def required_for(self, kind: str) -> tuple[str, ...]:
        """The tags a version of this kind of AI system must carry."""
        return self.required_tags_by_kind.get(kind, self.required_tags)  # type: ignore[call-overload]

    def signoff_roles(self) -> list[str]:
        """Every role a tier asks to sign off, as the tiers stand and as each jurisdiction tightens them."""
        tiers = [*self.tiers.values(), *(self.tier(name, (code,)) for code, j in self.jurisdictions.items()
                                         for name in j.tiers)]
        return sorted({r for tier in tiers if tier.governance.signoff for r in tier.governance.signoff.roles})

    def tier_changes(self, name: str, jurisdictions: Sequence[str]) -> list[dict[str, Any]]:
        """What the jurisdictions' overlays change in the tier: path, the tier's value, the value in force."""
        base = self.tiers[name]  # type: ignore[index]
        return changes(base.model_dump(mode="json", by_alias=True, exclude_none=True),
                       self.tier(name, jurisdictions).model_dump(mode="json", by_alias=True, exclude_none=True))

