"""The nightly run over deployed versions: data validation, fairness, drift and decay per week on drifting
credit data, label-free checks before outcomes arrive, one broken model not stopping the rest, and a
rerun judging only the batches that arrived since."""

import json
from pathlib import Path

import mlflow.pyfunc
import pandas as pd
import pytest
from fairlearn.metrics import demographic_parity_ratio, equalized_odds_difference
from sklearn.metrics import roc_auc_score

from govflow.checks.periods import join_labels
from govflow.checks.results import Status
from govflow.flows.nightly import nightly_governance
from govflow.tasks.registry import UnknownModelVersion
from tests.evidence_check import assert_manifest_intact

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture(scope="module")
def deployed(fleet, client, signed_off):
    signed_off("credit_scoring")  # high risk by its assessment: its gate, signed off, is the decay baseline
    signed_off("loan_approval")  # a high-tier version serves only once signed off
    client.set_registered_model_alias("credit_scoring", "champion", fleet["credit_scoring"].version)
    client.set_registered_model_alias("loan_approval", "champion", fleet["loan_approval"].version)
    first = client.get_model_version("loan_approval", "1")
    broken = client.create_model_version("loan_approval", first.source, run_id=first.run_id,
                                         tags={"governance.monitoring_data": "/nonexistent/batches"})
    client.set_registered_model_alias("loan_approval", "challenger", broken.version)
    result = nightly_governance(["credit_scoring", "loan_approval"])
    assert result.gated[("loan_approval", str(broken.version))] == "BLOCKED"  # registered, never gated
    return {(o.model, o.version): o for o in result.monitored}, str(broken.version)


def test_every_deployed_version_is_monitored(deployed, fleet):
    outcomes, broken = deployed
    assert set(outcomes) == {("credit_scoring", fleet["credit_scoring"].version),
                             ("loan_approval", fleet["loan_approval"].version), ("loan_approval", broken)}


def test_one_broken_version_is_a_finding_and_the_rest_still_run(deployed):
    outcomes, broken = deployed
    bad = outcomes[("loan_approval", broken)]
    assert bad.verdict == "REJECTED"  # it serves as challenger though the gate did not approve it: critical
    serving = next(r for r in bad.results if r.check_id == "governance.serving")
    assert serving.status is Status.FAIL and "challenger" in serving.message and "status is BLOCKED" in serving.message
    readable = next(r for r in bad.results if r.check_id == "data.readable")
    assert readable.status is Status.ERROR and "/nonexistent/batches" in readable.message
    assert next(r for r in outcomes[("loan_approval", "1")].results
                if r.check_id == "governance.serving").status is Status.PASS
    assert outcomes[("loan_approval", "1")].verdict == "APPROVED"


def test_credit_fairness_per_week_matches_fairlearn(deployed, fleet, client, settings):
    outcome = deployed[0][("credit_scoring", fleet["credit_scoring"].version)]
    paths = fleet["credit_scoring"].data
    batches = pd.concat([pd.read_parquet(p) for p in sorted(paths["monitoring"].glob("*.parquet"))], ignore_index=True)
    frame = join_labels(batches, pd.read_parquet(paths["labels"]), "application_id", "default")
    model = mlflow.pyfunc.load_model(client.get_model_version_download_uri("credit_scoring", "1"))
    proba = model.predict(frame)
    frame["pred"], frame["score"] = proba.argmax(axis=1), proba[:, 1]
    frame["week"] = pd.to_datetime(frame["scored_at"]).dt.to_period("W").astype(str)
    ratios = {r.period: r for r in outcome.results
              if r.check_id == "fairness.demographic_parity_ratio" and r.group == "age_group"}
    assert len(ratios) == 5
    for week, rows in frame.groupby("week"):
        labelled = rows[rows["default"].notna()]
        judged = labelled if len(labelled) else rows
        expected = demographic_parity_ratio(judged["default"] if len(labelled) else judged["pred"], judged["pred"],
                                            sensitive_features=judged["age_group"])
        assert ratios[week].value == pytest.approx(expected, abs=1e-12), week
    odds = {r.period: r for r in outcome.results if r.check_id == "fairness.equalized_odds_difference"}
    first_week = frame[frame["week"] == min(frame["week"])]
    assert odds[min(odds)].value == pytest.approx(equalized_odds_difference(
        first_week["default"], first_week["pred"], sensitive_features=first_week["age_group"]), abs=1e-12)
    assert odds[max(odds)].status is Status.INCONCLUSIVE and "no labels have arrived" in odds[max(odds)].message
    aucs = {r.period: r.value for r in outcome.results if r.check_id == "performance.auc"}
    for week, rows in frame[frame["default"].notna()].groupby("week"):
        assert aucs[week] == pytest.approx(roc_auc_score(rows["default"].astype(int), rows["score"]), abs=1e-12)
    assert max(ratios) not in aucs  # the last week's labels have not arrived: pending, not judged
    history = client.get_metric_history(outcome.run_id, "fairness.demographic_parity_ratio.age_group")
    assert sorted(m.value for m in history) == sorted(r.value for r in ratios.values())
    assert_manifest_intact(client, outcome.run_id, settings.data_dir / "nightly-evidence")


