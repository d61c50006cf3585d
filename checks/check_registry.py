"""The check registry: one entry per check id saying what it judges, which jobs run it and what it needs.

Which checks a job expects comes from here and nowhere else: a job names its stage and what it has (a
readable dataset, new rows, outcomes, a loadable model), and `expected_at` answers with the tier's enabled
checks that apply. A blocking check that applies and produced no result blocks the verdict (`decide`).
Adding a check: an entry here, its rule in the policy model (checks/policy/), its function and its test.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from govflow.checks.model_task import ModelTask
from govflow.checks.results import CheckResult, Status
from govflow.checks.system_kind import LACKS_MODEL, NOT_TABULAR, SystemKind

if TYPE_CHECKING:  # the policy model validates check ids against this registry at import
    from govflow.checks.governance_tags import VersionTags
    from govflow.checks.policy import TierPolicy


class Stage(StrEnum):
    """The jobs that judge checks."""

    GATE = "gate"  # the registration gate, on the evaluation data
    MONITORING = "monitoring"  # the nightly run, on production batches over time
    LIFECYCLE = "lifecycle"  # the retirement sweep
    SERVING = "serving"  # the check when a version is given an alias
    FEEDBACK = "feedback"  # a stakeholder's complaint or its resolution


class Need(StrEnum):
    """What a check needs before it can be expected to produce a result."""

    DATA = "data"  # a readable dataset
    ROWS = "rows"  # rows to judge (the evaluation data; at night, rows since the last run)
    LABELS = "labels"  # known outcomes
    MODEL = "model"  # the registered model, loaded and questioned


# Everything the gate has once its inputs load: the evaluation data is labelled and the model is loaded.
EVERYTHING = frozenset(Need)


@dataclass(frozen=True)
class CheckSpec:
    check_id: str
    description: str
    stages: frozenset[Stage]
    needs: frozenset[Need] = frozenset()
    # The `VersionTags` field (a tag) the version sets to ask for the check; without it the check does not
    # apply, unless the policy's rule says `require_declaration: true`.
    declared_by: str | None = None
    # Judged where a result appears (outcome drift once labels arrive, uniqueness where an id is declared).
    only_when_produced: bool = False
    # The kinds of model it judges. Performance and fairness rules come from the tier's section for the task
    # (checks/policy/tiers.py); this says which task-agnostic families' checks a task has no method for yet.
    tasks: frozenset[ModelTask] = frozenset(ModelTask)
    # The kinds of AI system it judges (`_spec` derives them from what the check needs and its family).
    kinds: frozenset[SystemKind] = frozenset(SystemKind)

    @property
    def family(self) -> str:
        return self.check_id.split(".")[0]


# Families every kind of AI system is held to: who owns it, its documents, its life and its complaints.
_EVERY_KIND = frozenset({"governance", "documentation", "lifecycle", "feedback"})


def _kinds(check_id: str, needs: frozenset[Need]) -> frozenset[SystemKind]:
    """A check that questions the model (or its inputs' link to a sensitive attribute, which the gate measures
    through the model's inputs) judges only a model; the genai family only generative-AI applications; the
    checks on rows of predictions a model and a vendor's logged decisions alike."""
    family = check_id.split(".")[0]
    if family in _EVERY_KIND:
        return frozenset(SystemKind)
    if family == "genai":
        return frozenset({SystemKind.GENAI})
    if family == "vendor":
        return frozenset({SystemKind.VENDOR})
    if Need.MODEL in needs or family == "proxy":
        return frozenset({SystemKind.MODEL})
    return frozenset({SystemKind.MODEL, SystemKind.VENDOR})


def _spec(check_id: str, description: str, stages: Iterable[Stage], needs: Iterable[Need] = (),
          **extra: object) -> CheckSpec:
    needed = frozenset(needs)
    extra.setdefault("kinds", _kinds(check_id, needed))
    return CheckSpec(check_id, description, frozenset(stages), needed, **extra)  # type: ignore[arg-type]


_G, _M = Stage.GATE, Stage.MONITORING
_D, _R, _L, _X = Need.DATA, Need.ROWS, Need.LABELS, Need.MODEL
# Decisions that flip under noise are a classifier's; a score that moves the declared way is a binary
# classifier's probability or a regression's number (a multiclass model has one per class).
_CLASSIFIERS = frozenset({ModelTask.BINARY, ModelTask.MULTICLASS})
_SCORED = frozenset({ModelTask.BINARY, ModelTask.REGRESSION})
_REGRESSION = frozenset({ModelTask.REGRESSION})
_MULTICLASS = frozenset({ModelTask.MULTICLASS})

REGISTRY: Mapping[str, CheckSpec] = {s.check_id: s for s in (
    _spec("governance.required_tags", "every tag the policy requires is set on the version or its model", [_G]),
    _spec("governance.risk_assessment",
          "the tier judged by rests on a risk assessment on file, and the declared tier is not lower", [_G]),
    _spec("governance.waivers", "each waiver of the version still applies (WARN once it has expired)", [_G]),
    _spec("governance.signoff", "every role the tier names has signed the version off, each a different person", [_G]),
    _spec("governance.task", "the version's task (binary, multiclass, regression) is told by its model and data "
          "or its tag governance.task, without contradiction, and govflow judges that task", [_G], [_D, _X],
          kinds=frozenset({SystemKind.MODEL, SystemKind.VENDOR})),  # a vendor's task is told by its logged decisions
    _spec("governance.serving", "a version that holds an alias (serves) has an approved status",
          [_M, Stage.SERVING]),
    _spec("data.readable", "the dataset the check needs can be read and has rows", [_G, _M],
          kinds=frozenset(SystemKind)),
    _spec("data.schema", "every column the model and policy need is present with the reference type", [_G, _M], [_D]),
    _spec("data.null_rate", "a column's null share is at most the reference share plus the allowed increase",
          [_G, _M], [_D]),
    _spec("data.numeric_range", "the share of values outside the widened reference range is within the limit",
          [_G, _M], [_D]),
    _spec("data.category_set", "the share of categories unseen in the reference is within the limit", [_G, _M], [_D]),
    _spec("data.missing_share", "a column's share of missing values is at most the policy's maximum, whatever the "
          "reference held", [_G, _M], [_D]),
    _spec("data.unique", "a column declared unique (the decision id, governance.id_column) repeats no value",
          [_M], [_D], only_when_produced=True),
    _spec("performance.auc", "ROC AUC on the labelled rows is at least the tier's minimum", [_G, _M], [_D, _L]),
    _spec("performance.accuracy", "accuracy on the labelled rows is at least the tier's minimum", [_G, _M], [_D, _L]),
    _spec("performance.precision",
          "precision (share of predicted positives that are positive) is at least the minimum", [_G, _M], [_D, _L]),
    _spec("performance.recall", "recall (share of positives predicted positive) is at least the minimum",
          [_G, _M], [_D, _L]),
    _spec("performance.log_loss", "log loss of the scores is at most the maximum", [_G, _M], [_D, _L]),
    _spec("performance.brier", "Brier score of the scores is at most the maximum", [_G, _M], [_D, _L]),
    _spec("performance.mae", "mean absolute error is at most the tier's share of the reference outcomes' mean "
          "absolute value", [_G, _M], [_D, _L], tasks=_REGRESSION),
    _spec("performance.rmse", "root mean squared error is at most the tier's share of the reference outcomes' "
          "mean absolute value", [_G, _M], [_D, _L], tasks=_REGRESSION),
    _spec("performance.r2", "R² (variance of the outcomes explained) is at least the tier's minimum", [_G, _M], [_D, _L],
          tasks=_REGRESSION),
    _spec("performance.mean_residual", "the mean residual (prediction less outcome: calibration in the large) is "
          "no larger than the tier's share of the reference outcomes' mean absolute value", [_G, _M], [_D, _L],
          tasks=_REGRESSION),
    _spec("performance.macro_f1", "macro F1 (the classes' F1 scores averaged alike) is at least the tier's minimum",
          [_G, _M], [_D, _L], tasks=_MULTICLASS),
    _spec("performance.class_recall", "each class's recall (share of its rows assigned to it) is at least the "
          "tier's minimum", [_G, _M], [_D, _L], tasks=_MULTICLASS),
    _spec("performance.decay.auc",
          "AUC over the rolling window is at most the allowed drop below the validation baseline", [_M], [_D, _L]),
    _spec("performance.decay.accuracy",
          "accuracy over the rolling window has not dropped more than allowed since validation", [_M], [_D, _L]),
    _spec("performance.decay.precision",
          "precision over the rolling window has not dropped more than allowed since validation", [_M], [_D, _L]),
    _spec("performance.decay.recall",
          "recall over the rolling window has not dropped more than allowed since validation", [_M], [_D, _L]),
    _spec("performance.decay.log_loss",
          "log loss over the rolling window has not risen more than allowed since validation", [_M], [_D, _L]),
    _spec("performance.decay.brier",
          "Brier score over the rolling window has not risen more than allowed since validation", [_M], [_D, _L]),
    *(_spec(f"performance.decay.{m}", f"{label} over the rolling window has not worsened more than allowed since "
            "validation (a rise of the error as a share of the reference outcomes' mean absolute value)", [_M],
            [_D, _L], tasks=_REGRESSION) for m, label in (("mae", "MAE"), ("rmse", "RMSE"))),
    _spec("performance.decay.r2", "R² over the rolling window has not dropped more than allowed since validation",
          [_M], [_D, _L], tasks=_REGRESSION),
    _spec("performance.decay.macro_f1", "macro F1 over the rolling window has not dropped more than allowed since "
          "validation", [_M], [_D, _L], tasks=_MULTICLASS),
    _spec("performance.estimated.macro_f1", "macro F1 estimated from class probabilities calibrated one class "
          "against the rest (multiclass CBPE) for a period awaiting outcomes is at least the validation baseline "
          "less the allowed worsening", [_M], [_D, _R], only_when_produced=True, tasks=_MULTICLASS),
    _spec("performance.estimation_error.macro_f1", "once outcomes arrive, realised macro F1 is within the allowed "
          "miss of the estimate made before them (else the calibration no longer holds)", [_M], [_D, _L],
          only_when_produced=True, tasks=_MULTICLASS),
    *(_spec(f"performance.estimated.{m}", f"{label} estimated by direct loss estimation (a model of the error "
            "learned on the labelled reference) for a period awaiting outcomes is at most the validation baseline "
            "plus the allowed worsening", [_M], [_D, _R], only_when_produced=True, tasks=_REGRESSION)
      for m, label in (("mae", "MAE"), ("rmse", "RMSE"))),
    *(_spec(f"performance.estimation_error.{m}", f"once outcomes arrive, realised {label} is within the allowed "
            "miss of the loss estimated before them (else the learned error no longer holds)", [_M], [_D, _L],
            only_when_produced=True, tasks=_REGRESSION)
      for m, label in (("mae", "MAE"), ("rmse", "RMSE"))),
    *(_spec(f"performance.estimated.{m}", f"{label} estimated from calibrated scores for a period awaiting "
            "outcomes is at least the validation baseline less the allowed worsening", [_M], [_D, _R],
            only_when_produced=True)
      for m, label in (("auc", "AUC"), ("accuracy", "accuracy"), ("precision", "precision"), ("recall", "recall"))),
    *(_spec(f"performance.estimation_error.{m}", f"once outcomes arrive, realised {label} is within the allowed "
            "miss of the estimate made before them (else the estimator's assumption broke)", [_M], [_D, _L],
            only_when_produced=True)
      for m, label in (("auc", "AUC"), ("accuracy", "accuracy"), ("precision", "precision"), ("recall", "recall"))),
    _spec("fairness.estimated.mae_difference", "the between-group difference of MAE, estimated by direct loss "
          "estimation before outcomes arrive, is within the realised gap's limit", [_M], [_D, _R],
          only_when_produced=True, tasks=_REGRESSION),
    _spec("fairness.estimated.equal_opportunity_difference", "the TPR gap between groups, estimated from scores "
          "calibrated within each group before outcomes arrive, is within the realised gap's limit", [_M], [_D, _R],
          only_when_produced=True),
    _spec("fairness.estimated.equalized_odds_difference", "the larger of the TPR and FPR gaps, estimated before "
          "outcomes arrive, is within the realised gap's limit", [_M], [_D, _R], only_when_produced=True),
    *(_spec(f"performance.lifetime.{m}", f"{label}'s confidence sequence over the deployment's matured labelled "
            "periods has not fallen wholly below the validation baseline less the allowed worsening (anytime-valid)",
            [_M], [_D, _L]) for m, label in (("accuracy", "accuracy"), ("precision", "precision"), ("recall", "recall"))),
    _spec("fairness.lifetime.demographic_parity_difference", "the selection-rate gap's lower confidence bound over "
          "the deployment's closed periods, valid at every nightly look, is within the gap's limit", [_M], [_D, _R]),
    _spec("fairness.lifetime.equal_opportunity_difference", "the TPR gap's lower confidence bound over the "
          "deployment's matured labelled periods, valid at every nightly look, is within the gap's limit",
          [_M], [_D, _L]),
    _spec("fairness.demographic_parity_difference",
          "largest gap in selection rate between groups is within the limit", [_G, _M], [_D, _R]),
    _spec("fairness.demographic_parity_ratio",
          "lowest over highest selection rate (disparate impact) is at least the limit", [_G, _M], [_D, _R]),
    _spec("fairness.equalized_odds_difference",
          "the larger of the TPR and FPR gaps between groups is within the limit", [_G, _M], [_D, _R]),
    _spec("fairness.equalized_odds_ratio",
          "the smaller of the TPR and FPR ratios between groups is at least the limit", [_G, _M], [_D, _R]),
    _spec("fairness.equal_opportunity_difference",
          "largest gap in true positive rate between groups is within the limit", [_G, _M], [_D, _R]),
    _spec("fairness.predictive_parity_difference",
          "largest gap in precision (PPV) between groups is within the limit", [_G, _M], [_D, _R]),
    _spec("fairness.calibration_gap",
          "largest gap in expected calibration error between groups is within the limit", [_G, _M], [_D, _R]),
    _spec("fairness.mae_difference", "the largest between-group difference of mean absolute error is within the "
          "tier's share of the reference outcomes' mean absolute value", [_G, _M], [_D, _L], tasks=_REGRESSION),
    _spec("fairness.mean_prediction_ratio", "the lowest group's mean prediction over the highest's (a limit, "
          "premium or offer) is at least the limit", [_G, _M], [_D, _R], tasks=_REGRESSION),
    _spec("fairness.mean_residual_difference", "no group is over- or under-predicted beyond the others by more "
          "than the tier's share of the reference outcomes' mean absolute value", [_G, _M], [_D, _L],
          tasks=_REGRESSION),
    _spec("drift.feature",
          "a feature's distribution has not drifted from the reference (significant and large enough)", [_M], [_D, _R]),
    _spec("drift.share",
          "the share of drifted features is within the limit, counting features that could not be judged",
          [_M], [_D, _R]),
    _spec("drift.missing", "a column's share of missing (null or infinite) values has not moved beyond the limit",
          [_M], [_D, _R]),
    _spec("drift.prediction", "the model's predictions have not drifted from its predictions on the reference data",
          [_M], [_D, _R]),
    _spec("drift.label", "the outcome rate has not drifted from the reference data's", [_M], [_D, _R, _L],
          only_when_produced=True),
    _spec("drift.lifetime", "a feature's drift in each closed period, tested with the lifetime error budget "
          "spent across periods and a lower bound on the shift against a materiality", [_M], [_D, _R]),
    _spec("drift.multivariate", "a classifier cannot tell the period's rows from the reference rows beyond the "
          "tolerance (its AUC's lower confidence bound), so no joint shift hides behind unchanged features",
          [_M], [_D, _R]),
    _spec("lifecycle.review", "a serving version was gated (reviewed) within the tier's review cadence",
          [Stage.LIFECYCLE]),
    _spec("lifecycle.owner", "a serving version's model names an accountable owner", [Stage.LIFECYCLE]),
    _spec("lifecycle.monitoring", "a serving version has monitored production data newer than the tier allows",
          [Stage.LIFECYCLE]),
    _spec("lifecycle.superseded", "no newer approved version serves while this one still holds an alias",
          [Stage.LIFECYCLE]),
    _spec("documentation.model_card", "each model card field the policy requires is documented (no placeholder)",
          [_G]),
    _spec("explainability.importance",
          "permutation importance of every input (by the task's loss) was measured through the registered model",
          [_G], [_D, _L, _X]),
    _spec("explainability.stability",
          "the importance ranking on recent labelled data still agrees with the one at approval", [_M], [_D, _L, _X]),
    _spec("proxy.association",
          "an input's association with a sensitive attribute (Cramer's V) is within the limits", [_G], [_D]),
    _spec("proxy.predictability",
          "the inputs together predict a sensitive attribute no better than the limits allow (AUC)", [_G], [_D]),
    _spec("robustness.noise", "small noise on the numeric inputs flips no more decisions than the limit",
          [_G], [_D, _X], tasks=_CLASSIFIERS),
    _spec("robustness.monotonic",
          "the score moves the way each declared monotonic relationship says (tag governance.monotonic)",
          [_G], [_D, _X], declared_by="monotonic", tasks=_SCORED),
    _spec("robustness.missing_value",
          "a missing value in each input gets a prediction or a clear rejection, never a crash", [_G], [_D, _X]),
    _spec("genai.pii_leak_rate", "the share of answers disclosing personal data (email, phone, card and account "
          "numbers, national identifiers; check digits verified) is within the limit, on its Wilson interval",
          [_G, _M], [_D, _R]),
    _spec("genai.refusal_rate", "the share of answers that decline is within the limit, on its Wilson interval",
          [_G, _M], [_D, _R]),
    _spec("genai.format_validity", "the share of answers that parse as the format the application declares (tag "
          "governance.output_format: JSON, or a JSON object with named keys) is at least the minimum", [_G, _M],
          [_D, _R], declared_by="output_format"),
    _spec("genai.reference_match", "the share of answers equal to the reference answer (normalised as SQuAD's "
          "exact match) is at least the minimum", [_G, _M], [_D, _R]),
    _spec("genai.context_overlap", "the share of answers whose content words are mostly found in the context "
          "given (a floor for groundedness) is at least the minimum", [_G, _M], [_D, _R]),
    _spec("genai.judge", "the share of answers the team's own LLM judge passes (column judge.<name>) is at least "
          "the minimum, believed only where the judge agrees with people", [_G, _M], [_D, _R],
          only_when_produced=True),
    _spec("genai.judge_agreement", "the judge agrees with people's labels (column human.<name>) with Cohen's kappa "
          "whose lower bound is at least the minimum", [_G, _M], [_D, _R], only_when_produced=True),
    _spec("genai.counterfactual_gap", "on inputs paired but for a demographic term, the paired difference in the "
          "outcome (a refusal, an amount, a score) is within the limit, on its paired interval", [_G], [_D, _R]),
    *(_spec(f"genai.noninferiority.{m}", f"the new version's {m.replace('_', ' ')} is no worse than the serving "
            "version's by more than the margin, paired on the inputs both answered", [_G], [_D, _R],
            only_when_produced=True)
      for m in ("pii_leak_rate", "refusal_rate", "format_validity", "reference_match", "context_overlap")),
    *(_spec(f"genai.lifetime.{m}", f"the {m.replace('_', ' ')}'s confidence sequence over the deployment's closed "
            "periods of logged answers, valid at every nightly look, lies within the rate's limit", [_M], [_D, _R],
            **({"declared_by": "output_format"} if m == "format_validity" else {}))
      for m in ("pii_leak_rate", "refusal_rate", "format_validity", "reference_match", "context_overlap")),
    _spec("vendor.due_diligence", "the vendor's due-diligence record (tag governance.due_diligence) fills every "
          "field the tier requires, and its review date has not passed", [_G, Stage.LIFECYCLE]),
    _spec("vendor.documents", "each document the tier requires of a vendor (a security certificate, its model card "
          "or fact sheet, a bias audit) is on file, hashed into the evidence, and not expired (at the gate, and every "
          "week while the service serves)", [_G, Stage.LIFECYCLE]),
    _spec("feedback.stakeholder", "no stakeholder feedback at or above the policy's severity is unresolved",
          [Stage.FEEDBACK]),
    _spec("lifecycle.retirement", "a retiring version holds no alias and its evidence is complete and kept",
          [Stage.LIFECYCLE]),
)}


def applies(spec: CheckSpec, tier: TierPolicy, tags: VersionTags | None) -> bool:
    """Whether a check asked for by declaration is asked for: declared in the version's tags (the
    `VersionTags` field `declared_by` names), or required by policy."""
    if spec.declared_by is None or (tags is not None and getattr(tags, spec.declared_by)):
        return True
    return bool(getattr(tier.rule(spec.check_id), "require_declaration", False))


def expected_at(stage: Stage, tier: TierPolicy, tags: VersionTags | None = None,
                has: Iterable[Need] = EVERYTHING, families: Iterable[str] | None = None,
                produced: Iterable[str] = (), needing: Need | None = None) -> list[str]:
    """The tier's enabled checks (of `families`, and `needing` a thing, if given) this stage judges, given
    what the job `has`; a check judged only when produced is expected once `produced` holds it."""
    available, wanted, seen = frozenset(has), set(families) if families is not None else None, set(produced)
    out = []
    for check_id in tier.enabled_check_ids():
        spec = REGISTRY[check_id]
        if (stage in spec.stages and tier.task in spec.tasks and spec.needs <= available
                and (tags.kind if tags is not None else SystemKind.MODEL) in spec.kinds
                and applies(spec, tier, tags) and (wanted is None or spec.family in wanted) and (needing is None or needing in spec.needs)
                and (not spec.only_when_produced or check_id in seen)):
            out.append(check_id)
    return out


def judges(check_id: str, tier: TierPolicy, tags: VersionTags | None = None) -> bool:
    """Whether the tier runs the check for its task and the version's kind of system: its rule is set and the
    registry has a method for both (a step whose check has none produces nothing, rather than a result that
    would block)."""
    spec = REGISTRY[check_id]
    kind = tags.kind if tags is not None else SystemKind.MODEL
    return tier.rule(check_id) is not None and tier.task in spec.tasks and kind in spec.kinds


def not_expected_at(stage: Stage, tier: TierPolicy, tags: VersionTags | None = None,
                    has: Iterable[Need] = EVERYTHING, produced: Iterable[str] = ()) -> tuple[str, ...]:
    """The tier's enabled checks this stage does not judge: what `decide` is told not to wait for."""
    expected = set(expected_at(stage, tier, tags, has, produced=produced))
    return tuple(c for c in tier.enabled_check_ids() if c not in expected)


def skipped_for_kind(stage: Stage, tier: TierPolicy, tags: VersionTags) -> list[CheckResult]:
    """SKIPPED, with the reason, for each of the tier's checks at `stage` that the version's kind of system
    cannot be judged by (a vendor system has no model to question); listed so a reader sees they were
    considered, and not waited for (`not_expected_at` leaves them out). A generative-AI or vendor check is not
    listed for another kind: it never applied, as a regression's checks are not listed for a classifier."""
    kind = tags.kind
    out = []
    for check_id in tier.enabled_check_ids():
        spec = REGISTRY[check_id]
        if stage not in spec.stages or kind in spec.kinds or spec.family in ("genai", "vendor"):
            continue
        why = LACKS_MODEL[kind] if kind is not SystemKind.GENAI or spec.kinds == {SystemKind.MODEL} else NOT_TABULAR
        out.append(CheckResult(check_id=check_id, status=Status.SKIPPED, message=f"not run: {why}"))
    return out


def kind_lacks(result: CheckResult, tags: VersionTags) -> bool:
    """Whether `result` is a check listed SKIPPED because the version's kind of system cannot be judged by it
    (`skipped_for_kind`): no finding, nothing to fix."""
    spec = REGISTRY.get(result.check_id)
    return result.status is Status.SKIPPED and spec is not None and tags.kind not in spec.kinds
