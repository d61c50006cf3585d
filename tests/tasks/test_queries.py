"""Filters with hostile names (issue 28, item 1), against a real local MLflow store: a quote in a model name
neither breaks a search nor rewrites it; a name with both quotes is refused by the filter builder and still
found by the registry's fallback."""

import pytest
from mlflow import MlflowClient

from govflow.tasks.queries import UnquotableName, quoted, runs_of
from govflow.tasks.registry import current_version, versions_of
from govflow.tasks.runs import committed_run_of, has_recorded_runs, open_governance_run

HOSTILE = ["o'brien", 'say "hi"', "x' and tags.`governance.model` != '", "back\\slash", "plain"]


def test_a_value_takes_the_quote_it_does_not_hold_and_both_are_refused():
    assert quoted("plain") == "'plain'" and quoted("o'brien") == '"o\'brien"' and quoted('a "b"') == "'a \"b\"'"
    with pytest.raises(UnquotableName, match="both ' and"):
        quoted("""it's "odd\"""")


def test_hostile_names_find_their_own_runs_and_versions_only(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(uri)
    runs = {}
    for name in HOSTILE:
        run = open_governance_run.fn(uri, "governance", tmp_path / "artifacts", name, "1", "gate", "flow-run")
        client.set_tag(run.run_id, "governance.manifest_sha256", "0" * 64)
        runs[name] = run.run_id
        client.create_registered_model(name)
        client.create_model_version(name, source=str(tmp_path))
    experiment = client.get_experiment_by_name("governance").experiment_id
    for name in HOSTILE:
        found = client.search_runs([experiment], runs_of(name))
        assert [r.info.run_id for r in found] == [runs[name]], name  # its own run, and no other
        assert has_recorded_runs.fn(uri, "governance", name)
        assert committed_run_of.fn(uri, "governance", name, "1", "gate").run_id == runs[name]
        assert [v.name for v in versions_of(client, name)] == [name] and current_version(client, name) == "1"
    both = """it's "odd\""""
    client.create_registered_model(both)
    client.create_model_version(both, source=str(tmp_path))
    assert [v.name for v in versions_of(client, both)] == [both]  # found without a filter that cannot hold it
