"""A generative-AI application's lifetime rates continued from the counts the last run kept
(checks/genai_lifetime.py) equal the rates recomputed from every closed period's answers: a year of weekly
periods whose answers start to leak personal data in the autumn, the counts through their evidence file's
JSON each night."""

import json

import numpy as np
import pandas as pd

from govflow.checks.genai_lifetime import continue_rates, lifetime_rates, rates_basis
from govflow.checks.lifetime_state import LifetimeState, resume
from govflow.checks.manifest import canonical_json
from govflow.checks.policy.genai_rules import GenaiChecks
from govflow.checks.results import Status

GENAI = GenaiChecks.model_validate({
    "pii_leak_rate": {"max": 0.01, "min_samples": 50}, "refusal_rate": {"max": 0.2, "min_samples": 50},
    "lifetime": {"alpha": 0.05, "metrics": ["pii_leak_rate", "refusal_rate"]}})


def _weeks(rng) -> list[tuple[str, pd.DataFrame]]:
    return [(f"2026-W{w:02d}", pd.DataFrame({"pii_leak_rate": (rng.random(300) < (0.08 if w > 36 else 0.0)),
                                             "refusal_rate": (rng.random(300) < 0.05)}).astype(float))
            for w in range(1, 53)]


def test_a_year_of_continued_counts_equals_the_rates_recomputed():
    weeks, carried, statuses = _weeks(np.random.default_rng(4)), None, set()
    basis = rates_basis(GENAI, {"answers": "default", "output_format": None})
    for night in range(1, len(weeks) + 1):
        closed = weeks[:night - 1]  # the open week is not judged over the life
        resumed = resume(carried, basis, closed)
        if carried is not None:
            assert resumed.start is not None and len(resumed.todo) == 1
        results, kept = continue_rates(resumed, resumed.todo, GENAI, basis)
        assert results == lifetime_rates(closed, GENAI), night
        statuses |= {(r.check_id, r.status) for r in results}
        state = LifetimeState(genai=kept).document("run-before", [])
        carried = LifetimeState.from_document(json.loads(canonical_json(state))).genai
    assert ("genai.lifetime.pii_leak_rate", Status.PASS) in statuses
    assert ("genai.lifetime.pii_leak_rate", Status.FAIL) in statuses
    assert ("genai.lifetime.pii_leak_rate", Status.INCONCLUSIVE) in statuses


def test_other_scorer_settings_score_every_closed_period_again():
    weeks = _weeks(np.random.default_rng(5))[:10]
    basis = rates_basis(GENAI, {"answers": "default", "output_format": None})
    _, kept = continue_rates(resume(None, basis, weeks), weeks, GENAI, basis)
    stricter = GenaiChecks.model_validate({**GENAI.model_dump(mode="json"), "pii_leak_rate": {"max": 0.005,
                                                                                             "min_samples": 50}})
    again = resume(kept, rates_basis(stricter, {"answers": "default", "output_format": None}), weeks)
    assert again.start is None and len(again.todo) == 10 and "another policy" in (again.why_over or "")
    assert resume(kept, rates_basis(GENAI, {"answers": "default", "output_format": "json"}), weeks).start is None