def test_credit_drift_per_week_matches_evidently_and_grows(deployed, fleet):
    from evidently.legacy.calculations.stattests.wasserstein_distance_norm import _wasserstein_distance_norm
    from evidently.legacy.core import ColumnType

    outcome = deployed[0][("credit_scoring", fleet["credit_scoring"].version)]
    assert outcome.verdict == "REJECTED"
    shares = {r.period: r for r in outcome.results if r.check_id == "drift.share"}
    assert len(shares) == 5 and shares[max(shares)].value >= shares[min(shares)].value
    assert any(reason.startswith("drift.share in ") for reason in outcome.reasons)
    paths = fleet["credit_scoring"].data
    reference = pd.read_parquet(paths["reference"])
    batches = pd.concat([pd.read_parquet(p) for p in sorted(paths["monitoring"].glob("*.parquet"))], ignore_index=True)
    last_week = batches[pd.to_datetime(batches["scored_at"]).dt.to_period("W").astype(str) == max(shares)]
    expected, _ = _wasserstein_distance_norm(reference["utilization"], last_week["utilization"], ColumnType.Numerical, 0.1)
    got = next(r for r in outcome.results
               if r.check_id == "drift.feature" and r.column == "utilization" and r.period == max(shares))
    assert got.value == pytest.approx(expected, rel=1e-12) and got.status is Status.WARN  # non-blocking in medium


def test_evidentlys_report_is_evidence_with_its_sample_recorded(deployed, fleet, client, tmp_path):
    import json

    outcome = deployed[0][("credit_scoring", fleet["credit_scoring"].version)]
    manifest = assert_manifest_intact(client, outcome.run_id, tmp_path)
    assert {"evidence/evidently/drift_report.html", "evidence/evidently/drift_report.json",
            "evidence/evidently/sample.json"} <= set(manifest["artifacts"])
    verdict = json.loads((tmp_path / "evidence" / "verdict.json").read_text())
    assert verdict["periods_awaiting_labels"] == ["2026-10-26/2026-11-01"]
    sample = json.loads((tmp_path / "evidence" / "evidently" / "sample.json").read_text())
    from govflow.demo.data import CREDIT_DAILY

    assert sample["error"] is None and sample["current_rows"] == 30 * CREDIT_DAILY
    assert sample["current_sampled"] == min(sample["max_rows"], 30 * CREDIT_DAILY)
    # The report pools the run's periods; the verdict judges each: the evidence says which it pooled.
    judged = sorted({r.period for r in outcome.results if r.check_id == "drift.share"})
    assert sample["window"]["periods"] == judged and "pooled" in sample["window"]["note"]
    report = json.loads((tmp_path / "evidence" / "evidently" / "drift_report.json").read_text())
    assert report["metrics"]


def _credit_frame_scored(fleet, client):
    """The credit batches with labels joined and the model's outputs, computed here without govflow."""
    paths = fleet["credit_scoring"].data
    batches = pd.concat([pd.read_parquet(p) for p in sorted(paths["monitoring"].glob("*.parquet"))], ignore_index=True)
    frame = join_labels(batches, pd.read_parquet(paths["labels"]), "application_id", "default")
    model = mlflow.pyfunc.load_model(client.get_model_version_download_uri("credit_scoring", "1"))
    frame["score"] = model.predict(frame)[:, 1]
    frame["week"] = pd.to_datetime(frame["scored_at"]).dt.to_period("W").astype(str)
    reference = pd.read_parquet(paths["reference"])
    reference["score"] = model.predict(reference)[:, 1]
    return frame, reference


