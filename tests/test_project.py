"""The project's promises about itself: README commands, CI, and deployable flows."""

import importlib
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    return re.findall(r"```bash\n(.+?)\n```", (ROOT / "README.md").read_text())


def test_readme_opens_with_demo_and_test_commands():
    demo, tests = _readme_commands()[:2]
    assert demo.endswith("govflow demo")
    assert tests.endswith("python -m pytest")
    assert "-c constraints.txt" in demo and "-c constraints.txt" in tests


def test_ci_runs_the_readme_test_command():
    assert _readme_commands()[1] in (ROOT / ".ci" / "run").read_text().splitlines()


def test_every_deployment_entrypoint_is_a_flow():
    from prefect import Flow
    from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule
    from prefect.events import DeploymentTriggerTypes
    from pydantic import TypeAdapter

    config = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    assert config["deployments"]
    for deployment in config["deployments"]:
        # Module paths, not files: a worker or `govflow serve` from a wheel finds them without a checkout.
        path, name = deployment["entrypoint"].rsplit(".", 1)
        assert path.startswith("govflow.flows."), deployment["entrypoint"]
        module = importlib.import_module(path)
        assert isinstance(getattr(module, name), Flow), deployment["name"]
        assert deployment["enforce_parameter_schema"] is True
        for trigger in deployment.get("triggers", []):
            TypeAdapter(DeploymentTriggerTypes).validate_python(trigger)
        for schedule in deployment.get("schedules", []):
            if "interval" in schedule:
                IntervalSchedule(interval=schedule["interval"])
            else:
                CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])


def test_the_demo_feed_holds_what_had_arrived_by_a_day(tmp_path):
    from datetime import date

    import pandas as pd

    from govflow.demo.data import CREDIT_DAILY, credit_scoring
    from govflow.demo.seed import write_datasets

    scenario = credit_scoring()
    paths = write_datasets(scenario, tmp_path)
    assert len(list(paths["monitoring"].iterdir())) == 30
    paths = write_datasets(scenario, tmp_path, through=date(2026, 10, 11))  # earlier batches are taken back
    assert max(p.name for p in paths["monitoring"].iterdir()) == "batch_2026-10-11.parquet"
    assert len(list(paths["monitoring"].iterdir())) == 11
    labels = pd.read_parquet(paths["labels"])
    assert len(labels) == CREDIT_DAILY and (labels["label_arrived_at"] == pd.Timestamp("2026-10-11")).all()
