"""The steps of one version's monitoring pass: production data and the reference in, one check family's
results out, per period. flows/nightly.py runs them in order.

Each step composes tasks (the I/O) and checks (the statistics) and adds results and evidence files to a
`Collected`; nothing here computes a statistic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import pandas as pd

from govflow.checks.check_registry import judges
from govflow.checks.data_validation import (
    check_readable,
    compare_columns,
    derive_expectations,
    judge_validation,
    unique_expectations,
)
from govflow.checks.decay import validation_baseline
from govflow.checks.drift import drift_report, output_drift, shared_columns
from govflow.checks.evidence_documents import column_summary
from govflow.checks.explainability import stability_result
from govflow.checks.governance_tags import VersionTags
from govflow.checks.manifest import canonical_json
from govflow.checks.model_task import ModelTask, declared_task
from govflow.checks.monitoring_plan import decay_window, report_not_asked
from govflow.checks.multivariate import domain_classifier
from govflow.checks.night_window import rows_from
from govflow.checks.periods import ALL_PERIODS, join_labels, labelled_window, split_periods
from govflow.checks.policy import Policy, TierPolicy
from govflow.checks.results import CheckResult, Status, not_run
from govflow.checks.task_judging import (
    ScoredRows,
    logged_rows,
    needs_class_probabilities,
    period_fairness,
    period_performance,
    window_decay,
)
from govflow.datasets import Among, Since
from govflow.tasks.data import load_dataset
from govflow.tasks.probes import explain_model
from govflow.tasks.reports import render_evidently_drift
from govflow.tasks.scoring import LoadedModel, Scored, fetch_model, predict
from govflow.tasks.validation import run_expectations_by_period

Periods = list[tuple[str, pd.DataFrame]]


@dataclass
class Collected:
    """What a monitoring pass has found so far: results, evidence files, and the inputs' fingerprints."""

    results: list[CheckResult] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)

    def add(self, results: Iterable[CheckResult], period: str = ALL_PERIODS) -> None:
        """Add results, stamped with the period they judge (none when judging the whole data)."""
        self.results += [r if period == ALL_PERIODS else r.model_copy(update={"period": period}) for r in results]


class Scorer:
    """The registered model, loaded at most once per pass, adding its outputs to frames that lack them."""

    def __init__(self, uri: str, model: str, version: str, tags: VersionTags):
        self._where, self._tags = (uri, model, version), tags
        self._loaded: LoadedModel | None = None

    def model(self) -> LoadedModel:
        """The registered model, loaded on first use."""
        if self._loaded is None:
            self._loaded = fetch_model(*self._where)
        return self._loaded

    def with_outputs(self, frame: pd.DataFrame) -> tuple[pd.DataFrame | None, str | None]:
        """The frame with prediction (and score) columns, as logged or as the model scores it; else why not."""
        prediction, score = self._tags.columns.prediction, self._tags.columns.score
        if prediction in frame.columns:
            return frame, None
        loaded = self.model()
        if loaded.error:
            return None, loaded.error
        scored = predict(loaded, frame, exclude=tuple(self._tags.columns.declared()))
        if scored.error:
            return None, scored.error
        frame = frame.assign(**{prediction: scored.decisions(declared_task(self._tags.task) is ModelTask.REGRESSION)})
        if scored.score is not None and score:
            frame = frame.assign(**{score: scored.score})
        return frame, None

    def probabilities(self, frame: pd.DataFrame) -> tuple[Scored | None, str | None]:
        """A multiclass model's class probabilities for the frame's rows, as the model gives them (logged
        decisions carry none); else why not."""
        loaded = self.model()
        if loaded.error:
            return None, loaded.error
        scored = predict(loaded, frame, exclude=tuple(self._tags.columns.declared()))
        if scored.error or scored.proba is None:
            return None, scored.error or "the model gives no class probabilities"
        return scored, None


