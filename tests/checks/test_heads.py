"""The head log read back: heads, a torn last line, a healed torn line, a corrupt line in the middle."""

from govflow.checks.heads import Head, head_line, healed_line, parse_head_log


def _line(model: str, sequence: int) -> bytes:
    return head_line(Head(model, sequence, f"{sequence:064x}", f"r{sequence}", "2026-12-01T00:00:00+00:00"))


def test_heads_are_read_in_order_and_the_tip_is_the_highest_sequence():
    log = parse_head_log(_line("a", 1) + _line("b", 1) + _line("a", 2))
    assert [(h.model, h.sequence, h.line) for h in log.heads] == [("a", 1, 1), ("b", 1, 2), ("a", 2, 3)]
    assert log.tip("a").run_id == "r2" and log.tip("b").sequence == 1 and log.tip("c") is None
    assert log.defects == ()


def test_a_torn_last_line_is_an_interrupted_append_and_skipped():
    data = _line("a", 1) + _line("a", 2)[:30]
    log = parse_head_log(data, "heads.jsonl")
    assert [h.sequence for h in log.heads] == [1]
    (defect,) = log.defects
    assert defect.kind == "torn" and defect.line == 2 and "heads.jsonl line 2" in defect.message


def test_a_healed_torn_line_stays_a_note_and_later_heads_count():
    first = _line("a", 1)
    fragment = _line("a", 2)[:30]
    data = first + fragment + b"\n" + healed_line(len(first), fragment) + _line("a", 2)
    log = parse_head_log(data)
    assert [h.sequence for h in log.heads] == [1, 2]
    (defect,) = log.defects
    assert defect.kind == "torn" and defect.line == 2 and "accounted for it at line 3" in defect.message


def test_a_corrupt_line_in_the_middle_and_a_forged_heal_are_named_not_raised():
    data = _line("a", 1) + b"garbage\n" + _line("a", 2) + healed_line(0, b"nothing") + b'{"model": "a"}\n'
    log = parse_head_log(data)
    assert [h.sequence for h in log.heads] == [1, 2]
    assert [(d.kind, d.line) for d in log.defects] == [("corrupt", 2), ("corrupt", 4), ("corrupt", 5)]


def test_an_empty_log_has_no_heads():
    assert parse_head_log(b"").heads == () and parse_head_log(b"\n\n").defects == ()
