"""The fairness section as a self-contained HTML page: per-group bars with intervals, and the results."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from govflow.checks.results import STATUS_ORDER, CheckResult
from govflow.visible import html_text as escape

_BAR_H, _GAP, _LEFT, _WIDTH = 18, 6, 220, 360
_COLOURS = {"PASS": "#2e7d32", "WARN": "#ef6c00", "FAIL": "#c62828", "ERROR": "#6a1b9a",
            "INCONCLUSIVE": "#546e7a", "WAIVED": "#1565c0", "SKIPPED": "#9e9e9e"}


def _chart(feature: str, rows: list[dict[str, Any]], figure: str) -> str:
    """Horizontal bars of one figure per group on a 0..1 axis, with the bootstrap interval as a whisker."""
    height = len(rows) * (_BAR_H + _GAP) + 30
    parts = [f'<svg role="img" aria-label="{escape(figure)} by {escape(feature)}" width="{_LEFT + _WIDTH + 80}" '
             f'height="{height}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">']
    for i, row in enumerate(rows):
        y = i * (_BAR_H + _GAP) + 4
        value = row.get(figure)
        parts.append(f'<text x="{_LEFT - 6}" y="{y + 13}" text-anchor="end">{escape(str(row["group"]))} '
                     f'(n={row["n"]})</text>')
        if value is None:
            parts.append(f'<text x="{_LEFT + 4}" y="{y + 13}" fill="#546e7a">undefined</text>')
            continue
        colour = "#90a4ae" if figure in row.get("inconclusive", {}) else "#1e88e5"
        parts.append(f'<rect x="{_LEFT}" y="{y}" width="{value * _WIDTH:.1f}" height="{_BAR_H}" fill="{colour}"/>')
        ci = (row.get("ci") or {}).get(figure)
        if ci:
            lo, hi = (_LEFT + c * _WIDTH for c in ci)
            mid = y + _BAR_H / 2
            parts.append(f'<line x1="{lo:.1f}" x2="{hi:.1f}" y1="{mid}" y2="{mid}" stroke="#212121" stroke-width="1.5"/>')
        parts.append(f'<text x="{_LEFT + _WIDTH + 6}" y="{y + 13}">{value:.3f}</text>')
    axis_y = len(rows) * (_BAR_H + _GAP) + 10
    parts.append(f'<line x1="{_LEFT}" x2="{_LEFT + _WIDTH}" y1="{axis_y}" y2="{axis_y}" stroke="#757575"/>')
    parts += [f'<text x="{_LEFT + t * _WIDTH}" y="{axis_y + 14}" text-anchor="middle">{t:g}</text>' for t in (0, 0.5, 1)]
    parts.append("</svg>")
    return "".join(parts)


_REGRESSION_COLUMNS = (("n", "rows"), ("mean_prediction", "mean prediction"), ("mae", "MAE"),
                       ("mean_residual", "mean residual (prediction − outcome)"))


def _amounts_table(rows: list[dict[str, Any]]) -> str:
    """A regression's groups in the outcome's own units (no 0..1 axis fits a premium): one row per group."""
    shown = [(key, label) for key, label in _REGRESSION_COLUMNS if any(r.get(key) is not None for r in rows)]
    head = "".join(f"<th>{escape(label)}</th>" for _, label in shown)
    cells = []
    for row in rows:
        values = "".join(f"<td>{'' if row.get(k) is None else row[k] if k == 'n' else f'{row[k]:.4g}'}</td>"
                         for k, _ in shown)
        note = f" ({escape(row['left_out'])})" if row.get("left_out") else ""
        cells.append(f"<tr><td>{escape(str(row['group']))}{note}</td>{values}</tr>")
    return f"<table><tr><th>group</th>{head}</tr>{''.join(cells)}</table>"


def _feature_section(feature: str, rows: list[dict[str, Any]]) -> list[str]:
    """A feature's groups by the task's figures: a classifier's rates as bars, a multiclass model's rate of being
    assigned (and recall of) each class, a regression's amounts as a table."""
    if any("class" in r for r in rows):
        out = []
        for klass in dict.fromkeys(r["class"] for r in rows):
            mine = [{**r, "selection_rate": r["assigned_rate"], "tpr": r.get("recall")} for r in rows
                    if r["class"] == klass]
            out.append(f"<h3>Class {escape(klass)}: rate of being assigned it</h3>"
                       f"{_chart(feature, mine, 'selection_rate')}")
            if any(r["tpr"] is not None for r in mine):
                out.append(f"<h3>Class {escape(klass)}: recall (true positive rate)</h3>{_chart(feature, mine, 'tpr')}")
        return out
    if any("mean_prediction" in r for r in rows):
        return [_amounts_table(rows)]
    return [f"<h3>{label}</h3>{_chart(feature, rows, figure)}"
            for figure, label in (("selection_rate", "Selection rate"), ("tpr", "True positive rate"))]


def fairness_html(title: str, groups: list[dict[str, Any]], results: Iterable[CheckResult]) -> str:
    """One page: per feature and intersection the groups in the task's figures (a classifier's selection rate
    and TPR, a multiclass model's per-class rates, a regression's mean prediction and errors), then every
    fairness result, what failed first."""
    features: dict[str, list[dict[str, Any]]] = {}
    for row in groups:
        features.setdefault(row["feature"], []).append(row)
    body = [f"<h1>{escape(title)}</h1>",
            "<p>Bars are per-group rates; whiskers are bootstrap intervals; grey bars are groups too small "
            "to judge on that rate (reported, left out of the comparison). A regression's groups are shown in "
            "the outcome's own units.</p>"]
    for feature, rows in features.items():
        body.append(f"<h2>{escape(feature)}</h2>")
        body += _feature_section(feature, rows)
    body.append("<h2>Results</h2><table><tr><th>check</th><th>group</th><th>status</th><th>value</th>"
                "<th>interval</th><th>limit</th><th>message</th></tr>")
    judged = [r for r in results if r.family == "fairness"]
    for r in sorted(judged, key=lambda r: -STATUS_ORDER.index(r.status)):  # what failed first
        value = f"{r.value:.4f}" if isinstance(r.value, float) else escape(str(r.value))
        ci = f"[{r.ci[0]:.4f}, {r.ci[1]:.4f}]" if r.ci else ""
        body.append(f'<tr><td>{escape(r.check_id)}</td><td>{escape(r.group or "")}</td>'
                    f'<td style="color:{_COLOURS[r.status.value]}">{r.status.value}</td><td>{value}</td>'
                    f"<td>{ci}</td><td>{escape(str(r.limit))}</td><td>{escape(r.message)}</td></tr>")
    body.append("</table>")
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title) +
            "</title><style>body{font-family:sans-serif;margin:2em}td,th{border-bottom:1px solid #ddd;"
            "padding:4px 8px;text-align:left;vertical-align:top}</style></head><body>" + "".join(body) + "</body></html>\n")
