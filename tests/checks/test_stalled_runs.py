"""Which stopped runs are set aside, worked by hand: only a dead run, with no head, whose version and flow have a
committed run other than itself."""

from govflow.checks.stalled_runs import OpenRun, Settlement, settlements

COMMITTED = {("1", "gate"): "won", ("1", "monitor"): "night"}


def test_a_dead_gate_whose_version_was_gated_is_superseded_by_the_gate_that_won():
    dead = OpenRun("lost", "1", "gate", "flow-a")
    assert settlements([dead], {"flow-a"}, set(), COMMITTED) == [Settlement("lost", "won")]


def test_runs_in_flight_unknown_committed_or_with_nothing_standing_for_them_are_left():
    runs = [
        OpenRun("in-flight", "1", "gate", "flow-b"),  # its flow run has not ended: it may still commit
        OpenRun("unknown", "1", "gate", None),  # no flow run named: nothing says it is dead
        OpenRun("headed", "1", "monitor", "flow-a"),  # it published its head: committed, completed later
        OpenRun("alone", "2", "gate", "flow-a"),  # nothing committed version 2's gate: the next gate completes it
        OpenRun("won", "1", "gate", "flow-a"),  # the committed run itself is never its own stand-in
    ]
    assert settlements(runs, {"flow-a"}, {"headed"}, COMMITTED) == []


def test_each_flow_of_a_version_is_stood_for_by_its_own_committed_run():
    runs = [OpenRun("g", "1", "gate", "f"), OpenRun("m", "1", "monitor", "f")]
    assert settlements(runs, {"f"}, set(), COMMITTED) == [Settlement("g", "won"), Settlement("m", "night")]
