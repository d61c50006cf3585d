"""Seeded generators of realistic tabular data for the demo fleet.

Each generator returns plain DataFrames and knows nothing about MLflow: the seeding code
in govflow/demo/seed.py trains, logs and registers the models.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MONITORING_START = pd.Timestamp("2026-10-01")
MONITORING_DAYS = 30
LABEL_DELAY_DAYS = 10


@dataclass(frozen=True)
class Scenario:
    """One demo model's data and governance description."""

    name: str
    label: str
    features: tuple[str, ...]
    sensitive: tuple[str, ...]
    reference: pd.DataFrame
    evaluation: pd.DataFrame
    monitoring: dict[str, pd.DataFrame] = field(default_factory=dict)
    labels: pd.DataFrame | None = None
    tags: dict[str, str] = field(default_factory=dict)
    estimator: str = "logistic_regression"
    id_column: str | None = None
    description: str = ""  # the registered model's description (markdown)
    card: dict[str, str] = field(default_factory=dict)  # model_card.yaml logged with the model


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _loan_frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    race = rng.choice(["White", "Black", "Hispanic", "Asian", "Other"], n, p=[0.60, 0.13, 0.17, 0.06, 0.04])
    sex = rng.choice(["female", "male"], n, p=[0.48, 0.52])
    age = rng.integers(21, 76, n).astype(float)
    income = np.exp(rng.normal(10.9, 0.5, n) + 0.05 * (race == "White"))
    debt_to_income = rng.beta(2, 5, n) * 0.8
    history = np.minimum(age - 18, rng.gamma(3.0, 3.0, n)).round(1)
    loan_amount = np.exp(rng.normal(9.6, 0.6, n)).round(-2)
    employment_years = np.minimum(age - 18, rng.gamma(2.0, 3.5, n)).round(1)
    employment_years[rng.random(n) < 0.02] = np.nan  # self-declared, sometimes left blank
    employment_type = rng.choice(["salaried", "self_employed", "contract", "retired"], n, p=[0.62, 0.16, 0.15, 0.07])
    purpose = rng.choice(["home", "car", "education", "debt_consolidation", "business"], n, p=[0.3, 0.25, 0.1, 0.25, 0.1])
    logit = (1.4 + 2.2 * (np.log(income) - 10.9) - 7.0 * (debt_to_income - 0.23) + 0.09 * history
             - 1.5 * (loan_amount / income - 0.3) - 0.7 * (employment_type == "contract"))
    approved = (rng.random(n) < _sigmoid(logit)).astype(int)
    return pd.DataFrame({
        "age": age, "income": income.round(0), "debt_to_income": debt_to_income.round(3),
        "credit_history_years": history, "loan_amount": loan_amount, "employment_years": employment_years,
        "employment_type": employment_type, "purpose": purpose, "race": race, "sex": sex, "approved": approved,
    })


def loan_batches(start: pd.Timestamp, days: int, seed: int) -> dict[str, pd.DataFrame]:
    """Daily batches of 300 loan applications from `start`, as the production feed delivers them."""
    rng = np.random.default_rng(seed)
    return {f"{(start + pd.Timedelta(days=d)).date()}": _loan_frame(rng, 300).drop(columns="approved")
            for d in range(days)}


def loan_approval(seed: int = 7) -> Scenario:
    """Consumer loan approval by logistic regression; race and sex protected, fair enough to pass."""
    rng = np.random.default_rng(seed)
    monitoring = {
        f"{(MONITORING_START + pd.Timedelta(days=d)).date()}": _loan_frame(rng, 300).drop(columns="approved")
        for d in range(MONITORING_DAYS)
    }
    return Scenario(
        name="loan_approval", label="approved",
        features=("age", "income", "debt_to_income", "credit_history_years", "loan_amount",
                  "employment_years", "employment_type", "purpose"),
        sensitive=("race", "sex"), reference=_loan_frame(rng, 6000), evaluation=_loan_frame(rng, 5000),
        monitoring=monitoring,
        tags={"governance.owner": "retail-credit-risk@bank.example", "governance.risk_tier": "high",
              # Lent in the EU and the US: both regions' overlays tighten its tier (config/policy.yaml).
              "governance.jurisdictions": "eu,us",
              "governance.use_case": "approve or decline consumer loan applications",
              # The model card as tags.
              "governance.intended_use": "recommend approve or decline for unsecured consumer loans up to "
                                         "50,000, reviewed by an underwriter",
              "governance.out_of_scope_uses": "mortgages, business lending, and any decision without an underwriter",
              "governance.limitations": "trained on 2024-2025 applications; self-declared employment years are "
                                        "sometimes blank",
              "governance.training_data": "6,000 past applications with their approval outcome",
              "governance.ethical_considerations": "race and sex are not inputs; disparate impact is tested by "
                                                   "race and sex before approval and nightly",
              "governance.contact": "retail-credit-risk@bank.example",
              "governance.monotonic": "income:+,debt_to_income:-,credit_history_years:+"},
        # governance.evaluation_data names the file; the card's words on it sit in the model's description.
        description="## Evaluation data\n5,000 held-out applications from the same period, scored by the gate",
    )


