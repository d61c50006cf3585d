"""The demo's story as data: the order of its steps and the environment it leaves behind. The story told end
to end is tests/browser/test_demo_in_uis.py and tests/test_wheel.py."""

import os

import pytest

from govflow.demo import history, story
from govflow.demo.data import demo_fleet
from govflow.settings import Settings


def test_the_autumn_runs_forward_in_time_and_ends_with_the_reporting_night():
    moments = [step.at for step in story.AUTUMN]
    assert moments == sorted(moments)
    assert isinstance(story.AUTUMN[0], story.Register)
    last = story.AUTUMN[-1]
    assert isinstance(last, story.Night) and last.report and last.at == history.FINAL_NIGHT
    assert [s for s in story.AUTUMN if isinstance(s, story.Night) and s.report] == [last]  # one refresh, at the end


def test_the_owner_notes_a_finding_only_before_the_retrained_version_exists():
    retrain = next(s.at for s in story.AUTUMN if isinstance(s, story.Retrain))
    nights = [s for s in story.AUTUMN if isinstance(s, story.Night)]
    assert {s.note for s in nights if s.at < retrain} == {True}
    assert {(s.note, s.retrained) for s in nights if s.at > retrain} == {(False, True)}


def test_the_complaint_names_a_model_the_story_registers():
    complaint = next(s for s in story.AUTUMN if isinstance(s, story.Complaint))
    assert complaint.model in {scenario.name for scenario in demo_fleet()}
    assert any(item["severity"] == "high" for item in complaint.items)  # the one that opens a finding


def test_the_demo_waiver_is_in_force_for_the_story_only(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVFLOW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("GOVFLOW_WAIVERS_FILE", raising=False)
    settings = Settings()
    with story.demo_environment(settings) as written:
        assert written is not None and os.environ["GOVFLOW_WAIVERS_FILE"] == str(written)
        assert history.DEMO_WAIVER["check"] in written.read_text()
    assert "GOVFLOW_WAIVERS_FILE" not in os.environ


def test_a_waivers_file_the_user_set_is_left_alone(tmp_path, monkeypatch):
    mine = tmp_path / "mine.yaml"
    monkeypatch.setenv("GOVFLOW_WAIVERS_FILE", str(mine))
    with story.demo_environment(Settings()) as written:
        assert written is None
    assert os.environ["GOVFLOW_WAIVERS_FILE"] == str(mine)


def test_a_story_without_a_final_night_is_refused_before_anything_runs():
    with pytest.raises(ValueError, match="must end with a night"):
        next(story._stand_again(object(), (story.Register(history.SEEDED_AT),)))  # type: ignore[arg-type]


def test_the_story_feeds_a_regression_and_a_multiclass_model_to_its_last_night(tmp_path):
    from govflow.demo.task_data import task_fleet

    assert {"motor_premium", "next_best_offer"} <= {s.name for s in history.Feed.generate(tmp_path).fleet}
    last = str(history.night_before(history.FINAL_NIGHT))
    for scenario in task_fleet():
        assert scenario.estimator in ("linear_regression", "multinomial")
        assert max(scenario.monitoring) == last, scenario.name  # no night finds its feed run dry
