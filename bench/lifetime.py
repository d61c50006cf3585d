"""The lifetime sequences' cost on night 10 and night 365 of a deployment, at the same daily volume.

    .venv/bin/python bench/lifetime.py [--rows N]

N rows a day (default 20,000), outcomes five days late, three groups; the tier's lifetime decay (accuracy,
recall) and both lifetime fairness gaps. govflow continues the sequences from the state the last night kept
(checks/lifetime_state.py); the reference is the same judgement recomputed from the first day, as every
night did before. The state a night starts from is built outside the timing, as the last run left it. Only
the sequences are timed; bench/night_age.py times a whole night, which reads only the periods it needs.
"""

from __future__ import annotations

import argparse

from harness import measure

NIGHTS = (10, 365)
LAG = 5


def _year(rows: int, nights: int):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    days = []
    for day in range(nights + 1):
        label = rng.integers(0, 2, rows)
        pred = np.where(rng.random(rows) < 0.85, label, 1 - label)
        frame = pd.DataFrame({"sex": rng.choice(["f", "m", "x"], rows, p=[0.45, 0.45, 0.1]), "pred": pred,
                              "label": label.astype(float) if day <= nights - LAG else np.nan})
        days.append((f"day-{day:03d}", frame))
    return days


def _rules():
    from govflow.checks.policy import LifetimeDecayRule, LifetimeFairnessRule
    from govflow.checks.policy.sections import FairnessChecks

    fairness = FairnessChecks.model_validate({
        "min_group_size": 30, "max_groups": 50, "min_class_count": 5, "resamples": 200, "seed": 0,
        "on_straddle": "INCONCLUSIVE", "compare": "between_groups", "ece_bins": 10,
        "demographic_parity_difference": {"max": 0.1}, "equal_opportunity_difference": {"max": 0.1}})
    return (LifetimeDecayRule(alpha=0.05, max_worsening={"accuracy": 0.05, "recall": 0.05}), fairness,
            LifetimeFairnessRule(alpha=0.05, gaps=("demographic_parity_difference", "equal_opportunity_difference")))


def make_data(rows: int, night: int, continued: bool):
    import pandas as pd

    from govflow.checks.lifetime import continue_decay, continue_fairness
    from govflow.checks.lifetime_state import LifetimeState

    periods = _year(rows, night)
    decay, fairness, gaps = _rules()
    reference = pd.DataFrame({"sex": ["f", "m", "x"] * 1000})
    state = LifetimeState()
    if continued:  # what the last night kept
        before = [(name, rows.assign(label=float("nan")) if i > night - 1 - LAG else rows)
                  for i, (name, rows) in enumerate(periods[:night])]
        _, _, kept_decay = continue_decay(before, "label", "pred", {"accuracy": 0.85, "recall": 0.85}, decay, None)
        _, _, kept_gaps = continue_fairness(reference, before, "label", "pred", ["sex"], fairness, gaps, {})
        state = LifetimeState(kept_decay, kept_gaps)
    return periods, reference, state, (decay, fairness, gaps)


def night(periods, reference, state, rules):
    from govflow.checks.lifetime import continue_decay, continue_fairness

    decay, fairness, gaps = rules
    found, _, _ = continue_decay(periods, "label", "pred", {"accuracy": 0.85, "recall": 0.85}, decay, state.decay)
    judged, _, _ = continue_fairness(reference, periods, "label", "pred", ["sex"], fairness, gaps, state.fairness)
    return found + judged


def summarise(results) -> str:
    return ", ".join(f"{r.check_id.split('.')[-1]} n={r.n}" for r in results)


def warm(fn) -> None:
    pass


def main() -> None:
    from harness import last_summary

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20_000, help="rows a day")
    rows = parser.parse_args().rows
    print(f"lifetime decay and fairness sequences, {rows:,} rows a day, outcomes {LAG} days late")
    print(f"{'night':>6} {'continued':>16} {'recomputed':>16} {'ratio':>8}")
    seen = {}
    for n in NIGHTS:
        went_on, went_on_mib = measure("lifetime", "night", (rows, n, True), repeats=15)  # milliseconds: best of 15
        taken = last_summary()
        again, again_mib = measure("lifetime", "night", (rows, n, False))
        assert last_summary() == taken, "continued and recomputed judged different rows"
        seen[n] = went_on
        print(f"{n:>6} {went_on:>8.3f} s {went_on_mib:>4.0f} MiB {again:>8.3f} s {again_mib:>4.0f} MiB "
              f"{again / went_on:>7.1f}x")
    print(f"night {NIGHTS[1]} against night {NIGHTS[0]}, continued: {seen[NIGHTS[1]] / seen[NIGHTS[0]]:.2f}x "
          f"(the target is at most 1.2x)")


if __name__ == "__main__":
    main()