def test_credit_decay_over_the_last_labelled_weeks_against_the_gate_baseline(deployed, fleet, client):
    outcome = deployed[0][("credit_scoring", fleet["credit_scoring"].version)]
    frame, _ = _credit_frame_scored(fleet, client)
    labelled = frame[frame["default"].notna()]
    window = sorted(labelled["week"].unique())[-3:]
    pooled = labelled[labelled["week"].isin(window)]
    gate_run = client.get_model_version("credit_scoring", "1").tags["governance.last_gate_run"]
    baseline = client.get_run(gate_run).data.metrics["performance.auc"]
    decay = next(r for r in outcome.results if r.check_id == "performance.decay.auc")
    expected = baseline - roc_auc_score(pooled["default"].astype(int), pooled["score"])
    assert decay.value == pytest.approx(expected, abs=1e-12) and decay.n == len(pooled)
    # Worse than the limit allows, and surely worse than the baseline (the decay rule's FAIL).
    assert decay.status is Status.FAIL and decay.value > decay.limit and decay.ci[0] > 0
    assert any(reason.startswith("performance.decay.auc FAIL") for reason in outcome.reasons)
    metrics = client.get_run(outcome.run_id).data.metrics
    assert metrics["performance.decay.auc"] == pytest.approx(expected, abs=1e-12)


def test_credit_explanation_stability_against_the_gate_ranking_matches_scipy(deployed, fleet, client, tmp_path):
    from scipy.stats import spearmanr

    outcome = deployed[0][("credit_scoring", fleet["credit_scoring"].version)]
    frame, _ = _credit_frame_scored(fleet, client)
    labelled = frame[frame["default"].notna()]
    window = sorted(labelled["week"].unique())[-3:]
    stability = next(r for r in outcome.results if r.check_id == "explainability.stability")
    gate_run = client.get_model_version("credit_scoring", "1").tags["governance.last_gate_run"]
    at_gate = json.loads(Path(client.download_artifacts(
        gate_run, "evidence/explainability/importance.json", str(tmp_path))).read_text())
    recent = json.loads(Path(client.download_artifacts(
        outcome.run_id, "evidence/explainability/importance_recent.json", str(tmp_path))).read_text())
    assert recent["of_rows"] == len(labelled[labelled["week"].isin(window)]) == stability.n
    before = {r["feature"]: r["mean"] for r in at_gate["importance"]}
    after = {r["feature"]: r["mean"] for r in recent["importance"]}
    features = sorted(before)
    expected = spearmanr([before[f] for f in features], [after[f] for f in features]).statistic
    assert stability.value == pytest.approx(expected, abs=1e-9)
    assert stability.status is (Status.PASS if expected >= stability.limit else Status.FAIL)


def test_every_week_is_validated_by_great_expectations_with_the_suite_as_evidence(deployed, fleet, client, tmp_path):
    import json

    outcome = deployed[0][("credit_scoring", fleet["credit_scoring"].version)]
    manifest = assert_manifest_intact(client, outcome.run_id, tmp_path)
    weeks = sorted({r.period for r in outcome.results if r.check_id == "drift.share"})
    for week in weeks:
        assert f"evidence/great_expectations/validation_{week.replace('/', '_')}.json" in manifest["artifacts"]
        nulls = [r for r in outcome.results if r.check_id == "data.null_rate" and r.period == week]
        assert {r.column for r in nulls} >= {"income", "utilization", "channel"} and all(r.n for r in nulls)
    suite = json.loads((tmp_path / "evidence" / "great_expectations" / "suite.json").read_text())
    assert {e["meta"]["check_id"] for e in suite["expectations"]} == {
        "data.schema", "data.null_rate", "data.missing_share", "data.numeric_range", "data.category_set",
        "data.unique"}  # the high tier's, missing_share included
    ids = [r for r in outcome.results if r.check_id == "data.unique"]
    assert len(ids) == len(weeks) and {(r.column, r.status) for r in ids} == {("application_id", Status.PASS)}
    by_column = json.loads((tmp_path / "evidence" / "data_by_column.json").read_text())["columns"]
    assert by_column["utilization"]["worst"] == by_column["application_id"]["worst"] == "PASS"
    assert "scored_at" not in by_column  # time stamps are not data the model was built on


