"""Completeness: every registered check id is exercised by some test (Evidently's `test_all_presets_tested`)."""

from pathlib import Path

import pytest

from govflow.checks import CHECKS

TESTS = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("check_id", sorted(CHECKS))
def test_every_check_has_a_test(check_id):
    sources = [p.read_text() for p in TESTS.rglob("test_*.py") if p.name != "test_registry.py"]
    assert any(check_id in text for text in sources), f"no test mentions {check_id}"
