"""The demo's models of other tasks (issue 30): a motor-insurance premium model (regression) whose premiums by age
band drift apart as young drivers' cars get dearer, and a next-best-offer model (multiclass) whose savings offers
drift away from women as their incomes in the feed fall behind. Seeded data only; govflow/demo/seed.py trains,
logs and registers them, and the story gates, signs off, deploys and monitors them with the rest of the fleet."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from govflow.demo.data import LABEL_DELAY_DAYS, MONITORING_DAYS, MONITORING_START, Scenario

DAILY = 300
# October and November: the feeds run on to the demo's last night (30 November judges the 29th's quotes).
FEED_DAYS = 60
PREMIUM_FEATURES = ("vehicle_value", "annual_miles", "vehicle_age", "region")
OFFER_FEATURES = ("income", "balance", "tenure_years", "channel")
_BANDS = ([17, 25, 40, 60, 80], ["18-25", "26-40", "41-60", "61-80"])


def _feed(rng: np.random.Generator, frame: Callable[[float], pd.DataFrame], peak: float, stamp: str, label: str,
          prefix: str, inflation: float = 0.0) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Daily batches over FEED_DAYS, each decision with an id (`decision_id`, from `prefix`) and stamped within its
    day (`stamp`), without its outcome (`label`); the population's shift rises to `peak` over October and holds
    through November. The outcomes arrive LABEL_DELAY_DAYS after their day; `inflation` raises a numeric outcome
    by up to that share over November (costs rising in a way no input shows)."""
    monitoring, labels = {}, []
    last = MONITORING_START + pd.Timedelta(days=FEED_DAYS - 1)
    for day in range(FEED_DAYS):
        date = MONITORING_START + pd.Timedelta(days=day)
        batch = frame(peak * min(day / (MONITORING_DAYS - 1), 1.0))
        batch.insert(0, "decision_id", [f"{prefix}{day:02d}{i:04d}" for i in range(len(batch))])
        batch.insert(1, stamp, date + pd.to_timedelta(rng.integers(0, 86400, len(batch)), unit="s"))
        arrival = date + pd.Timedelta(days=LABEL_DELAY_DAYS)
        if arrival <= last:
            outcome = batch[label]
            if inflation:
                outcome = (outcome * (1 + inflation * max(0.0, (day - MONITORING_DAYS) / (FEED_DAYS - MONITORING_DAYS)))
                           ).round(2)
            labels.append(pd.DataFrame({"decision_id": batch["decision_id"], label: outcome,
                                        "label_arrived_at": arrival}))
        monitoring[f"{date.date()}"] = batch.drop(columns=label)
    return monitoring, pd.concat(labels, ignore_index=True)


def _premium_frame(rng: np.random.Generator, n: int, young_shift: float = 0.0) -> pd.DataFrame:
    """Motor quotes: the premium follows the car's value, the miles driven and the car's age; the driver's age
    band is protected and no input. `young_shift` makes the under-26s' cars dearer and their miles longer."""
    age = rng.integers(18, 80, n)
    young = (age <= 25).astype(float)
    region = rng.choice(["north", "south", "east", "west"], n)
    value = rng.gamma(4.0, 5000.0, n) * (1 + young_shift * young)
    miles = rng.normal(9000, 2500, n).clip(1000) * (1 + 0.5 * young_shift * young)
    vehicle_age = rng.integers(0, 15, n).astype(float)
    premium = (350 + 0.012 * value + 0.018 * miles - 8 * vehicle_age + 40 * (region == "south")
               + rng.normal(0, 40, n))
    return pd.DataFrame({"vehicle_value": value.round(0), "annual_miles": miles.round(0), "vehicle_age": vehicle_age,
                         "region": region, "age_band": pd.cut(age, _BANDS[0], labels=_BANDS[1]).astype(str),
                         "premium": premium.round(2)})


PREMIUM_CARD = {
    "intended_use": "the risk premium quoted for private motor insurance, before expenses and the insurer's margin",
    "out_of_scope_uses": "commercial fleets, motorcycles, and any renewal without a pricing analyst's review",
    "limitations": "fitted on one year's quotes; a book whose drivers or cars change needs a new fit",
    "training_data": "5,000 quotes of the 2025 book with their modelled risk premiums",
    "evaluation_data": "2,000 held-out quotes of the same book, scored by the gate",
    "ethical_considerations": "the driver's age band is protected: the model is not given it, and the mean "
                              "premium by band is judged at the gate and every night",
    "contact": "pricing@insurer.example"}