def _hiring_frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    sex = rng.choice(["female", "male"], n, p=[0.45, 0.55])
    age_band = rng.choice(["under_30", "30_to_45", "over_45"], n, p=[0.3, 0.45, 0.25])
    female = sex == "female"
    years_experience = np.clip(rng.gamma(3.0, 2.5, n), 0, 40).round(1)
    performance_rating = np.clip(rng.normal(3.3, 0.8, n), 1, 5).round(1)
    projects_led = rng.poisson(2.0, n).astype(float)
    # The disparity is built in: career gaps and part-time work are proxies for sex,
    # and the historical promotion labels penalise them beyond their merit. The model learns that penalty,
    # which contradicts the model card's rule that a career gap never lowers a recommendation
    # (`career_gap_years:+`): the seeded violation the robustness check catches.
    career_gap_years = np.where(female & (rng.random(n) < 0.45), rng.gamma(1.5, 1.0, n), 0.0).round(1)
    part_time = np.where(rng.random(n) < np.where(female, 0.30, 0.06), "yes", "no")
    department = rng.choice(["engineering", "sales", "operations", "finance", "people"], n)
    logit = (-1.0 + 1.1 * (performance_rating - 3.3) + 0.08 * years_experience + 0.35 * projects_led
             - 0.9 * career_gap_years - 1.2 * (part_time == "yes") - 0.6 * female)
    promoted = (rng.random(n) < _sigmoid(logit)).astype(int)
    return pd.DataFrame({
        "years_experience": years_experience, "performance_rating": performance_rating,
        "projects_led": projects_led, "career_gap_years": career_gap_years, "part_time": part_time,
        "department": department, "sex": sex, "age_band": age_band, "promoted": promoted,
    })


HIRING_CARD = """Ranks employees for the annual promotion review.

## Intended use
Shortlist employees for a promotion panel, which makes every decision.

## Out-of-scope uses
Pay, dismissal, or any decision without the panel.

## Limitations
Learned from ten years of past promotion decisions, which reflect the panels of their time.

## Training data
5,000 past promotion-review records.

## Evaluation data
2,000 held-out records.

## Ethical considerations
Sex and age band are not inputs; the history they shaped is. A career gap must never lower a
recommendation (declared in governance.monotonic).

## Contact
people-analytics@bank.example
"""


def hiring_promotion(seed: int = 11) -> Scenario:
    """Internal promotion recommender trained on biased history: selects fewer women."""
    rng = np.random.default_rng(seed)
    return Scenario(
        name="hiring_promotion", label="promoted",
        features=("years_experience", "performance_rating", "projects_led", "career_gap_years",
                  "part_time", "department"),
        sensitive=("sex", "age_band"), reference=_hiring_frame(rng, 5000), evaluation=_hiring_frame(rng, 2000),
        tags={"governance.owner": "people-analytics@bank.example", "governance.risk_tier": "high",
              "governance.use_case": "recommend employees for promotion review",
              # A career gap must never lower a recommendation: the model, trained on history, breaks this.
              "governance.monotonic": "performance_rating:+,years_experience:+,projects_led:+,career_gap_years:+"},
        # The model card as headed sections of the registered model's description.
        description=HIRING_CARD,
    )


# How default follows the applicant: the scorecard's signals at full `strength` in a benign economy, weakened by
# `decay` x the downturn's shift (at most the whole downturn's), while broker-sourced applicants default more by
# `broker` x the shift: a model trained before the downturn decays, one retrained on it learns the new pattern.
CREDIT_LOGIT = {"intercept": -2.6, "strength": 2.4, "decay": 0.7, "broker": 4.0}


