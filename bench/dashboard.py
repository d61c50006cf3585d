"""The fleet dashboard at scale: 500 models with a year of nightly runs, rendered, then opened in headless
Chromium, against the same trend charts drawn by Plotly (its usual offline HTML) in the same run.

    .venv/bin/python bench/dashboard.py [--models 500] [--days 365] [--repeats 3]

Rendering: `build_site` on the run records (dashboard, register, summary and every model's page) against
Plotly's `to_html` of the same 3 x 500 trend series (60 points each, what the dashboard draws); time and
peak memory, each in a fresh process. In the browser: from navigation to every chart drawn, the JS heap
after load, and for the dashboard and the register the time a filter keystroke and a column sort take. Pages are kept in
bench/results/dashboard/.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

from harness import measure

OUT = Path(__file__).parent / "results" / "dashboard"
AS_OF, SINCE = date(2026, 11, 1), date(2026, 10, 2)
SERIES = ("drift.share", "fairness.demographic_parity_ratio", "performance.auc")


def make_data(models: int, days: int):
    from govflow.demo.report_fleet import synthetic_fleet

    return (synthetic_fleet(models, days),)


def warm(fn) -> None:
    fn(make_data(3, 5)[0])


def render_govflow(evidence) -> dict[str, bytes]:
    from govflow.reports.pages import build_site

    return build_site(evidence, AS_OF, SINCE, datetime(2026, 11, 1, tzinfo=UTC)).files


def render_plotly(evidence) -> dict[str, bytes]:
    """The same dashboard trends (60 points a series) as Plotly figures in one offline HTML page."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from govflow.checks.fleet_view import trends
    from govflow.reports.pages import DASHBOARD_POINTS

    series = trends(evidence.runs, max_points=DASHBOARD_POINTS)
    parts = []
    for i, facts in enumerate(evidence.models):
        fig = make_subplots(rows=1, cols=3, subplot_titles=SERIES)
        for col, name in enumerate(SERIES, start=1):
            points = series.get(facts.model, {}).get(name, [])
            fig.add_trace(go.Scatter(x=[p[0] for p in points], y=[p[1] for p in points], mode="lines"), row=1, col=col)
        fig.update_layout(height=160, width=900, showlegend=False, title_text=facts.model, margin={"t": 40, "b": 20})
        parts.append(fig.to_html(full_html=False, include_plotlyjs=(i == 0)))
    page = "<!doctype html><html><head><meta charset='utf-8'></head><body>" + "".join(parts) + "</body></html>"
    return {"dashboard.html": page.encode()}


def summarise(files: dict[str, bytes]) -> dict:
    OUT.mkdir(parents=True, exist_ok=True)
    target = OUT / ("plotly" if len(files) == 1 else "govflow")
    shutil.rmtree(target, ignore_errors=True)
    for rel, data in files.items():
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        (target / rel).write_bytes(data)
    models = [len(v) for k, v in files.items() if k.startswith("models/")]
    return {"dashboard": len(files["dashboard.html"]), "total": sum(len(v) for v in files.values()),
            "register": len(files.get("register.html", b"")), "largest_model_page": max(models, default=0),
            "folder": str(target)}


