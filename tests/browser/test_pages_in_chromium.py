"""The report's pages in headless Chromium: no console error, charts drawn, the filter and sorting work,
and the edge cases (no runs, missing evidence, unknown owner) shown as such. Screenshots are kept in
tests/artifacts/screenshots."""

from datetime import UTC, date, datetime

import pytest

from govflow.demo.report_fleet import synthetic_fleet
from govflow.reports.pages import build_site, page_name


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    files = build_site(synthetic_fleet(12, 90), date(2026, 1, 30), date(2025, 12, 31),
                       datetime(2026, 1, 30, tzinfo=UTC)).files
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


def drawn(page, selector: str) -> int:
    """How many charts matching `selector` have a drawn line, dot or bar of non-zero size."""
    return page.evaluate("""sel => Array.from(document.querySelectorAll(sel)).filter(svg => {
        const marks = svg.querySelectorAll('polyline, circle, rect:not(.frame)');
        return Array.from(marks).some(m => { const b = m.getBBox(); return b.width > 0 || b.height > 0; });
    }).length""", selector)


def test_dashboard_renders_its_charts_without_console_errors(site, open_page):
    opened = open_page(site / "dashboard.html")
    opened.screenshot("synthetic-dashboard")
    assert opened.errors == []
    assert opened.page.locator("#inventory-table tbody tr").count() == 12
    assert drawn(opened.page, "svg.trend") == 11 * 3  # model_001 has no runs: its three charts say so
    assert opened.page.locator("svg.trend .empty").count() == 3
    assert drawn(opened.page, "svg.bars") == 1


def test_the_filter_narrows_the_inventory_and_the_trend_cards(site, open_page):
    page = open_page(site / "dashboard.html").page
    page.fill("#filter", "unknown owner")
    assert page.locator("#inventory-table tbody tr:visible").count() == 1
    assert page.locator("#inventory-table tbody tr:visible td").first.inner_text() == "model_000"
    assert page.locator("#shown").inner_text() == "1"
    assert page.locator(".card[data-filter]:visible").count() == 1
    page.fill("#filter", "")
    assert page.locator("#inventory-table tbody tr:visible").count() == 12


def test_sorting_by_a_numeric_column_orders_the_rows(site, open_page):
    page = open_page(site / "dashboard.html").page
    header = page.locator("#inventory-table th", has_text="Open findings")
    header.click()
    header.click()  # descending
    # Open findings is the tenth column, after Status, Gate and Monitoring.
    counts = [int(t) for t in page.locator("#inventory-table tbody tr td:nth-child(11)").all_inner_texts()]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]


@pytest.mark.parametrize(("model", "shown"), [
    ("model_001", "No governance runs yet"),
    ("model_002", "evidence is incomplete"),
    ("model_000", "unknown owner"),
    ("model_003", "Checks, by family"),
])
def test_model_pages_open_and_show_their_case(site, open_page, model, shown):
    opened = open_page(site / "models" / page_name(model))
    opened.screenshot(f"synthetic-{model}")
    assert opened.errors == []
    assert shown in opened.page.inner_text("body")
    if model == "model_003":
        assert drawn(opened.page, "svg.trend") == 3 and drawn(opened.page, "svg.intervals") >= 2


def test_register_lists_open_findings_and_keeps_closed_ones_folded(site, open_page):
    opened = open_page(site / "register.html")
    opened.screenshot("synthetic-register")
    assert opened.errors == []
    page = opened.page
    open_rows = page.locator("#register-table tbody tr")
    assert open_rows.count() == 3 and page.locator("#closed-table tbody tr:visible").count() == 0
    page.click("#closed summary")
    closed = page.locator("#closed-table tbody tr:visible").count()
    assert closed > 10
    page.fill("#filter", "model_003")
    assert page.locator("#register-table tbody tr:visible").count() == 1
    assert 0 < page.locator("#closed-table tbody tr:visible").count() < closed
    header = page.locator("#closed-table th", has_text="Opened")
    header.click()
    opened_days = page.locator("#closed-table tbody tr:visible td:nth-child(8)").all_inner_texts()
    assert opened_days == sorted(opened_days)
    summary = open_page(site / "summary.html")
    assert summary.errors == [] and summary.page.locator("#top-risks tbody tr").count() == 3


def test_a_console_error_is_caught(tmp_path, open_page):
    broken = tmp_path / "broken.html"
    broken.write_text("<html><body><script>undefinedFunction()</script></body></html>")
    assert any("undefinedFunction" in e for e in open_page(broken).errors)
