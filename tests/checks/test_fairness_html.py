from govflow.checks.fairness_html import fairness_html
from govflow.checks.results import CheckResult, Status

GROUPS = [
    {"feature": "sex", "group": "f<script>", "n": 10, "selection_rate": 0.25, "tpr": None,
     "ci": {"selection_rate": (0.1, 0.4), "tpr": None}, "inconclusive": {"tpr": "0 positives"}},
    {"feature": "sex", "group": "m", "n": 12, "selection_rate": 0.5, "tpr": 0.6,
     "ci": {"selection_rate": (0.3, 0.7), "tpr": (0.4, 0.8)}, "inconclusive": {}},
]


def test_page_has_a_chart_per_figure_and_every_result_escaped():
    result = CheckResult(check_id="fairness.demographic_parity_ratio", status=Status.FAIL, value=0.5, limit=0.8,
                         ci=(0.3, 0.7), group="sex", message="ratio & more")
    page = fairness_html("Fairness: m v1", GROUPS, [result])
    assert page.count("<svg") == 2
    assert "f&lt;script&gt;" in page and "<script>" not in page
    assert 'width="90.0"' in page and 'width="180.0"' in page  # 0.25 and 0.5 of the 360-pixel axis
    assert "undefined" in page  # the group with no TPR is shown as such, not as a zero bar
    assert "fairness.demographic_parity_ratio" in page and "ratio &amp; more" in page and "[0.3000, 0.7000]" in page


def test_a_regressions_groups_are_a_table_in_the_outcomes_units_and_failures_come_first():
    rows = [{"feature": "age_band", "group": "18-25", "n": 300, "mean_prediction": 912.5, "mae": 61.0,
             "mean_residual": 4.2, "left_out": None},
            {"feature": "age_band", "group": "61-80", "n": 20, "mean_prediction": 610.0, "mae": None,
             "mean_residual": None, "left_out": "fewer than 50 rows"}]
    passed = CheckResult(check_id="fairness.mae_difference", status=Status.PASS, value=3.0, group="age_band",
                         message="small")
    failed = CheckResult(check_id="fairness.mean_prediction_ratio", status=Status.FAIL, value=0.67, limit=0.8,
                         group="age_band", message="premiums apart")
    page = fairness_html("Fairness: motor_premium v1", rows, [passed, failed])
    assert "<svg" not in page  # no 0..1 axis fits a premium
    assert "<td>912.5</td>" in page and "61-80 (fewer than 50 rows)" in page and "mean prediction" in page
    assert page.index("fairness.mean_prediction_ratio") < page.index("fairness.mae_difference")


def test_a_multiclass_models_groups_are_charted_per_class():
    rows = [{"feature": "sex", "group": g, "class": c, "n": 500, "assigned_rate": rate, "recall": recall,
             "left_out": None}
            for g, c, rate, recall in (("f", "loan", 0.3, 0.8), ("m", "loan", 0.35, 0.85),
                                       ("f", "savings", 0.1, None), ("m", "savings", 0.3, None))]
    page = fairness_html("Fairness: next_best_offer v1", rows, [])
    assert "Class loan: rate of being assigned it" in page and "Class savings: rate of being assigned it" in page
    assert "Class loan: recall" in page and "Class savings: recall" not in page  # no outcome of it: not drawn
    assert page.count("<svg") == 3
    assert 'width="36.0"' in page  # 0.1 of the 360-pixel axis
