"""The policy's rules for a generative-AI application (issue 31): rates of answers that leak personal data,
refuse, break the declared format, miss the reference answer or stray from their context, each judged on its
Wilson interval; a team's own LLM judge trusted only as far as it agrees with people; a counterfactual gap on
paired inputs; and non-inferiority of a new version against the one serving."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from govflow.checks.limits import Direction, Limit, Straddle
from govflow.checks.policy.rules import Frozen, LifetimeRule, Rule


class RateCeiling(Rule):
    """At most `max` of the answers may do it (leak personal data, refuse); judged on the rate's interval,
    so a PASS needs its upper bound within `max`. Fewer than `min_samples` answers: INCONCLUSIVE."""

    max: float = Field(ge=0.0, le=1.0)
    min_samples: int = Field(ge=1)

    def limit(self) -> Limit:
        return Limit(self.max, Direction.AT_MOST)


class RateFloor(Rule):
    """At least `min` of the answers must hold it; a PASS needs the rate's lower bound at `min` or above."""

    min: float = Field(ge=0.0, le=1.0)
    min_samples: int = Field(ge=1)

    def limit(self) -> Limit:
        return Limit(self.min, Direction.AT_LEAST)


class ReferenceMatchRule(RateFloor):
    """Answers must equal the reference answer, after case, punctuation, articles and spacing are set aside
    when `normalise` (SQuAD's exact match), or character for character when not."""

    normalise: bool = True


class ContextOverlapRule(RateFloor):
    """An answer counts as grounded when at least `min_token_share` of its content words are in the context it
    was given; at least `min` of the answers with a context must be grounded."""

    min_token_share: float = Field(gt=0.0, le=1.0)


class AgreementRule(Rule):
    """A judge's verdicts must agree with people's on the labelled rows with Cohen's kappa whose lower bound is
    at least `min_kappa`, on at least `min_samples` rows labelled by both."""

    min_kappa: float = Field(ge=-1.0, le=1.0)
    min_samples: int = Field(ge=2)

    def limit(self) -> Limit:
        return Limit(self.min_kappa, Direction.AT_LEAST)


class CounterfactualRule(Rule):
    """On pairs of inputs that differ only in a demographic term, the mean paired difference in `outcome` (the
    answer refused, or a numeric column such as an amount or a judged score) must be within `max` either way;
    judged on its paired interval, with at least `min_pairs` pairs."""

    outcome: str = "refusal"  # "refusal", or the evaluation set's column holding the outcome
    max: float = Field(ge=0.0)
    min_pairs: int = Field(ge=2)

    def limit(self) -> Limit:
        return Limit(self.max, Direction.AT_MOST)


NonInferiorMetric = Literal["pii_leak_rate", "refusal_rate", "format_validity", "reference_match", "context_overlap"]


class NonInferiorityRule(Rule):
    """A new version may be worse than the serving one on each named metric by at most `margin` (a share of
    answers), on the inputs both answered: a paired interval whose worse end is within the margin passes."""

    margin: float = Field(ge=0.0, le=1.0)
    metrics: tuple[NonInferiorMetric, ...] = Field(min_length=1)

    def sub_checks(self) -> tuple[str, ...]:
        return self.metrics

    def limit(self) -> Limit:
        return Limit(self.margin, Direction.AT_MOST)


class GenaiLifetimeRule(LifetimeRule):
    """Each named rate's confidence sequence over the deployment's closed periods of logged answers, valid at
    every nightly look, held to the rate's own limit: a week too small to show a rare leak's rate within 1% adds
    its answers to the weeks before."""

    metrics: tuple[NonInferiorMetric, ...] = Field(min_length=1)

    def sub_checks(self) -> tuple[str, ...]:
        return self.metrics


class GenaiChecks(Frozen):
    """What a generative-AI application is judged by, on its evaluation set at the gate and its logged answers
    at night. `on_straddle`: what a rate whose interval reaches across its limit earns."""

    on_straddle: Straddle = Straddle.INCONCLUSIVE
    pii_leak_rate: RateCeiling | None = None
    refusal_rate: RateCeiling | None = None
    # Judged where the application declares its answers' format (tag governance.output_format: json, or
    # json:key1,key2 for an object holding those keys).
    format_validity: RateFloor | None = None
    reference_match: ReferenceMatchRule | None = None
    context_overlap: ContextOverlapRule | None = None
    # The team's LLM judge (columns judge.<name>, people's labels human.<name>): its pass rate, and whether it
    # may be believed.
    judge: RateFloor | None = None
    judge_agreement: AgreementRule | None = None
    counterfactual_gap: CounterfactualRule | None = None
    noninferiority: NonInferiorityRule | None = None
    lifetime: GenaiLifetimeRule | None = None

    @model_validator(mode="after")
    def _lifetime_has_limits(self) -> GenaiChecks:
        """A rate's lifetime is held to the rate's own limit, so that rate must be limited."""
        for metric in self.lifetime.metrics if self.lifetime else ():
            if getattr(self, metric) is None:
                raise ValueError(f"lifetime.metrics names {metric}, which this tier does not limit: set {metric}")
        return self
