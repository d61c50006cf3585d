"""Policy as typed, frozen data: tiers, per-check limits, and which checks block.

`parse_policy` turns YAML text into a `Policy`; every error names the source, the key
path and the line, so a reviewer can fix the file without reading code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from govflow.checks.jurisdictions import OverlayError, changes, tighten
from govflow.checks.limits import Direction, Limit, Straddle

TierName = Literal["high", "medium", "low"]
TIER_NAMES: tuple[str, ...] = ("high", "medium", "low")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Rule(_Frozen):
    """A check with no numeric limit; `blocking` decides whether it can stop approval."""

    blocking: bool = True

    def sub_checks(self) -> tuple[str, ...]:
        """Names of the separate checks this one rule governs (`performance.decay.auc`); none by default."""
        return ()


class NullRateRule(Rule):
    """Null share may exceed the reference share by at most `max_increase` (absolute)."""

    max_increase: float = Field(ge=0.0, le=1.0)


class MissingShareRule(Rule):
    """At most `max_share` of a column's values may be missing (null), an absolute cap that a reference
    with many nulls does not widen (null_rate moves with the reference; this does not)."""

    max_share: float = Field(ge=0.0, le=1.0)


class NumericRangeRule(Rule):
    """The reference [min, max] is widened by `tolerance` x its width on each side;
    at most `max_outside` of non-null values may fall outside it."""

    tolerance: float = Field(ge=0.0)
    max_outside: float = Field(ge=0.0, le=1.0)


class CategorySetRule(Rule):
    """At most `max_unseen` of non-null values may be categories absent from the reference."""

    max_unseen: float = Field(ge=0.0, le=1.0)


class MinimumRule(Rule):
    """The metric must be at least `min`; below `min_samples` rows the result is INCONCLUSIVE."""

    min: float
    min_samples: int = Field(ge=1)

    def limit(self) -> Limit:
        return Limit(self.min, Direction.AT_LEAST)


class LossRule(Rule):
    """A loss (log loss, Brier score) must be at most `max`; below `min_samples` rows INCONCLUSIVE."""

    max: float = Field(ge=0.0)
    min_samples: int = Field(ge=1)

    def limit(self) -> Limit:
        return Limit(self.max, Direction.AT_MOST)


MetricName = Literal["auc", "accuracy", "precision", "recall", "log_loss", "brier"]


class DecayRule(Rule):
    """Performance over the last `window` labelled periods, pooled, may be worse than the validation
    baseline by at most `max_worsening[metric]` (a drop for AUC, accuracy, precision and recall, a
    rise for log loss and Brier). A worsening passes only when its whole interval is within the limit; a
    larger one whose interval excludes the baseline fails; the rest warn. Below `min_samples` rows,
    INCONCLUSIVE."""

    window: int = Field(ge=1)
    min_samples: int = Field(ge=1)
    max_worsening: dict[MetricName, float] = Field(min_length=1)

    def sub_checks(self) -> tuple[str, ...]:
        return tuple(self.max_worsening)


EstimableMetric = Literal["auc", "accuracy", "precision", "recall"]


class EstimatedRule(Rule):
    """Performance estimated from calibrated scores for periods still awaiting outcomes (checks/estimation.py):
    each metric at least the validation baseline less `max_worsening[metric]`, like its realised twin
    `performance.decay.<metric>`. A band that reaches across that floor earns `on_straddle`. Below
    `min_samples` rows in a period, INCONCLUSIVE. `draws` seeded simulations give the bands."""

    max_worsening: dict[EstimableMetric, float] = Field(min_length=1)
    min_samples: int = Field(ge=1)
    on_straddle: Straddle = Straddle.WARN
    # `isotonic`: calibrate the scores on the reference where that lowers the held-out calibration error;
    # `none`: take the scores as probabilities (a model calibrated upstream, or too little reference data).
    calibration: Literal["isotonic", "none"] = "isotonic"
    draws: int = Field(default=1000, ge=100)
    seed: int = 0

    def sub_checks(self) -> tuple[str, ...]:
        return tuple(self.max_worsening)


class EstimationErrorRule(Rule):
    """Once a period's outcomes arrive: the realised metric may differ from the estimate for the same rows by
    at most `max_error[metric]`; a larger miss means the estimator's assumption (no concept drift) broke."""

    max_error: dict[EstimableMetric, float] = Field(min_length=1)

    def sub_checks(self) -> tuple[str, ...]:
        return tuple(self.max_error)