def load_production(tags: VersionTags, scorer: Scorer, out: Collected, check_ids: list[str],
                    since: str | None = None) -> pd.DataFrame | None:
    """The production rows stamped from `since` on (every row when None: checks/night_window.py), labels
    joined where they have arrived and model outputs present; None when unusable, and then each of
    `check_ids` gets an ERROR result saying why."""
    timestamp = tags.columns.timestamp
    monitoring = load_dataset(tags.data.monitoring, Since(timestamp, since) if since and timestamp else None)
    out.add(check_readable("monitoring", monitoring.uri, monitoring.rows, monitoring.error, empty=Status.INCONCLUSIVE))
    if not monitoring.has_rows:
        out.add(not_run(check_ids, "no monitoring data"))
        return None
    out.inputs["monitoring_data"] = monitoring.fingerprint or ""
    frame, label = rows_from(monitoring.table, timestamp, since), tags.columns.label
    if labels_uri := tags.data.labels:
        id_column = tags.columns.id_column
        # A night reading its latest periods reads only their outcomes from a feed as long as the deployment.
        labels = load_dataset(labels_uri, among=Among(id_column, frame[id_column].unique().tolist())
                              if since and id_column in frame.columns else None)
        out.add(check_readable("labels", labels.uri, labels.rows, labels.error))
        if labels.has_rows:
            out.inputs["labels_data"] = labels.fingerprint or ""
            try:
                frame = join_labels(frame, labels.table, tags.columns.id_column, label)
            except ValueError as exc:
                out.add(not_run(check_ids, str(exc)))
                return None
    scored, error = scorer.with_outputs(frame)
    if scored is None:
        out.add(not_run(check_ids, error or "the model gave no outputs"))
        return None
    if label and label not in scored.columns:
        scored = scored.assign(**{label: None})  # outcomes not yet known: judge what needs none
    return scored


def load_reference(tags: VersionTags, out: Collected, check_ids: list[str]) -> pd.DataFrame | None:
    """The reference (training / validation) data the production data is compared with."""
    reference = load_dataset(tags.data.reference)
    out.add(check_readable("reference", reference.uri, reference.rows, reference.error))
    if not reference.has_rows:
        out.add(not_run(check_ids, "reference data is needed"))
        return None
    out.inputs["reference_data"] = reference.fingerprint or ""
    return reference.frame


def split(frame: pd.DataFrame, timestamp: str | None, freq: str, out: Collected,
          check_ids: list[str]) -> Periods | None:
    """Every row in its calendar period; None, with each of `check_ids` an ERROR, when the timestamps are bad."""
    try:
        return split_periods(frame, timestamp, freq)
    except ValueError as exc:
        out.add(not_run(check_ids, str(exc)))
        return None


def validate(periods: Periods, columns: list[str], reference: pd.DataFrame, tags: VersionTags, tier: TierPolicy,
             suite_name: str, out: Collected) -> None:
    """Columns added or missing since the reference, then a Great Expectations suite derived from the
    reference run on every period's batches; failures summarised per column."""
    data_ids = [c for c in tier.enabled_check_ids("data") if c != "data.readable"]
    if not data_ids:
        return
    if tier.data.schema_ is not None:
        out.add(compare_columns(list(reference.columns), columns, tags.columns.not_features()))
    shared = shared_columns(list(reference.columns), columns, tags.columns.not_features())
    ids = [c for c in [tags.columns.id_column] if c in columns]
    expectations = derive_expectations(reference, shared, tier.data) + unique_expectations(ids, tier.data)
    checked = shared + [c for c in ids if c not in shared]
    runs = run_expectations_by_period([(period, rows[checked]) for period, rows in periods], expectations,
                                      suite_name)
    for period, run in runs.items():
        if run.error:
            out.add(not_run(data_ids, run.error), period)
            continue
        out.add(judge_validation(run.result), period)
        out.files.setdefault("evidence/great_expectations/suite.json", canonical_json(run.suite))
        name = period.replace("/", "_")
        out.files[f"evidence/great_expectations/validation_{name}.json"] = canonical_json(run.result)
    out.files["evidence/data_by_column.json"] = canonical_json(
        {"columns": column_summary(r for r in out.results if r.family == "data")})