def test_prediction_and_label_drift_match_evidently(deployed, fleet, client):
    from evidently.legacy.calculations.stattests.jensenshannon import _jensenshannon
    from evidently.legacy.calculations.stattests.wasserstein_distance_norm import _wasserstein_distance_norm
    from evidently.legacy.core import ColumnType

    outcome = deployed[0][("credit_scoring", fleet["credit_scoring"].version)]
    frame, reference = _credit_frame_scored(fleet, client)
    predictions = {r.period: r for r in outcome.results if r.check_id == "drift.prediction"}
    labels = {r.period: r for r in outcome.results if r.check_id == "drift.label"}
    assert len(predictions) == 5 and set(labels) == set(frame.loc[frame["default"].notna(), "week"])
    for week, rows in frame.groupby("week"):
        expected, _ = _wasserstein_distance_norm(reference["score"], rows["score"], ColumnType.Numerical, 0.1)
        assert predictions[week].value == pytest.approx(expected, rel=1e-9), week
        if week in labels:
            outcomes = rows["default"].dropna()
            expected, _ = _jensenshannon(reference["default"], outcomes.astype(reference["default"].dtype),
                                         ColumnType.Categorical, 0.1)
            assert labels[week].value == pytest.approx(expected, rel=1e-9), week
    assert predictions[max(predictions)].status is Status.WARN  # drifted; informative in the high tier too


def test_credit_estimates_before_outcomes_match_nannyml_and_are_compared_once_outcomes_arrive(deployed, fleet,
                                                                                            client):
    """The last week has no outcome yet: its AUC is estimated (NannyML's CBPE on the same reference and rows is
    the oracle) and its equal-opportunity gap too; the labelled weeks set realised against estimated."""
    import nannyml as nml

    outcome = deployed[0][("credit_scoring", fleet["credit_scoring"].version)]
    frame, reference = _credit_frame_scored(fleet, client)
    waiting = sorted(frame.groupby("week").filter(lambda rows: rows["default"].isna().all())["week"].unique())
    assert waiting, "the demo data leaves the last week awaiting outcomes"
    estimated = {r.period: r for r in outcome.results if r.check_id == "performance.estimated.auc"}
    assert set(estimated) == set(waiting)
    week = waiting[-1]
    rows = frame[frame["week"] == week].assign(pred=lambda f: (f["score"] > 0.5).astype(int))
    cbpe = nml.CBPE(y_pred_proba="score", y_pred="pred", y_true="default", problem_type="classification_binary",
                    metrics=["roc_auc"], chunk_number=1)
    cbpe.fit(reference.assign(pred=(reference["score"] > 0.5).astype(int)))
    theirs = cbpe.estimate(rows).filter(period="analysis").to_df()[("roc_auc", "value")].iloc[0]
    assert estimated[week].value == pytest.approx(theirs, abs=0.005)
    assert "estimated (no outcomes yet)" in estimated[week].message
    gaps = {r.period for r in outcome.results if r.check_id == "fairness.estimated.equal_opportunity_difference"}
    assert gaps == set(waiting)
    compared = {r.period: r for r in outcome.results if r.check_id == "performance.estimation_error.auc"}
    labelled = frame[frame["default"].notna()]
    assert compared and set(compared) <= set(labelled["week"])
    for period, result in compared.items():
        rows = labelled[labelled["week"] == period]
        realised = roc_auc_score(rows["default"].astype(int), rows["score"])
        assert f"realised {realised:.4f}" in result.message, period
    # The credit model's outcomes drift from its scores: the estimate misses, and says so.
    assert any(r.status is Status.WARN for r in compared.values())
    ids = {r.check_id for r in outcome.results}
    assert {"drift.multivariate", "drift.lifetime", "performance.lifetime.accuracy",
            "fairness.lifetime.equal_opportunity_difference"} <= ids


def test_the_reports_entry_page_tells_the_truth_about_the_credit_model(deployed, tmp_path, open_page):
    """In Chromium: index.html does not call the credit model approved (its monitoring rejected it), its page
    shows the card the gate read from the file logged with the model, and its trends draw their checks' limits."""
    from govflow.flows.report import fleet_report
    from govflow.reports.pages import page_name

    fleet_report(str(tmp_path))
    index = open_page(tmp_path / "index.html")
    assert index.errors == []
    assert index.inventory_states("credit_scoring") == ("REJECTED", "APPROVED", "REJECTED")
    model = open_page(tmp_path / "models" / page_name("credit_scoring"))
    model.screenshot("demo-credit-scoring")
    assert model.errors == []
    body = model.page.inner_text("body")
    assert "probability of default behind credit-card limit decisions (model card file)" in body
    limits = model.page.evaluate("() => Array.from(document.querySelectorAll('svg.trend')).map(s => s.dataset.limit)")
    assert limits[0] == "0.3" and limits[2] == "0.75"  # drift.share's max and performance.auc's min, high tier


def test_unknown_model_is_bad_input():
    with pytest.raises(UnknownModelVersion, match="no_such_model"):
        nightly_governance(["no_such_model"])