GapName = Literal["equal_opportunity_difference", "equalized_odds_difference"]


class EstimatedFairnessRule(Rule):
    """Fairness gaps estimated from scores calibrated within each group, for periods awaiting outcomes: each
    named gap held to the limit of its realised twin (`fairness.<gap>`) with the fairness straddle rule."""

    gaps: tuple[GapName, ...] = Field(min_length=1)
    draws: int = Field(default=1000, ge=100)
    seed: int = 0
    calibration: Literal["isotonic", "none"] = "isotonic"  # as for the performance estimate, within each group

    def sub_checks(self) -> tuple[str, ...]:
        return self.gaps


class LifetimeRule(Rule):
    """A judgement over a deployment's whole life, looked at every night, whose chance of any false alarm over
    that life is at most `alpha` (checks/sequential.py). PASS only when the whole anytime-valid interval is
    within the limit, FAIL when it is wholly beyond; one that reaches across earns `on_straddle` (the fairness
    gaps take the fairness family's rule instead). The sequence bounds false alarms for FAIL: it is no evidence
    that a value whose interval reaches past the limit is within it."""

    alpha: float = Field(gt=0.0, lt=0.5)
    on_straddle: Straddle = Straddle.INCONCLUSIVE


RateMetric = Literal["accuracy", "precision", "recall"]


class LifetimeDecayRule(LifetimeRule):
    """Each metric's confidence sequence over the matured labelled periods (those a later labelled period
    follows) may not fall wholly below the validation baseline less `max_worsening[metric]`."""

    max_worsening: dict[RateMetric, float] = Field(min_length=1)

    def sub_checks(self) -> tuple[str, ...]:
        return tuple(self.max_worsening)


LifetimeGap = Literal["demographic_parity_difference", "equal_opportunity_difference"]


class LifetimeFairnessRule(LifetimeRule):
    """Each gap's lower confidence bound over the closed periods (selection rates) or matured labelled ones
    (true positive rates), pairs of the reference's groups compared, may not exceed the realised twin's `max`
    (the materiality). Rows of two groups are paired at random (`seed`) within each period."""

    gaps: tuple[LifetimeGap, ...] = Field(min_length=1)
    seed: int = 0

    def sub_checks(self) -> tuple[str, ...]:
        return self.gaps


class DriftMateriality(_Frozen):
    """The smallest shift that matters: the Kolmogorov-Smirnov distance of a numeric feature, the total
    variation distance of a categorical one's shares."""

    ks: float = Field(ge=0.0, le=1.0)
    tvd: float = Field(ge=0.0, le=1.0)


class LifetimeDriftRule(LifetimeRule):
    """Each closed period `t` of a deployment tests each of its `F` features at alpha / (F t (t + 1)): the
    feature drifted when the lower confidence bound of its distance from the reference at that level exceeds
    the materiality. Fewer than `min_samples` rows in a period, INCONCLUSIVE."""

    materiality: DriftMateriality
    min_samples: int = Field(ge=1)


class MultivariateRule(Rule):
    """A domain classifier telling current rows from reference rows (checks/multivariate.py), on a seeded sample
    of at most `sample_rows` a side, `folds`-fold cross-validated: drift when its AUC's lower confidence bound
    exceeds `max_auc` (0.5 is indistinguishable). Fewer than `min_samples` rows a side, INCONCLUSIVE."""

    max_auc: float = Field(gt=0.5, lt=1.0)
    # An AUC whose interval reaches across `max_auc`: neither shown within nor shown beyond.
    on_straddle: Straddle = Straddle.WARN
    sample_rows: int = Field(ge=100)
    min_samples: int = Field(ge=20)
    folds: int = Field(ge=2, le=10)
    seed: int = 0


