"""Benchmark the gate's statistics against the reference libraries, measured in the same run.

    .venv/bin/python bench/gate_checks.py [--rows N]

Each measurement runs in a fresh process. It reports wall time (best of 3) and the peak
resident memory added over the process's baseline after the data is built.
"""

from __future__ import annotations

from harness import measure, report, rows_argument


def make_data(rows: int):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, rows)
    score = np.round(np.clip(0.3 * y + rng.normal(0.35, 0.2, rows), 0, 1), 4)
    frame = pd.DataFrame({f"x{i}": rng.normal(size=rows) for i in range(6)})
    frame["x0"] = frame["x0"].mask(rng.random(rows) < 0.01)
    for i in range(4):
        frame[f"c{i}"] = rng.choice(["a", "b", "c", "d"], rows)
    return y, score, frame


def _ours_auc(y, score, frame):
    from govflow.checks.performance import auc_delong

    return auc_delong(y, score)


def _sklearn_auc(y, score, frame):
    from sklearn.metrics import roc_auc_score

    return roc_auc_score(y, score)


def _gx_validation(y, score, frame):
    from govflow.checks.data_validation import derive_expectations, judge_validation
    from govflow.checks.policy import CategorySetRule, DataChecks, NullRateRule, NumericRangeRule
    from govflow.tasks.validation import run_expectations

    rules = DataChecks(null_rate=NullRateRule(max_increase=0.02),
                       numeric_range=NumericRangeRule(tolerance=0.1, max_outside=0.01),
                       category_set=CategorySetRule(max_unseen=0.0))
    expectations = derive_expectations(frame, list(frame.columns), rules)
    return judge_validation(run_expectations.fn(frame, expectations, "bench").result)


def _pandas_validation(y, score, frame):
    """The same shares computed directly: the floor GX's overhead is measured against."""
    out = {}
    for col in frame:
        s = frame[col]
        out[col] = s.isna().mean()
        values = s.dropna()
        if s.dtype.kind == "f":
            low, high = values.min(), values.max()
            pad = (high - low) * 0.1
            out[col, "range"] = ((values < low - pad) | (values > high + pad)).mean()
        else:
            out[col, "set"] = (~values.isin(values.unique())).mean()
    return out


def warm(fn) -> None:
    y, score, frame = make_data(1000)
    fn(y, score, frame)


def main() -> None:
    rows = rows_argument(__doc__)
    print(f"rows={rows:,}")
    pairs = [
        ("AUC + DeLong variance (govflow) vs roc_auc_score (scikit-learn)", "_ours_auc", "_sklearn_auc"),
        ("data validation, 10 columns: Great Expectations vs direct pandas", "_gx_validation", "_pandas_validation"),
    ]
    for label, ours, ref in pairs:
        report(label, (ours[1:], measure("gate_checks", ours, (rows,))), (ref[1:], measure("gate_checks", ref, (rows,))))


if __name__ == "__main__":
    main()
