"""What every governance flow starts from: settings, the policy, and the version with its tags and tier."""

from __future__ import annotations

from dataclasses import dataclass, replace

from prefect.runtime import flow_run

from govflow import clock
from govflow.checks.governance_tags import VersionTags, version_tags
from govflow.checks.jurisdictions import declared, unknown_result
from govflow.checks.model_task import ModelTask, declared_task
from govflow.checks.policy import Policy, TierPolicy
from govflow.checks.results import CheckResult
from govflow.checks.risk_assessment import answers_document, assessed_tier, judge_tier
from govflow.checks.waivers import Waiver, apply_waivers
from govflow.flows.chain_guard import refuse_if_behind
from govflow.policy_file import load_assessment, load_policy, load_waivers
from govflow.settings import Settings
from govflow.tasks.chain import chain_tip, head_store
from govflow.tasks.registry import ModelVersionInfo, read_model_version
from govflow.tasks.runs import GovernanceRun, open_governance_run


@dataclass(frozen=True)
class Subject:
    settings: Settings
    policy: Policy
    policy_sha: str
    uri: str
    version: ModelVersionInfo
    tags: VersionTags  # parsed once; no flow reads a `governance.*` string
    tier_name: str
    tier: TierPolicy
    waivers: tuple[Waiver, ...] = ()
    waivers_sha: str = ""
    tiering: CheckResult | None = None
    assessment: dict | None = None
    assessment_sha: str = ""
    jurisdictions: tuple[str, ...] = ()  # where the version is used (tag governance.jurisdictions)
    jurisdiction_error: CheckResult | None = None  # the tag names a jurisdiction the policy does not define

    def regional(self) -> dict:
        """`evidence/jurisdictions.json`: the jurisdictions declared, the ones the policy defines, and each
        rule their overlays changed in this version's tier (the tier's value, the value in force)."""
        known = [c for c in self.jurisdictions if c in self.policy.jurisdictions]
        return {"declared": list(self.jurisdictions), "tier": self.tier_name,
                "jurisdictions": [{"code": c, "title": self.policy.jurisdictions[c].title} for c in known],
                "changes": self.policy.tier_changes(self.tier_name, known)}

    def for_task(self, task: ModelTask) -> Subject:
        """The subject judged as a model of `task`: its tier's performance and fairness rules are the task's."""
        return replace(self, tier=self.tier.for_task(task))

    def waived(self, results: list[CheckResult]) -> list[CheckResult]:
        """Results with this version's unexpired waivers applied, as of today (UTC)."""
        return apply_waivers(results, self.waivers, self.version.model, self.version.version,
                             clock.now().date())


def resolve_subject(model: str, version: str) -> Subject:
    """Read settings and policy, then the version; its tags merged (version over model) and its tier chosen."""
    settings = Settings()
    policy, policy_sha = load_policy(settings.policy_file)
    waivers, waivers_sha = load_waivers(settings.waivers_file)
    uri = settings.resolved_tracking_uri
    info = read_model_version(uri, model, str(version))
    tags = version_tags(info.model_tags, info.version_tags)
    questionnaire, assessment, assessment_sha = load_assessment(settings.questionnaire_file,
                                                                settings.assessments_dir, model)
    assessed = assessed_tier(questionnaire, assessment) if assessment else None
    tier_name, tiering = judge_tier(tags.declared_tier, assessed, policy.unassessed_tier)
    # Without any tier the strictest limits apply; `tiering` is then an ERROR that blocks the verdict.
    tier_name = tier_name or policy.unassessed_tier
    document = answers_document(assessment, questionnaire, *assessed) if assessment and assessed else None
    codes = declared(tags.jurisdictions)  # each jurisdiction's overlay tightens the tier; the stricter rule wins
    # A declared task sets the rules from the start; otherwise the gate tells it once the model has scored.
    tier = policy.tier(tier_name, codes).for_task(declared_task(tags.task) or ModelTask.BINARY)
    return Subject(settings, policy, policy_sha, uri, info, tags, tier_name, tier, waivers,
                   waivers_sha, tiering, document, assessment_sha, codes, unknown_result(codes, policy.jurisdictions))


def open_run(ctx: Subject, flow: str) -> GovernanceRun:
    """The governance run this flow writes its evidence to, tagged with the Prefect flow run (none when the job
    runs without Prefect, as `govflow gate` does with no server configured); refused before it is opened when
    the head store is behind the chain in MLflow (recording would fork it)."""
    store = head_store(ctx.settings)
    refuse_if_behind(ctx.settings, ctx.uri, store, ctx.version.model, chain_tip(store, ctx.version.model))
    return open_governance_run(ctx.uri, ctx.settings.experiment, ctx.settings.local_artifact_root,
                               ctx.version.model, ctx.version.version, flow, flow_run.id or "")