class MaximumRule(Rule):
    """A disparity must be at most `max`; judged on its bootstrap interval, not the point alone."""

    max: float = Field(ge=0.0)

    def limit(self) -> Limit:
        return Limit(self.max, Direction.AT_MOST)


class RatioRule(Rule):
    """A ratio of group rates (lowest over highest) must be at least `min`, e.g. 0.8 for four-fifths."""

    min: float = Field(gt=0.0, le=1.0)

    def limit(self) -> Limit:
        return Limit(self.min, Direction.AT_LEAST)


class FairnessChecks(_Frozen):
    """Group-fairness limits and how they are judged.

    A group smaller than `min_group_size`, or with fewer than `min_class_count` of the rows a
    metric divides by (positives for TPR, negatives for FPR, predicted positives for PPV), is
    reported but left out of that comparison. An interval wholly within the limit passes, wholly
    beyond fails, and one that straddles it is `on_straddle`. A sensitive column with more than
    `max_groups` distinct values (an identifier, a continuous value) is refused: it must be binned.
    """

    min_group_size: int = Field(ge=1)
    max_groups: int = Field(ge=2)
    min_class_count: int = Field(ge=1)
    resamples: int = Field(ge=100)
    seed: int
    on_straddle: Literal["INCONCLUSIVE", "WARN"]
    compare: Literal["between_groups", "to_reference"]
    reference_groups: dict[str, str] = {}
    ece_bins: int = Field(ge=2, le=100)
    demographic_parity_difference: MaximumRule | None = None
    demographic_parity_ratio: RatioRule | None = None
    equalized_odds_difference: MaximumRule | None = None
    equalized_odds_ratio: RatioRule | None = None
    equal_opportunity_difference: MaximumRule | None = None
    predictive_parity_difference: MaximumRule | None = None
    calibration_gap: MaximumRule | None = None
    estimated: EstimatedFairnessRule | None = None
    lifetime: LifetimeFairnessRule | None = None

    @model_validator(mode="after")
    def _estimates_have_twins(self) -> FairnessChecks:
        """An estimated or lifetime gap is held to its realised twin's limit, so the twin must be set."""
        for section, gaps in (("estimated", self.estimated.gaps if self.estimated else ()),
                              ("lifetime", self.lifetime.gaps if self.lifetime else ())):
            for gap in gaps:
                if getattr(self, gap) is None:
                    raise ValueError(f"{section}.gaps names {gap}, which this tier does not limit: set {gap}.max")
        return self


class DriftThresholds(_Frozen):
    """Per method: a distance at or above it is drift (wasserstein, jensenshannon, psi); a
    Benjamini-Hochberg adjusted p-value at or below it is significant (ks, chisquare, z)."""

    wasserstein: float = Field(gt=0)
    jensenshannon: float = Field(gt=0)
    psi: float = Field(gt=0)
    ks: float = Field(gt=0, lt=1)
    chisquare: float = Field(gt=0, lt=1)
    z: float = Field(gt=0, lt=1)


class DriftEffects(_Frozen):
    """Smallest change that counts for a p-value test, so a huge sample's tiny shift is not drift:
    the KS statistic, the total variation distance of categories, the difference in proportions."""

    ks: float = Field(ge=0, le=1)
    chisquare: float = Field(ge=0, le=1)
    z: float = Field(ge=0, le=1)


