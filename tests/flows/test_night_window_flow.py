"""A monitoring night that reads only the periods it needs (checks/night_window.py) records what a night
reading every production row records: the credit model (high tier: every lifetime check) twelve weeks into
its life, in a data dir of its own. The first night judges ten weeks; two more weeks of batches and their
outcomes arrive; the second night is judged once from its window and once from every row, and every result
and evidence file must agree, while the window leaves whole weeks unread."""

import json

import numpy as np
import pytest

from govflow.checks.lifetime_state import LIFETIME_STATE
from govflow.checks.night_window import NightWindow
from tests.flows.conftest import own_data_dir

DAYS, FIRST_NIGHT = 84, 69


def _long_life():
    from govflow.demo.data import MONITORING_START, _credit_feed, credit_scoring

    base = credit_scoring()
    monitoring, labels = _credit_feed(np.random.default_rng(5), MONITORING_START, DAYS,
                                      np.linspace(0, 0.6, DAYS), "L")
    return type(base)(**{**base.__dict__, "name": "credit_long_life", "monitoring": monitoring, "labels": labels})


@pytest.fixture(scope="module")
def second_night(tmp_path_factory):
    """The deployment's data dir after its first night, with two more weeks of batches and outcomes."""
    from mlflow import MlflowClient

    from govflow.demo.data import MONITORING_START
    from govflow.demo.seed import seed_fleet, write_datasets
    from govflow.flows.gate import registration_gate
    from govflow.flows.nightly import monitor_night

    scenario = _long_life()
    def day(n: int):
        return (MONITORING_START + np.timedelta64(n, "D")).date()

    with own_data_dir(tmp_path_factory.mktemp("long-life")) as settings:
        client = MlflowClient(settings.resolved_tracking_uri)
        (seeded,) = seed_fleet(client, settings.datasets_dir, settings.local_artifact_root, scenarios=[scenario],
                               through=day(FIRST_NIGHT))
        registration_gate(seeded.model, seeded.version)
        client.set_registered_model_alias(seeded.model, "champion", seeded.version)
        first = monitor_night(seeded.model, seeded.version)
        write_datasets(scenario, settings.datasets_dir, through=day(DAYS - 1))
        yield seeded.model, seeded.version, first


def _judge(model: str, version: str):
    """The second night's results and evidence files, as `monitor_night` computes them before recording."""
    from govflow.checks.periods import monitoring_start
    from govflow.flows import monitoring as step
    from govflow.flows.nightly import _tabular_night
    from govflow.flows.subject import resolve_subject
    from govflow.tasks.registry import read_past_run

    ctx = resolve_subject(model, version)
    previous = read_past_run(ctx.uri, ctx.tags.last_monitor_run)
    out = step.Collected()
    _tabular_night(ctx, monitoring_start(previous.tags if previous else None),
                   read_past_run(ctx.uri, ctx.tags.last_gate_run), out)
    return out


def test_the_night_from_its_window_records_what_every_row_gives(second_night, monkeypatch):
    from govflow.flows import nightly

    model, version, _ = second_night
    windowed = _judge(model, version)
    monkeypatch.setattr(nightly, "read_window", lambda *_: NightWindow(None, why="every row, for the comparison"))
    every = _judge(model, version)
    state, whole = json.loads(windowed.files[LIFETIME_STATE]), json.loads(every.files[LIFETIME_STATE])
    assert state["rows_read"]["periods_not_read"] >= 4 and whole["rows_read"]["periods_not_read"] == 0
    assert state["rows_read"]["rows_from"] is not None
    # The sequences went on from the first night's state, as the whole read's did.
    assert any(line.startswith("performance.lifetime: continued after") for line in state["tonight"])
    assert {k: v for k, v in state.items() if k != "rows_read"} == {k: v for k, v in whole.items() if k != "rows_read"}
    assert windowed.results == every.results
    ids = {r.check_id for r in windowed.results}
    assert {"drift.lifetime", "performance.lifetime.accuracy", "fairness.lifetime.demographic_parity_difference",
            "performance.decay.auc", "explainability.stability"} <= ids
    # Great Expectations stamps each suite and validation with fresh ids and times, Evidently its page's
    # elements with fresh ids: compare what they found (Evidently's JSON report is compared whole).
    gx, fresh = "evidence/great_expectations/", {LIFETIME_STATE, "evidence/evidently/drift_report.html"}
    assert {k: v for k, v in windowed.files.items() if k not in fresh and not k.startswith(gx)} == {
        k: v for k, v in every.files.items() if k not in fresh and not k.startswith(gx)}
    assert "evidence/evidently/drift_report.json" in windowed.files
    found = [{k: (json.loads(v).get("statistics"), json.loads(v).get("success")) for k, v in files.items()
              if k.startswith(gx)} for files in (windowed.files, every.files)]
    assert found[0] == found[1] and len(found[0]) >= 3
    assert windowed.inputs == every.inputs  # the fingerprints still cover every file


def test_a_sequence_that_starts_over_reads_every_row(second_night, monkeypatch):
    """A decay state kept under another basis (another policy, other columns) cannot be continued: the night
    reads every row and judges the life again, and says so."""
    from dataclasses import replace

    from govflow.flows import lifetime, nightly

    model, version, _ = second_night
    carried = lifetime.carried_lifetime

    def other_basis(uri, run_id):
        state = carried(uri, run_id)
        assert state.decay is not None
        return replace(state, decay=replace(state.decay, basis="another policy"))

    monkeypatch.setattr(nightly, "carried_lifetime", other_basis)
    restarted = _judge(model, version)
    state = json.loads(restarted.files[LIFETIME_STATE])
    assert state["rows_read"]["rows_from"] is None
    assert state["rows_read"]["why"].startswith("performance.lifetime started over")
    assert state["tonight"][0].startswith("performance.lifetime: started over (the last run's state was computed")
    monkeypatch.setattr(nightly, "read_window", lambda *_: NightWindow(None, why="every row"))
    assert _judge(model, version).results == restarted.results
