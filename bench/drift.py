"""Drift on large frames: govflow's per-feature drift against Evidently's DataDriftPreset, same run.

    .venv/bin/python bench/drift.py [--rows N]

Twenty columns (twelve continuous, two integer counts, six categorical), reference and current of N
rows each; both sides use Evidently's default methods (normed Wasserstein, Jensen-Shannon). Evidently
also builds its report model, which govflow does not; the comparison is the time to the per-column
scores and verdicts. The scores of both are compared at the end.
"""

from __future__ import annotations

from harness import last_summary, measure, report, rows_argument


def make_data(rows: int):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)

    def frame(shift: float):
        data = {f"x{i}": rng.normal(shift * i / 10, 1, rows) for i in range(12)}
        data |= {f"n{i}": rng.poisson(3 + shift * i, rows) for i in range(2)}
        data |= {f"c{i}": rng.choice([f"v{j}" for j in range(3 + i)], rows) for i in range(5)}
        data["c5"] = rng.choice(list("xyz"), rows, p=[0.5 - shift / 4, 0.3, 0.2 + shift / 4])
        return pd.DataFrame(data)

    return frame(0.0), frame(0.2)


def _rules():
    from govflow.checks.policy import DriftChecks, DriftEffects, DriftThresholds, MaximumRule, Rule

    return DriftChecks(min_samples=100, report_rows=1000, seed=1,
                       thresholds=DriftThresholds(wasserstein=0.1, jensenshannon=0.1, psi=0.1, ks=0.05, chisquare=0.05, z=0.05),
                       min_effect=DriftEffects(ks=0.1, chisquare=0.1, z=0.05),
                       feature=Rule(blocking=False), share=MaximumRule(max=0.5))


def govflow_drift(reference, current):
    from govflow.checks.drift import drift_report

    return drift_report(reference, current, list(reference.columns), _rules())


def evidently_preset(reference, current):
    from evidently import Report
    from evidently.presets import DataDriftPreset

    return Report([DataDriftPreset()]).run(current, reference).dict()


def summarise(result) -> dict[str, float]:
    """Column -> drift score, from either side's result."""
    if isinstance(result, dict):
        return {m["config"]["column"]: float(m["value"]) for m in result["metrics"] if "column" in m["config"]}
    return {row["column"]: row["score"] for row in result.features}


def warm(fn) -> None:
    fn(*make_data(2000))


def main() -> None:
    rows = rows_argument(__doc__)
    print(f"rows={rows:,} per side, 20 columns")
    ours = measure("drift", "govflow_drift", (rows,))
    ours_scores = last_summary()
    ref = measure("drift", "evidently_preset", (rows,), repeats=1)
    ref_scores = last_summary()
    report("per-feature drift with Evidently's default methods", ("govflow", ours), ("evidently DataDriftPreset", ref))
    worst = max(abs(ours_scores[c] - ref_scores[c]) / max(abs(ref_scores[c]), 1e-300) for c in ref_scores)
    print(f"  scores: {len(ref_scores)} columns, largest relative difference {worst:.2e}")


if __name__ == "__main__":
    main()