def performance(periods: Periods, new: set[str], reference: pd.DataFrame, scorer: Scorer, tags: VersionTags,
                tier: TierPolicy, policy: Policy, baseline_metrics: dict[str, float] | None,
                out: Collected) -> list[str]:
    """Performance of every labelled period that is new or in the decay window, by the task's methods (a
    multiclass model's log loss on the class probabilities it gives for the rows), then decay over the window
    against the gate's figures; returns the new periods still awaiting labels (pending, not findings)."""
    label = tags.columns.label
    window = labelled_window(periods, label, decay_window(tier))
    in_window = {period for period, _ in window}
    reference_y = reference[label].to_numpy() if label in reference.columns else None
    pending = []
    for period, rows in periods:
        labelled = rows[rows[label].notna()]
        if labelled.empty:
            pending += [period] if period in new else []
            continue
        if period in new or period in in_window:
            judged = logged_rows(labelled, tags, reference_y)
            if needs_class_probabilities(tier):
                judged = _with_probabilities(judged, labelled, scorer)
            out.add(period_performance(judged, tier, policy.confidence), period)
    if window:
        pooled = pd.concat([rows for _, rows in window])
        out.add(window_decay(logged_rows(pooled, tags, reference_y), validation_baseline(baseline_metrics or {}),
                             tier, policy.confidence, [period for period, _ in window]))
    return pending


def _with_probabilities(judged: ScoredRows, rows: pd.DataFrame, scorer: Scorer) -> ScoredRows:
    """The rows with the class probabilities the model gives for them; when it gives none, log loss is
    INCONCLUSIVE saying why."""
    scored, why = scorer.probabilities(rows)
    if scored is None or scored.proba is None:
        return replace(judged, why_no_probabilities=f"the model gave none for these rows: {why}")
    return replace(judged, proba=scored.proba, proba_classes=scored.proba_classes, probabilities_expected=True)


def outcomes_known(periods: Periods, tags: VersionTags, earlier_labelled: bool = False) -> bool:
    """Whether any period holds a labelled row (one read tonight, or one before them: `earlier_labelled`):
    from then on performance and explanation stability are expected of the run, so a step that produced
    nothing blocks instead of passing by silence."""
    return earlier_labelled or bool(labelled_window(periods, tags.columns.label, 1))


def every_period(tags: VersionTags, scorer: Scorer, freq: str) -> Periods | None:
    """Every production row in its period, read again (its results were reported when the night first read
    it); None when it is unusable."""
    scratch = Collected()
    frame = load_production(tags, scorer, scratch, [])
    return split(frame, tags.columns.timestamp or None, freq, scratch, []) if frame is not None else None


def stability(periods: Periods, tags: VersionTags, tier: TierPolicy, policy: Policy, scorer: Scorer,
              approval: dict | None, out: Collected) -> None:
    """The importance ranking on the labelled window (the decay window's periods) against the one the gate
    recorded; nothing until outcomes arrive, like decay."""
    rules = tier.explainability
    if rules is None or rules.stability is None or not judges("explainability.stability", tier, tags):
        return
    label = tags.columns.label
    window = labelled_window(periods, label, decay_window(tier))
    if not window:
        return
    pooled = pd.concat([rows for _, rows in window], ignore_index=True)
    before = {r["feature"]: r["mean"] for r in approval["importance"]} if approval and "importance" in approval else None
    judged = [period for period, _ in window]
    if before is None or len(pooled) < rules.stability.min_samples:
        out.add([stability_result(before, {}, len(pooled), rules.stability)])
        return
    loaded = scorer.model()
    if loaded.error:
        out.add(not_run(["explainability.stability"], loaded.error))
        return
    exclude = tuple(tags.columns.declared()) + tuple(tags.columns.not_features())
    features = list(loaded.input_columns) or [c for c in pooled.columns if c not in exclude]
    probed = explain_model(loaded, pooled, pooled[label].to_numpy(), features, rules, policy.confidence, exclude,
                           tier.task)
    if "importance" not in probed.document:
        out.add(not_run(["explainability.stability"], probed.document.get("error", "importance not measured")))
        return
    after = {r["feature"]: r["mean"] for r in probed.document["importance"]}
    out.add([stability_result(before, after, len(pooled), rules.stability)])
    out.files["evidence/explainability/importance_recent.json"] = canonical_json({**probed.document, "periods": judged})


def fairness(periods: Periods, columns: list[str], reference: pd.DataFrame, tags: VersionTags, tier: TierPolicy,
             policy: Policy, out: Collected) -> None:
    """Group fairness per period by the task's methods; before a period's outcomes arrive, on every row's
    decision (selection rates, a regression's mean predictions)."""
    if tier.task_section("fairness") is None:
        return
    label = tags.columns.label
    sensitive = [c for c in tags.columns.declared() if c != label]
    if missing := [c for c in [label, *sensitive] if c not in columns]:
        out.add(not_run(tier.enabled_check_ids("fairness"), f"monitoring data lacks column(s) {missing}"))
        return
    reference_y = reference[label].to_numpy() if label in reference.columns else None
    groups = []
    for period, rows in periods:
        labelled = rows[rows[label].notna()]
        audited = labelled if len(labelled) else rows
        judged = period_fairness(logged_rows(audited, tags, reference_y), tier, policy.confidence,
                                 outcomes_known=bool(len(labelled)))
        out.add(judged.results, period)
        groups += [g if period == ALL_PERIODS else {**g, "period": period} for g in judged.group_rows]
    out.files["evidence/fairness_groups.json"] = canonical_json({"groups": groups})