def motor_premium(seed: int = 41) -> Scenario:
    """The premium model: fair by age band at the gate; over October under-26s buy dearer cars and drive more,
    so the premiums quoted to them pull away from the other bands' (and stay apart through November). In November
    repair costs rise: the premiums the risk turns out to need climb up to 15% above what the inputs explain, so
    the error grows (decay), and the loss estimated without outcomes, which cannot see it, misses."""
    rng = np.random.default_rng(seed)
    monitoring, labels = _feed(rng, lambda shift: _premium_frame(rng, DAILY, young_shift=shift), 0.9, "quoted_at",
                               "premium", "Q", inflation=0.15)
    return Scenario(
        name="motor_premium", label="premium", features=PREMIUM_FEATURES, sensitive=("age_band",),
        reference=_premium_frame(rng, 5000), evaluation=_premium_frame(rng, 2000), monitoring=monitoring,
        labels=labels, id_column="decision_id",
        tags={"governance.owner": "pricing@insurer.example", "governance.use_case": "private motor insurance premiums",
              "governance.risk_tier": "high", "governance.timestamp": "quoted_at"},
        estimator="linear_regression", card=PREMIUM_CARD)


def _offer_frame(rng: np.random.Generator, n: int, income_gap: float = 0.0) -> pd.DataFrame:
    """Customers and the product a relationship manager would offer next; `income_gap` lowers women's incomes."""
    sex = rng.choice(["female", "male"], n)
    income = rng.lognormal(10.6, 0.35, n) * (1 - income_gap * (sex == "female"))
    balance = rng.gamma(2.0, 3000.0, n)
    tenure = rng.gamma(2.0, 3.0, n).round(1)
    channel = rng.choice(["branch", "app", "phone"], n, p=[0.3, 0.55, 0.15])
    logits = np.column_stack([
        3.0 * (np.log(income) - 10.6) + 0.00025 * balance - 1.0,  # savings
        1.2 - 0.35 * tenure + 0.8 * (channel == "app"),  # loan
        np.zeros(n)])  # card
    product = np.array(["savings", "loan", "card"])[(logits + rng.gumbel(size=(n, 3)) * 0.6).argmax(axis=1)]
    return pd.DataFrame({"income": income.round(0), "balance": balance.round(2), "tenure_years": tenure,
                         "channel": channel, "sex": sex, "product": product})


OFFER_CARD = {
    "intended_use": "the product a relationship manager offers an existing customer next",
    "out_of_scope_uses": "credit decisions: it suggests an offer, an application is judged on its own",
    "limitations": "learnt from one year's accepted offers; products launched since are unknown to it",
    "training_data": "5,000 customers with the product they took up in 2025",
    "evaluation_data": "2,000 held-out customers of the same year, scored by the gate",
    "ethical_considerations": "sex is protected: the model is not given it, and the rate of each offer by sex is "
                              "judged at the gate and every night",
    "contact": "crm-analytics@bank.example"}


def next_best_offer(seed: int = 43) -> Scenario:
    """The offer model: even-handed by sex at the gate; over October the feed's women earn less than the men it
    was trained on, so they are offered savings accounts less often."""
    rng = np.random.default_rng(seed)
    monitoring, labels = _feed(rng, lambda shift: _offer_frame(rng, DAILY, income_gap=shift), 0.35, "offered_at",
                               "product", "O")
    return Scenario(
        name="next_best_offer", label="product", features=OFFER_FEATURES, sensitive=("sex",),
        reference=_offer_frame(rng, 5000), evaluation=_offer_frame(rng, 2000), monitoring=monitoring,
        labels=labels, id_column="decision_id",
        tags={"governance.owner": "crm-analytics@bank.example",
              "governance.use_case": "next product offered to existing customers",
              "governance.risk_tier": "high", "governance.timestamp": "offered_at"},
        estimator="multinomial", card=OFFER_CARD)


def task_fleet() -> list[Scenario]:
    """The demo's models that are not binary classifiers."""
    return [motor_premium(), next_best_offer()]
