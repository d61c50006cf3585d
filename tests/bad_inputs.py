"""A corpus of bad inputs for the audit commands: each case writes its files and gives the CLI arguments and
the outcomes allowed (never PASS, never a traceback). Shared by the corpus test and bench/bad_inputs.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROWS = 2000
ERROR, INCONCLUSIVE, FAIL, USAGE = "ERROR", "INCONCLUSIVE", "FAIL", "USAGE"  # USAGE: exit 2, one line


def scored(seed: int = 0, rows: int = ROWS) -> pd.DataFrame:
    """A fair, well-formed file of predictions with two sensitive attributes."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 2, rows)
    score = np.clip(0.25 + 0.5 * label + rng.normal(0, 0.15, rows), 0, 1).round(4)
    return pd.DataFrame({"label": label, "prediction": (score >= 0.5).astype(int), "score": score,
                         "sex": rng.choice(["f", "m"], rows), "race": rng.choice(["a", "b", "c"], rows)})


def features(seed: int = 0, rows: int = ROWS) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"income": rng.normal(50_000, 10_000, rows).round(2), "age": rng.integers(18, 80, rows),
                         "region": rng.choice(["north", "south", "east"], rows)})


@dataclass(frozen=True)
class Case:
    id: str
    write: Callable[[Path], list[str]]  # writes the files into a folder; returns the CLI arguments
    allowed: frozenset[str]  # acceptable outcomes


def _csv(folder: Path, name: str, frame: pd.DataFrame) -> str:
    path = folder / name
    frame.to_csv(path, index=False)
    return str(path)


def fairness(change: Callable[[pd.DataFrame], pd.DataFrame], *extra: str, sensitive: str = "sex,race",
             score: bool = True) -> Callable[[Path], list[str]]:
    def write(folder: Path) -> list[str]:
        data = _csv(folder, "data.csv", change(scored()))
        return ["audit", "fairness", "--data", data, "--label", "label", "--prediction", "prediction",
                "--sensitive", sensitive, *(["--score", "score"] if score else []), "--tier", "high", *extra]
    return write


def drift(change: Callable[[pd.DataFrame], pd.DataFrame], *extra: str,
          reference: Callable[[pd.DataFrame], pd.DataFrame] = lambda f: f) -> Callable[[Path], list[str]]:
    def write(folder: Path) -> list[str]:
        ref = _csv(folder, "reference.csv", reference(features(0)))
        cur = _csv(folder, "current.csv", change(features(1)))
        return ["audit", "drift", "--reference", ref, "--current", cur, "--tier", "high", *extra]
    return write


def _set(column: str, values) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        frame[column] = values(frame) if callable(values) else values
        return frame
    return change


def _null_share(column: str, share: float) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy().astype({column: object})
        frame.loc[frame.index[: int(len(frame) * share)], column] = None
        return frame
    return change


def _text_in(column: str, every: int, text: str = "n/a") -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy().astype({column: object})
        frame.loc[frame.index[::every], column] = text
        return frame
    return change


def _raw(name: str, data: bytes, args: Callable[[str], list[str]]) -> Callable[[Path], list[str]]:
    def write(folder: Path) -> list[str]:
        (folder / name).write_bytes(data)
        return args(str(folder / name))
    return write


def _duplicated_header() -> bytes:
    """A file whose header names `sex` twice: a reader that renames one (`sex.1`) judges the wrong column."""
    frame = scored().head(400)
    body = frame[["label", "prediction", "sex", "race"]].to_csv(index=False, header=False)
    return ("label,prediction,sex,sex\n" + body).encode()


def amounts(seed: int = 0, rows: int = ROWS) -> pd.DataFrame:
    """A fair, well-formed file of continuous decisions (offered limits) and the limits that were needed."""
    rng = np.random.default_rng(seed)
    needed = rng.gamma(4.0, 1500.0, rows).round(2)
    return pd.DataFrame({"needed": needed, "offered": (needed * rng.normal(1.0, 0.1, rows)).round(2),
                         "sex": rng.choice(["f", "m"], rows)})


def continuous(change: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Path], list[str]]:
    def write(folder: Path) -> list[str]:
        data = _csv(folder, "limits.csv", change(amounts()))
        return ["audit", "fairness", "--task", "regression", "--data", data, "--label", "needed", "--prediction",
                "offered", "--sensitive", "sex", "--tier", "high"]
    return write


def offers(seed: int = 0, rows: int = ROWS) -> pd.DataFrame:
    """A fair, well-formed file of products offered and the product each customer took up."""
    rng = np.random.default_rng(seed)
    taken = rng.choice(["card", "loan", "savings"], rows)
    offered = np.where(rng.random(rows) < 0.8, taken, rng.choice(["card", "loan", "savings"], rows))
    return pd.DataFrame({"taken": taken, "offered": offered, "sex": rng.choice(["f", "m"], rows)})


def classes(change: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Path], list[str]]:
    def write(folder: Path) -> list[str]:
        data = _csv(folder, "offers.csv", change(offers()))
        return ["audit", "fairness", "--task", "multiclass", "--data", data, "--label", "taken", "--prediction",
                "offered", "--sensitive", "sex", "--tier", "high"]
    return write