def _credit_frame(rng: np.random.Generator, n: int, shift: float = 0.0) -> pd.DataFrame:
    """Credit-scoring applicants; `shift` in [0, 1] moves the population the way a downturn does."""
    age = rng.integers(18, 80, n).astype(float)
    income = np.exp(rng.normal(10.8 - 0.25 * shift, 0.55, n)).round(0)
    utilization = np.clip(rng.beta(2 + 2.5 * shift, 4, n), 0, 1).round(3)
    open_accounts = rng.poisson(4 + 2 * shift, n).astype(float)
    inquiries = rng.poisson(1 + 1.5 * shift, n).astype(float)
    late_payments = rng.poisson(0.4 + 0.6 * shift, n).astype(float)
    region = rng.choice(["north", "south", "east", "west"], n)
    channels = ["branch", "online", "broker"]
    weights = np.array([0.45 - 0.25 * shift, 0.40 + 0.15 * shift, 0.15 + 0.10 * shift])
    channel = rng.choice(channels, n, p=weights / weights.sum())
    # The downturn also changes what drives default: the scorecard's signals weaken and broker-sourced
    # applicants default more, so the model decays once the outcomes arrive.
    # Age plays no part in default here, and the model is not given it: the bands are judged, never used.
    logit = (CREDIT_LOGIT["intercept"]
             + CREDIT_LOGIT["strength"] * (1 - CREDIT_LOGIT["decay"] * min(shift, 1.0)) * (
                 2.8 * (utilization - 0.33) - 0.9 * (np.log(income) - 10.8) + 0.7 * late_payments + 0.25 * inquiries)
             + CREDIT_LOGIT["broker"] * shift * (channel == "broker"))
    default = (rng.random(n) < _sigmoid(logit)).astype(int)
    # Age is protected in US credit (ECOA): the bands are kept for testing, not fed to the model.
    # Two bands, so a week's applications can show the disparate-impact ratio within the high tier's four-fifths
    # on its interval (with three, the smallest band's noise keeps the lowest ratio's interval across the line).
    age_group = np.where(age < 40, "under_40", "40_and_over")
    return pd.DataFrame({
        "age_group": age_group, "age": age, "income": income, "utilization": utilization, "open_accounts": open_accounts,
        "recent_inquiries": inquiries, "late_payments_12m": late_payments, "region": region,
        "channel": channel, "default": default,
    })