class DriftChecks(_Frozen):
    """Drift per feature and the share of drifted features; fewer than `min_samples` rows on
    either side is INCONCLUSIVE. The verdict uses every row; Evidently's HTML report, which grows
    with the data, is drawn on a seeded sample of at most `report_rows` rows per side."""

    min_samples: int = Field(ge=1)
    report_rows: int = Field(ge=100)
    seed: int
    thresholds: DriftThresholds
    min_effect: DriftEffects
    feature: Rule | None = None
    share: MaximumRule | None = None
    # The share of missing (null or infinite) values in a column may move by at most `max` (0.05: 5 points).
    missing: MaximumRule | None = None
    prediction: Rule | None = None
    label: Rule | None = None
    lifetime: LifetimeDriftRule | None = None
    multivariate: MultivariateRule | None = None


class SignoffRule(Rule):
    """People who must sign a version off, one per role and each a different person, before approval."""

    roles: tuple[str, ...] = Field(min_length=1)


class GovernanceChecks(_Frozen):
    required_tags: Rule | None = None
    risk_assessment: Rule | None = None
    waivers: Rule | None = None
    signoff: SignoffRule | None = None
    serving: Rule | None = None


class DataChecks(_Frozen):
    readable: Rule | None = None
    schema_: Rule | None = Field(default=None, alias="schema")
    null_rate: NullRateRule | None = None
    missing_share: MissingShareRule | None = None
    numeric_range: NumericRangeRule | None = None
    category_set: CategorySetRule | None = None
    unique: Rule | None = None


class PerformanceChecks(_Frozen):
    """Limits on model-level metrics, each judged with its interval; `on_straddle` says what a metric whose
    interval reaches across its limit earns (by default its point estimate decides between WARN and FAIL)."""

    on_straddle: Straddle = Straddle.POINT
    auc: MinimumRule | None = None
    accuracy: MinimumRule | None = None
    precision: MinimumRule | None = None
    recall: MinimumRule | None = None
    log_loss: LossRule | None = None
    brier: LossRule | None = None
    decay: DecayRule | None = None
    estimated: EstimatedRule | None = None
    estimation_error: EstimationErrorRule | None = None
    lifetime: LifetimeDecayRule | None = None


class FixWithin(_Frozen):
    """Days allowed to fix a finding, by severity: critical (a blocking FAIL), major (a blocking check that
    could not judge), minor (a WARN, including a non-blocking FAIL)."""

    critical: int = Field(ge=1)
    major: int = Field(ge=1)
    minor: int = Field(ge=1)


class StaleRule(Rule):
    """Days a serving version may go without new monitored production data."""

    max_days_without_data: int = Field(ge=1)


class Lifecycle(_Frozen):
    """How often a version of this tier is reviewed by people, how long its evidence is kept, how long its
    findings may stay open, and the checks the retirement sweep runs (`lifecycle.<check>`)."""

    review_every_days: int = Field(ge=1)
    retention_years: int = Field(ge=1)
    fix_within_days: FixWithin
    review: Rule | None = None
    owner: Rule | None = None
    monitoring: StaleRule | None = None
    superseded: Rule | None = None
    retirement: Rule | None = None


class ModelCardRule(Rule):
    """Model card fields a version must document (each a result of its own) before approval."""

    fields: tuple[str, ...] = Field(min_length=1)


class DocumentationChecks(_Frozen):
    model_card: ModelCardRule | None = None


class StabilityRule(Rule):
    """The importance ranking on recent labelled data must correlate with the one at approval (Spearman)
    at least `min_rank_correlation`; below `min_samples` labelled rows, INCONCLUSIVE."""

    min_rank_correlation: float = Field(ge=-1.0, le=1.0)
    min_samples: int = Field(ge=1)


class ExplainabilityChecks(_Frozen):
    """Permutation importance through the registered model on a seeded sample of at most `sample_rows`
    rows, `repeats` permutations per feature; partial dependence over `grid_points` values for the
    `top_features` most important features."""

    sample_rows: int = Field(ge=50)
    repeats: int = Field(ge=2)
    seed: int
    top_features: int = Field(ge=1)
    grid_points: int = Field(ge=2, le=100)
    importance: Rule | None = None
    stability: StabilityRule | None = None