def drift(periods: Periods, columns: list[str], reference: pd.DataFrame, scorer: Scorer, tags: VersionTags,
          tier: TierPolicy, out: Collected) -> None:
    """Per period: every feature against the reference (corrected across features), the model's outputs
    against its outputs on the reference, and the outcome rate once labels arrive."""
    rules = tier.drift
    if rules is None:
        return
    features = shared_columns(list(reference.columns), columns, tags.columns.not_features())
    if not features:
        out.add(not_run(tier.enabled_check_ids("drift"), "monitoring and reference data share no feature column"))
        return
    label, prediction, score = tags.columns.label, tags.columns.prediction, tags.columns.score
    scored_reference, why = (scorer.with_outputs(reference) if rules.prediction is not None else (None, None))
    rows_out = []
    for period, rows in periods:
        report = drift_report(reference, rows, features, rules)
        out.add(report.results, period)
        rows_out += [{**row, "period": period} for row in report.features]
        if rules.prediction is not None:
            if scored_reference is None:
                out.add([CheckResult(check_id="drift.prediction", status=Status.INCONCLUSIVE, message=(
                    f"the reference data has no column '{prediction}' and the model cannot score it: {why}"))],
                        period)
            else:
                output = score if score in rows.columns and score in scored_reference.columns else prediction
                result, row = output_drift("drift.prediction", output, scored_reference, rows, rules)
                out.add([result], period)
                rows_out.append({**row, "period": period})
        labelled = rows[rows[label].notna()] if label in rows.columns else rows.iloc[:0]
        if rules.label is not None and len(labelled):
            result, row = output_drift("drift.label", label, reference, labelled, rules)
            out.add([result], period)
            rows_out.append({**row, "period": period})
    out.files["evidence/drift_features.json"] = canonical_json({"features": rows_out})


def multivariate(periods: Periods, columns: list[str], reference: pd.DataFrame, tags: VersionTags,
                 tier: TierPolicy, policy: Policy, out: Collected) -> None:
    """Per period, a classifier trained to tell its rows from the reference's: a joint shift no single feature
    shows."""
    rule = tier.drift.multivariate if tier.drift else None
    if rule is None:
        return
    features = shared_columns(list(reference.columns), columns, tags.columns.not_features())
    documents = []
    for period, rows in periods:
        result, document = domain_classifier(reference, rows, features, rule, policy.confidence)
        out.add([result], period)
        documents.append({**document, "period": period})
    out.files["evidence/drift_multivariate.json"] = canonical_json({"periods": documents})


def evidently_report(frame: pd.DataFrame, reference: pd.DataFrame, tags: VersionTags, tier: TierPolicy,
                     out: Collected, periods: list[str] | None = None) -> None:
    """Evidently's drift report (HTML and JSON) on a seeded sample of the judged rows, as evidence; its
    `sample.json` says which periods the report pools, since the verdict judges each period on its own."""
    features = shared_columns(list(reference.columns), list(frame.columns), tags.columns.not_features())
    if tier.drift is None or not features or frame.empty:
        return
    window = {"periods": periods or [], "note": (
        "one report over every period this run judged, pooled and sampled; the verdict judges each period on its "
        "own (drift.feature and drift.share per period), so the report can differ from a period's result")}
    if (why_not := report_not_asked(tier.drift.report, out.results)) is not None:
        out.files["evidence/evidently/sample.json"] = canonical_json({"window": window, "not_rendered": why_not})
        return
    report = render_evidently_drift(reference, frame, features, tier.drift.report_rows, tier.drift.seed)
    out.files["evidence/evidently/sample.json"] = canonical_json({**report.sample, "window": window,
                                                                   "error": report.error})
    if report.error is None:
        out.files["evidence/evidently/drift_report.html"] = report.html
        out.files["evidence/evidently/drift_report.json"] = report.json