def _credit_feed(rng: np.random.Generator, start: pd.Timestamp, days: int, shifts: np.ndarray,
                 prefix: str) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Daily batches of CREDIT_DAILY scored applications from `start`, day d's population at `shifts[d]`, and the
    defaults that have arrived `LABEL_DELAY_DAYS` later by the last day."""
    monitoring, labels = {}, []
    for day in range(days):
        date = start + pd.Timedelta(days=day)
        batch = _credit_frame(rng, CREDIT_DAILY, shift=float(shifts[day]))
        batch.insert(0, "application_id", [f"{prefix}{day:02d}{i:04d}" for i in range(len(batch))])
        batch.insert(1, "scored_at", date + pd.to_timedelta(rng.integers(0, 86400, len(batch)), unit="s"))
        arrival = date + pd.Timedelta(days=LABEL_DELAY_DAYS)
        if arrival <= start + pd.Timedelta(days=days - 1):
            labels.append(batch[["application_id", "default"]].assign(label_arrived_at=arrival))
        monitoring[f"{date.date()}"] = batch.drop(columns="default")
    return monitoring, pd.concat(labels, ignore_index=True)


CREDIT_FEATURES = ("income", "utilization", "open_accounts", "recent_inquiries", "late_payments_12m",
                   "region", "channel")
# Enough held-out applicants that each age band's rate is known to within a few points: the high tier judges
# disparate impact on its interval and will not approve on a guess.
CREDIT_EVALUATION = 10_000
# Applications a day: a week's then holds about 1,700 of the younger band, enough for the high tier to show its
# disparate-impact ratio above four-fifths, rather than leave it inconclusive.
CREDIT_DAILY = 700
CREDIT_CARD = {"intended_use": "probability of default behind credit-card limit decisions",
               "out_of_scope_uses": "mortgages, business lending, and any decline without a credit officer's review",
               "limitations": "calibrated on a benign economy; monitored for drift as conditions change",
               "training_data": "6,000 applicants with 12-month default outcomes",
               "evaluation_data": "10,000 held-out applicants from the same period, scored by the gate",
               "ethical_considerations": "age is protected (ECOA): the model is not given it, and default predictions "
                                         "are tested by age band before approval and every night",
               "contact": "credit-decisioning@bank.example"}


def credit_scoring(seed: int = 23) -> Scenario:
    """Probability-of-default scorecard whose applicant population drifts over 30 daily batches;
    labels (defaults) arrive `LABEL_DELAY_DAYS` after each batch."""
    rng = np.random.default_rng(seed)
    monitoring, labels = _credit_feed(rng, MONITORING_START, MONITORING_DAYS,
                                      np.arange(MONITORING_DAYS) / (MONITORING_DAYS - 1), "A")
    return Scenario(
        name="credit_scoring", label="default", features=CREDIT_FEATURES,
        sensitive=("age_group",), reference=_credit_frame(rng, 6000), evaluation=_credit_frame(rng, CREDIT_EVALUATION),
        monitoring=monitoring, labels=labels,
        # No declared tier: its risk assessment (config/assessments/credit_scoring.yaml) makes it high.
        tags={"governance.owner": "credit-decisioning@bank.example",
              "governance.use_case": "probability of default for credit-card limit decisions",
              "governance.timestamp": "scored_at",
              "governance.monotonic": "utilization:+,late_payments_12m:+,recent_inquiries:+"},
        id_column="application_id",
        # The model card as a file logged with the model.
        card=CREDIT_CARD,
    )


RETRAINED_START = pd.Timestamp("2026-11-02")
RETRAINED_DAYS = 28
RETRAINED_STEADY_DAYS = 14  # the population it was trained on holds for two weeks, then moves on


def credit_scoring_retrained(seed: int = 29) -> Scenario:
    """credit_scoring's second version, retrained on the downturn's applicants (shift 1) and deployed on
    `RETRAINED_START`; after two steady weeks the economy moves on (shift 1 to 1.6), so it drifts again.
    Only its data and card: it is a new version of the registered model, whose tags it inherits."""
    rng = np.random.default_rng(seed)
    moving = np.arange(RETRAINED_DAYS) - (RETRAINED_STEADY_DAYS - 1)
    shifts = 1.0 + 0.6 * np.clip(moving, 0, None) / moving.max()
    monitoring, labels = _credit_feed(rng, RETRAINED_START, RETRAINED_DAYS, shifts, "B")
    return Scenario(
        name="credit_scoring", label="default", features=CREDIT_FEATURES, sensitive=("age_group",),
        reference=_credit_frame(rng, 6000, shift=1.0), evaluation=_credit_frame(rng, CREDIT_EVALUATION, shift=1.0),
        monitoring=monitoring, labels=labels, id_column="application_id",
        card=CREDIT_CARD | {"limitations": "retrained on the autumn 2026 downturn's applicants; monitored for "
                                           "drift as conditions change",
                            "training_data": "6,000 applicants from the downturn with 12-month default outcomes"},
    )


def vendor_scoring(seed: int = 31) -> Scenario:
    """A bought-in fraud-risk score registered by its integrator with most governance tags missing."""
    rng = np.random.default_rng(seed)
    base = _credit_frame(rng, 6000)
    base["fraud_flag"] = (rng.random(len(base)) < _sigmoid(-2.6 + 6.0 * (base["utilization"] - 0.33)
                                                          + 0.8 * base["recent_inquiries"])).astype(int)
    base = base.drop(columns="default")
    evaluation = base.iloc[4000:].reset_index(drop=True)
    return Scenario(
        name="vendor_fraud_score", label="fraud_flag",
        features=("utilization", "recent_inquiries", "open_accounts", "channel"),
        sensitive=(), reference=base.iloc[:4000].reset_index(drop=True), evaluation=evaluation,
        # Only what the integrator filled in: no owner, no tier, no declared data.
        tags={"governance.use_case": "third-party card-fraud risk score (vendor model)"},
        estimator="gradient_boosting",
    )


def demo_fleet() -> list[Scenario]:
    return [loan_approval(), hiring_promotion(), credit_scoring(), vendor_scoring()]