class BandRule(Rule):
    """A measure above `warn` is a WARN and above `max` a FAIL."""

    warn: float = Field(ge=0.0, le=1.0)
    max: float = Field(ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> BandRule:
        if self.warn > self.max:
            raise ValueError(f"warn ({self.warn}) must not exceed max ({self.max})")
        return self


class ProxyChecks(_Frozen):
    """How much the model's inputs reveal the sensitive attributes, on a seeded sample of at most
    `sample_rows` rows. `predictability`: the cross-validated (`folds`) AUC of a classifier predicting each
    attribute from the inputs (0.5 is chance). `association`: Cramer's V of each input with each attribute,
    a numeric input cut into `bins` quantile bins (0 is none, 1 is a perfect proxy)."""

    sample_rows: int = Field(ge=100)
    folds: int = Field(ge=2, le=20)
    bins: int = Field(ge=2, le=50)
    seed: int
    predictability: BandRule | None = None
    association: BandRule | None = None


class NoiseRule(Rule):
    """Gaussian noise of `scale` x each numeric input's standard deviation may flip at most `max` of the
    decisions."""

    scale: float = Field(gt=0.0)
    max: float = Field(ge=0.0, le=1.0)

    def limit(self) -> Limit:
        return Limit(self.max, Direction.AT_MOST)


class MonotonicRule(Rule):
    """Shifting a declared input by `step` x its standard deviation may move the score the wrong way
    (beyond `tolerance`) for at most `max_violations` of the rows. With `require_declaration`, a version
    that declares no relationship (tag governance.monotonic) cannot be judged; without, the check applies
    only where one is declared."""

    require_declaration: bool = False
    step: float = Field(gt=0.0)
    tolerance: float = Field(ge=0.0)
    max_violations: float = Field(ge=0.0, le=1.0)


class RobustnessChecks(_Frozen):
    """Perturbation tests on a seeded sample of at most `sample_rows` evaluation rows. `missing_value`: a
    missing value in each input must give a prediction or a clear rejection, never a crash or a NaN."""

    sample_rows: int = Field(ge=50)
    seed: int
    # A flip rate whose interval reaches across `noise.max` is WARN: within it on the point is not shown within.
    on_straddle: Straddle = Straddle.WARN
    noise: NoiseRule | None = None
    monotonic: MonotonicRule | None = None
    missing_value: Rule | None = None


FEEDBACK_SEVERITIES = ("low", "medium", "high", "critical")  # least severe first


class FeedbackRule(Rule):
    """Stakeholder feedback at or above `open_at` severity opens a finding for the model's owner, until
    someone records its resolution."""

    open_at: Literal["low", "medium", "high", "critical"]


class FeedbackChecks(_Frozen):
    stakeholder: FeedbackRule | None = None


class TierPolicy(_Frozen):
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

    def _rules(self) -> dict[str, Rule]:
        """Check id -> rule for every check this tier runs, in policy order."""
        rules = {}
        for family in type(self).model_fields:
            section = getattr(self, family)
            if section is None:
                continue
            for field, info in type(section).model_fields.items():
                if isinstance(rule := getattr(section, field), Rule):
                    name = f"{family}.{info.alias or field}"
                    rules |= {f"{name}.{sub}": rule for sub in rule.sub_checks()} or {name: rule}
        return rules

    def rule(self, check_id: str) -> Rule | None:
        """The rule for a dotted check id, or None when this tier does not run it."""
        return self._rules().get(check_id)

    def enabled_check_ids(self, family: str | None = None) -> list[str]:
        """Every check id this tier runs (of one family, if given), in policy order."""
        return [c for c in self._rules() if family is None or c.startswith(f"{family}.")]


class Jurisdiction(_Frozen):
    """Where a version is used (tag governance.jurisdictions) and what that adds: per tier, an overlay of the
    tier's own keys that may only tighten it (checks/jurisdictions.py)."""

    title: str = Field(min_length=3)
    tiers: dict[TierName, dict[str, Any]] = {}


class Policy(_Frozen):
    version: Literal[1]
    confidence: float = Field(gt=0.5, lt=1.0)
    required_tags: tuple[str, ...] = Field(min_length=1)
    unassessed_tier: TierName
    monitoring_period: Literal["D", "W", "M"]
    tiers: dict[TierName, TierPolicy]
    jurisdictions: dict[str, Jurisdiction] = {}

    def tier(self, name: str, jurisdictions: Sequence[str] = ()) -> TierPolicy:
        """The tier's policy, tightened by the overlays of the `jurisdictions` the policy defines (the stricter
        rule wins where they meet; codes it does not define are left to `unknown_result`)."""
        base = self.tiers[name]  # type: ignore[index]
        overlays = [(code, self.jurisdictions[code].tiers.get(name)) for code in jurisdictions
                    if code in self.jurisdictions]
        if not any(overlay for _, overlay in overlays):
            return base
        merged = base.model_dump(mode="json", by_alias=True, exclude_none=True)
        for code, overlay in overlays:
            if overlay:
                merged = tighten(merged, overlay, f"jurisdictions.{code}.tiers.{name}")
        return TierPolicy.model_validate(merged)

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


class PolicyError(ValueError):
    """A policy file (policy, waivers) that cannot be used; the message names file, key and line."""


ModelT = TypeVar("ModelT", bound=BaseModel)


def parse_typed(text: str, source: str, cls: type[ModelT]) -> tuple[ModelT, yaml.Node | None]:
    """YAML text as a typed model, with its node tree for line numbers; PolicyError naming `source`, the
    key path and the line for bad YAML, an unknown key or a bad value."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        raise PolicyError(f"{source}{line}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(data, dict):
        raise PolicyError(f"{source}, line 1: the file must be a mapping of keys, got {type(data).__name__}")
    try:
        return cls.model_validate(data), node
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = [str(part) for part in err["loc"] if part != "[key]"]  # pydantic's marker for a bad dict key
            msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            lines.append(f"{source}, line {line_of(node, loc)}: key '{'.'.join(loc)}': {msg}")
        raise PolicyError("\n".join(lines)) from exc


def parse_policy(text: str, source: str) -> Policy:
    """Parse policy YAML; raise PolicyError naming `source`, the key path and the line."""
    policy, node = parse_typed(text, source, Policy)
    missing = [t for t in TIER_NAMES if t not in policy.tiers]
    if missing:
        raise PolicyError(f"{source}, line {line_of(node, ['tiers'])}: key 'tiers': missing tier(s) {missing}")
    for code, jurisdiction in policy.jurisdictions.items():
        if code != code.strip().lower() or "," in code or not code:
            # Versions' tags are read lower case and comma separated: any other code no tag could ever name.
            raise PolicyError(f"{source}, line {line_of(node, ['jurisdictions', code])}: key 'jurisdictions.{code}': "
                              "a jurisdiction code is lower case, without spaces or commas (eu, us, uk)")
        for tier in jurisdiction.tiers:
            where = ["jurisdictions", code, "tiers", tier]
            try:
                policy.tier(tier, (code,))
            except OverlayError as exc:
                raise PolicyError(f"{source}, line {line_of(node, where)}: key '{'.'.join(where)}': {exc}") from None
            except ValidationError as exc:
                error = exc.errors()[0]
                key = ".".join(str(p) for p in error["loc"])
                raise PolicyError(f"{source}, line {line_of(node, where + key.split('.'))}: key "
                                  f"'{'.'.join(where)}.{key}': {error['msg']}") from None
    return policy


def line_of(node: yaml.Node | None, loc: list[str]) -> int:
    """1-based line of the deepest YAML node that `loc` reaches."""
    line = (node.start_mark.line + 1) if node is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if str(k.value) == part), None)
            if match is None:
                return line
            key, node = match
            line = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            return line
    return line