def _fair_args(path: str) -> list[str]:
    return ["audit", "fairness", "--data", path, "--label", "label", "--prediction", "prediction", "--sensitive", "sex"]


S = frozenset
CASES = [
    # Fairness: a sensitive feature that cannot be compared.
    Case("fairness.single_group", fairness(_set("sex", "f"), sensitive="sex"), S({INCONCLUSIVE, ERROR})),
    Case("fairness.sensitive_all_null", fairness(_set("sex", None), sensitive="sex"), S({INCONCLUSIVE, ERROR, USAGE})),
    Case("fairness.sensitive_mostly_null", fairness(_null_share("sex", 0.9), sensitive="sex"),
         S({INCONCLUSIVE, ERROR, FAIL})),
    Case("fairness.high_cardinality", fairness(_set("sex", lambda f: [f"id{i}" for i in range(len(f))]),
                                               sensitive="sex"), S({INCONCLUSIVE, ERROR, USAGE})),
    Case("fairness.2000_groups", fairness(_set("sex", lambda f: [f"g{i % 2000}" for i in range(len(f))]),
                                          sensitive="sex"), S({INCONCLUSIVE, ERROR, USAGE})),
    Case("fairness.continuous_sensitive", fairness(_set("sex", lambda f: np.linspace(0, 1, len(f))),
                                                   sensitive="sex"), S({INCONCLUSIVE, ERROR, USAGE})),
    # Fairness: outcomes that leave rates undefined.
    Case("fairness.all_labels_0", fairness(_set("label", 0)), S({INCONCLUSIVE, ERROR, USAGE})),
    Case("fairness.all_labels_1", fairness(_set("label", 1)), S({INCONCLUSIVE, ERROR, USAGE})),
    Case("fairness.all_predictions_0", fairness(_set("prediction", 0)), S({INCONCLUSIVE, ERROR, FAIL})),
    Case("fairness.predictions_are_probabilities", fairness(_set("prediction", lambda f: f["score"])),
         S({ERROR, USAGE})),
    Case("fairness.labels_minus_one_and_one", fairness(_set("label", lambda f: f["label"] * 2 - 1)), S({ERROR, USAGE})),
    Case("fairness.one_row", fairness(lambda f: f.head(1)), S({INCONCLUSIVE, ERROR, USAGE})),
    Case("fairness.ten_rows", fairness(lambda f: f.head(10)), S({INCONCLUSIVE, ERROR})),
    # Fairness: columns that are not what they claim.
    Case("fairness.label_three_values", fairness(_set("label", lambda f: np.arange(len(f)) % 3)), S({ERROR, USAGE})),
    Case("fairness.label_text", fairness(_set("label", lambda f: np.where(f["label"] == 1, "yes", "no"))),
         S({ERROR, USAGE})),
    Case("fairness.label_with_nulls", fairness(_null_share("label", 0.3)), S({ERROR, USAGE})),
    Case("fairness.label_all_null", fairness(_set("label", None)), S({ERROR, USAGE})),
    Case("fairness.prediction_with_nulls", fairness(_null_share("prediction", 0.3)), S({ERROR, USAGE})),
    Case("fairness.prediction_text_mixed", fairness(_text_in("prediction", 7)), S({ERROR, USAGE})),
    Case("fairness.score_above_1", fairness(_set("score", lambda f: f["score"] * 10)), S({ERROR, USAGE})),
    Case("fairness.score_with_nulls", fairness(_null_share("score", 0.3)), S({ERROR, USAGE})),
    Case("fairness.score_text_mixed", fairness(_text_in("score", 9)), S({ERROR, USAGE})),
    Case("fairness.missing_label_column", fairness(lambda f: f.drop(columns="label")), S({USAGE})),
    Case("fairness.missing_sensitive_column", fairness(lambda f: f.drop(columns="race")), S({USAGE})),
    Case("fairness.no_sensitive_named", fairness(lambda f: f, sensitive=" , "), S({USAGE})),
    Case("fairness.header_only", fairness(lambda f: f.head(0)), S({USAGE, ERROR})),
    Case("fairness.empty_file", _raw("data.csv", b"", _fair_args), S({USAGE})),
    Case("fairness.binary_garbage", _raw("data.csv", bytes(range(256)) * 8, _fair_args), S({USAGE})),
    Case("fairness.no_such_file", lambda folder: _fair_args(str(folder / "absent.csv")), S({USAGE})),
    Case("fairness.unknown_tier", fairness(lambda f: f, "--tier", "platinum"), S({USAGE})),
    # Drift: columns emptied, partly emptied, or retyped.
    Case("drift.current_column_all_null", drift(_set("income", None)), S({ERROR, FAIL, INCONCLUSIVE})),
    Case("drift.reference_column_all_null", drift(lambda f: f, reference=_set("income", None)),
         S({ERROR, FAIL, INCONCLUSIVE})),
    Case("drift.third_of_column_null", drift(_null_share("income", 1 / 3)), S({FAIL})),
    # CSV readers take "n/a" for a missing value, so the column stays numeric with a fifth of it missing.
    Case("drift.numbers_and_na_text", drift(_text_in("income", 5)), S({FAIL})),
    Case("drift.numbers_and_dash_text", drift(_text_in("age", 11, "-")), S({ERROR, USAGE})),
    Case("drift.numeric_became_text", drift(_set("age", lambda f: f["age"].map(lambda a: f"{a} years"))),
         S({ERROR, USAGE, FAIL})),
    Case("drift.infinities", drift(_set("income", lambda f: f["income"].where(f.index % 3 > 0, np.inf))),
         S({ERROR, FAIL, USAGE})),
    Case("drift.new_categories_only", drift(_set("region", "atlantis")), S({FAIL})),
    Case("drift.one_current_row", drift(lambda f: f.head(1)), S({INCONCLUSIVE, ERROR, FAIL})),
    Case("drift.current_header_only", drift(lambda f: f.head(0)), S({USAGE})),
    Case("drift.reference_header_only", drift(lambda f: f, reference=lambda f: f.head(0)), S({USAGE})),
    Case("drift.reference_is_garbage", _raw("reference.csv", bytes(range(256)) * 8, lambda path: [
        "audit", "drift", "--reference", path, "--current", path]), S({USAGE})),
    Case("drift.no_shared_column", drift(lambda f: f.rename(columns=lambda c: c + "_x")), S({USAGE})),
    Case("drift.missing_named_column", drift(lambda f: f, "--columns", "income,debt"), S({USAGE})),
    Case("drift.all_columns_null", drift(lambda f: f.assign(income=None, age=None, region=None)),
         S({ERROR, FAIL, INCONCLUSIVE})),
    # Issue 27: inputs that passed or crashed through the real CLI.
    Case("fairness.all_labels_0_low_tier", fairness(_set("label", 0), "--tier", "low"), S({INCONCLUSIVE, ERROR, USAGE})),
    Case("fairness.all_labels_0_medium_tier", fairness(_set("label", 0), "--tier", "medium"),
         S({INCONCLUSIVE, ERROR, USAGE})),
    Case("fairness.duplicated_column", _raw("data.csv", _duplicated_header(), _fair_args), S({USAGE})),
    Case("drift.duplicated_column", _raw("current.csv", _duplicated_header(), lambda path: [
        "audit", "drift", "--reference", path, "--current", path]), S({USAGE})),
    Case("drift.current_constant_numeric", drift(_set("income", 50_000.0)), S({FAIL})),
    Case("drift.current_constant_integer", drift(_set("age", 40)), S({FAIL})),
    Case("drift.current_constant_category", drift(_set("region", "north")), S({FAIL})),
    Case("drift.category_over_255_values", drift(_set("region", lambda f: [f"r{800 + i % 1602}" for i in range(len(f))]),
                                                 reference=_set("region", lambda f: [f"r{i % 1602}" for i in
                                                                                     range(len(f))])),
         S({FAIL, ERROR, INCONCLUSIVE})),
    Case("drift.numeric_reference_text_current", drift(_set("income", lambda f: [f"inc-{i}" for i in range(len(f))])),
         S({ERROR, USAGE, FAIL})),
    Case("drift.date_column", drift(_set("age", lambda f: pd.date_range("2026-01-01", periods=len(f), freq="h")
                                         .strftime("%Y-%m-%d %H:%M")),
                                    reference=_set("age", lambda f: pd.date_range("2025-01-01", periods=len(f),
                                                                                  freq="h").strftime("%Y-%m-%d %H:%M"))),
         S({ERROR, USAGE, FAIL, INCONCLUSIVE})),
    Case("drift.thousands_separators", drift(_set("income", lambda f: f["income"].map(lambda v: f"{v:,.2f}"))),
         S({ERROR, USAGE, FAIL})),
    # Continuous decisions (--task regression): amounts that are not numbers, and outcomes that set no scale.
    Case("continuous.label_text", continuous(_set("needed", lambda f: f["needed"].map(lambda v: f"£{v:,.2f}"))),
         S({ERROR, USAGE})),
    Case("continuous.prediction_with_nulls", continuous(_null_share("offered", 0.2)), S({ERROR, USAGE})),
    Case("continuous.decisions_are_classes", continuous(_set("offered", lambda f: np.where(f.index % 2, "yes", "no"))),
         S({ERROR, USAGE})),
    Case("continuous.outcomes_all_zero", continuous(_set("needed", 0.0)), S({USAGE})),
    Case("continuous.one_group", continuous(_set("sex", "f")), S({INCONCLUSIVE, ERROR})),
    # Decisions among classes (--task multiclass): empty decisions or outcomes, one group, one class.
    Case("classes.prediction_with_nulls", classes(_null_share("offered", 0.2)), S({ERROR, USAGE})),
    Case("classes.label_with_nulls", classes(_null_share("taken", 0.1)), S({ERROR, USAGE})),
    Case("classes.one_group", classes(_set("sex", "f")), S({INCONCLUSIVE, ERROR})),
]