def _browser_figures(page_path: Path, charts_selector: str, expected: int, repeats: int, interact: bool) -> dict:
    """Best of `repeats` cold loads: ms from navigation until `expected` charts are drawn, and the JS heap."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from playwright.sync_api import sync_playwright

    from tests.chromium import CHROMIUM_FLAGS, chromium_executable

    best: dict = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_FLAGS)
        for _ in range(repeats):
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))  # noqa: B023
            start = time.perf_counter()
            page.goto(page_path.as_uri(), wait_until="load", timeout=600_000)
            page.wait_for_function(f"document.querySelectorAll({charts_selector!r}).length >= {expected}",
                                   timeout=600_000)
            page.evaluate("document.body.offsetHeight")  # layout done
            figures = {"to_charts_ms": (time.perf_counter() - start) * 1000,
                       "load_event_ms": page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"),
                       "js_heap_mib": page.evaluate("performance.memory.usedJSHeapSize") / 2**20,
                       "errors": len(errors)}
            if interact and page.locator("#filter").count():
                figures["filter_ms"] = page.evaluate("""() => { const f = document.getElementById('filter');
                    const t = performance.now(); f.value = 'owner3'; f.dispatchEvent(new Event('input'));
                    document.body.offsetHeight; return performance.now() - t; }""")
                figures["sort_ms"] = page.evaluate("""() => { const th = document.querySelector('table.sortable').tHead.rows[0].cells[7];
                    const t = performance.now(); th.click(); document.body.offsetHeight; return performance.now() - t; }""")
            page.close()
            if not best or figures["to_charts_ms"] < best["to_charts_ms"]:
                best = figures
        browser.close()
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=500)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from harness import last_summary

    print(f"{args.models} models x {args.days} nights ({args.models * (args.days + 1):,} governance runs)")
    ours = measure("dashboard", "render_govflow", (args.models, args.days), repeats=1)
    ours_sizes = last_summary()
    ref = measure("dashboard", "render_plotly", (args.models, args.days), repeats=1)
    ref_sizes = last_summary()
    print(f"render (every page)      govflow {ours[0]:7.2f} s  peak +{ours[1]:7.1f} MiB"
          f"   |  Plotly (trends only) {ref[0]:7.2f} s  peak +{ref[1]:7.1f} MiB")
    print(f"dashboard.html           govflow {ours_sizes['dashboard'] / 2**20:7.2f} MiB"
          f"   |  Plotly {ref_sizes['dashboard'] / 2**20:7.2f} MiB  ({ref_sizes['dashboard'] / ours_sizes['dashboard']:.1f}x)")
    print(f"register.html {ours_sizes['register'] / 2**20:.2f} MiB; largest model page "
          f"{ours_sizes['largest_model_page'] / 2**10:.0f} KiB; whole site {ours_sizes['total'] / 2**20:.1f} MiB")
    charts = 3 * args.models
    folder = Path(ours_sizes["folder"])
    g = _browser_figures(folder / "dashboard.html", "svg.trend", charts, args.repeats, True)
    print(f"in Chromium, best of {args.repeats} cold loads:")
    print(f"  govflow dashboard: every chart drawn after {g['to_charts_ms']:.0f} ms (load event {g['load_event_ms']:.0f} ms), "
          f"JS heap {g['js_heap_mib']:.1f} MiB; a filter keystroke {g['filter_ms']:.0f} ms, a column sort "
          f"{g['sort_ms']:.0f} ms; page errors {g['errors']}", flush=True)
    r = _browser_figures(folder / "register.html", "#register-table tbody tr", 1, args.repeats, True)
    print(f"  govflow register: {r['to_charts_ms']:.0f} ms to its rows, JS heap {r['js_heap_mib']:.1f} MiB; "
          f"a filter keystroke {r['filter_ms']:.0f} ms, a sort by date opened {r['sort_ms']:.0f} ms", flush=True)
    # One load of Plotly's page: it takes minutes at full scale.
    p = _browser_figures(Path(ref_sizes["folder"]) / "dashboard.html", ".js-plotly-plot .main-svg", args.models,
                         1, False)
    print(f"  Plotly, the same trends (one load): every chart drawn after {p['to_charts_ms']:.0f} ms (load event "
          f"{p['load_event_ms']:.0f} ms), JS heap {p['js_heap_mib']:.1f} MiB; page errors {p['errors']}")
    print(f"  Plotly / govflow: {p['to_charts_ms'] / g['to_charts_ms']:.1f}x time to every chart, "
          f"{p['js_heap_mib'] / g['js_heap_mib']:.1f}x JS heap")
    print(f"pages kept in {OUT}")


if __name__ == "__main__":
    main()