def _monitor_runs(client, model):
    experiment = client.get_experiment_by_name("governance").experiment_id
    return sorted(r.info.run_id for r in client.search_runs(
        [experiment], f"tags.`governance.model` = '{model}' and tags.`governance.flow` = 'monitor'"))


def test_a_rerun_judges_only_the_batches_since_the_last_run(deployed, fleet, client):
    """Runs last in this module: it adds a batch to the credit data."""
    from govflow.demo.data import _credit_frame
    from govflow.flows.nightly import monitor_version

    version = fleet["credit_scoring"].version
    first = deployed[0][("credit_scoring", version)]
    through = client.get_run(first.run_id).data.tags["governance.monitored_through"]
    runs_before = _monitor_runs(client, "credit_scoring")
    again = monitor_version("credit_scoring", version)
    # The same window, inputs and policy: the first run's evidence stands and nothing new is written.
    assert again.reused and again.run_id == first.run_id and again.verdict == first.verdict
    assert {r.check_id for r in again.results} == {r.check_id for r in first.results}
    assert _monitor_runs(client, "credit_scoring") == runs_before

    import numpy as np

    batch = _credit_frame(np.random.default_rng(99), 250, shift=1.0).drop(columns="default")
    batch.insert(0, "application_id", [f"Z{i:04d}" for i in range(len(batch))])
    batch.insert(1, "scored_at", pd.Timestamp(through) + pd.Timedelta(hours=1))
    batch.to_parquet(fleet["credit_scoring"].data["monitoring"] / "batch_late.parquet", index=False)
    third = monitor_version("credit_scoring", version)
    shares = [r for r in third.results if r.check_id == "drift.share"]
    assert [(r.period, r.n) for r in shares] == [("2026-10-26/2026-11-01", 9)]
    features = [r for r in third.results if r.check_id == "drift.feature"]
    assert {r.n for r in features} == {250}  # only the new batch's rows
    tags = client.get_run(third.run_id).data.tags
    assert tags["governance.monitored_from"] == through
    assert tags["governance.monitored_through"] == (pd.Timestamp(through) + pd.Timedelta(hours=1)).isoformat()
    # The lifetime sequences went on from the count and sum the first run kept instead of starting over.
    kept, went_on = _lifetime_state(client, first.run_id), _lifetime_state(client, third.run_id)
    assert kept["read_from"] is None and went_on["read_from"] == first.run_id
    assert kept["tonight"][0].startswith("performance.lifetime: started over (no state from the last")
    assert any(line.startswith("performance.lifetime: continued after") for line in went_on["tonight"])
    assert went_on["decay"]["periods"][:len(kept["decay"]["periods"])] == kept["decay"]["periods"]


def _lifetime_state(client, run_id: str) -> dict:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return json.loads(Path(client.download_artifacts(run_id, "evidence/lifetime_state.json", folder)).read_text())


def test_two_versions_of_one_model_keep_one_intact_chain(deployed):
    """Both loan_approval versions were monitored (and one gated) in one night: one model's runs never
    run side by side, so its manifest chain has no fork."""
    from govflow.flows.evidence_audit import evidence_verification

    outcome = evidence_verification("loan_approval")
    assert outcome.runs >= 4 and outcome.problems == ()


def test_tag_filter_and_a_crashed_version_recorded_as_a_finding(deployed, fleet, client, monkeypatch):
    """Runs last in this module. Only the credit model's versions are chosen by tag (its owner); their monitoring
    crashes, and the crash is a governance run whose checks could not run, with findings for the owner."""
    import json

    from govflow.flows import nightly

    def crash(model, version):
        raise RuntimeError("the batch store is unreachable")

    monkeypatch.setattr(nightly, "monitor_in_night", crash)
    result = nightly.nightly_governance(["credit_scoring", "loan_approval"],
                                        {"governance.owner": "credit-decisioning@bank.example"})
    assert {o.model for o in result.monitored} == {"credit_scoring"} and result.gated == {}
    outcome = next(o for o in result.monitored if o.version == fleet["credit_scoring"].version)
    assert outcome.verdict == "BLOCKED" and "the batch store is unreachable" in outcome.error
    run = client.get_run(outcome.run_id)
    assert run.data.tags["governance.flow"] == "monitor" and run.data.tags["governance.verdict"] == "BLOCKED"
    path = client.download_artifacts(outcome.run_id, "evidence/findings.json")
    findings = json.loads(Path(path).read_text())["findings"]
    assert findings and {f["severity"] for f in findings} == {"major"}
    assert all(f["owner"] == "credit-decisioning@bank.example" for f in findings)
