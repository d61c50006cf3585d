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
