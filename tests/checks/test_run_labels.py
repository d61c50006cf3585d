"""A run's governance tags parsed once (issue 29, item 1): the labels every layer reads."""

from govflow.checks.run_labels import RunLabels


def test_a_committed_run_s_labels_and_an_incomplete_run_s():
    committed = RunLabels.parse({"governance.model": "m", "governance.version": "2", "governance.flow": "monitor",
                                 "governance.verdict": "REJECTED", "governance.sequence": "7",
                                 "governance.manifest_sha256": "ab" * 32, "governance.completed_from_head": "true",
                                 "governance.monitored_through": "2026-11-30", "governance.risk_tier": "high"})
    assert (committed.model, committed.version, committed.flow, committed.verdict, committed.sequence) == (
        "m", "2", "monitor", "REJECTED", "7")
    assert committed.committed and committed.completed_from_head and committed.risk_tier == "high"
    assert committed.monitored_through == "2026-11-30" and committed.label("sequence") == "7"
    stopped = RunLabels.parse({"governance.model": "m", "governance.manifest_sha256": "",
                               "governance.superseded_by": "r9"})
    assert not stopped.committed and stopped.superseded_by == "r9" and stopped.version == ""
    assert stopped.label("verdict") is None and stopped.label("model") == "m"
