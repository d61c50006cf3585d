"""Charts as inline SVG strings, so every page draws them with no script, no network and no server: it opens
from a file or inside MLflow's artifact view alike."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from govflow.checks.fleet_view import MARKED
from govflow.visible import html_text as escape

STATUS_COLOURS = {"PASS": "#2e7d32", "WARN": "#ef6c00", "FAIL": "#c62828", "ERROR": "#6a1b9a",
                  "INCONCLUSIVE": "#546e7a", "WAIVED": "#1565c0", "SKIPPED": "#9e9e9e"}
SEVERITY_COLOURS = {"critical": "#c62828", "major": "#6a1b9a"}


def _scale(low: float, high: float) -> tuple[float, float]:
    """A value range with room around it; a flat series gets a band of its own size (or 1) to sit in."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return 0.0, 1.0
    if high == low:
        pad = abs(high) * 0.1 or 0.5
        return low - pad, high + pad
    pad = (high - low) * 0.08
    return low - pad, high + pad


def _wrapped(title: str, width: int) -> list[str]:
    """The title in lines that fit `width` at the charts' type size (about 6 px a character), whole words kept."""
    per_line = max(12, width // 6)
    lines, line = [], ""
    for word in title.split():
        if line and len(line) + 1 + len(word) > per_line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


def line_chart(points: Sequence[tuple], title: str, *, width: int = 260, height: int = 90,
               limit: float | None = None) -> str:
    """A trend: (label, value[, status[, version]]) points left to right; the title wrapped, never cut; the value
    scale's ends on the left axis; the first and last label under it and the last value beside it; the policy
    limit as a dashed line when there is one; each point whose check failed marked red and each that warned
    amber; and a dotted line where a new version took over."""
    finite = [(p[0], p[1], p[2] if len(p) > 2 else "", p[3] if len(p) > 3 else "")
              for p in points if p[1] is not None and math.isfinite(p[1])]
    failed = sum(status == "FAIL" for _, _, status, _ in finite)
    warned = sum(status in MARKED and status != "FAIL" for _, _, status, _ in finite)
    lines = _wrapped(title, width)
    title_h = 12 * len(lines)
    height += title_h - 12
    head = (f'<svg class="chart trend" role="img" aria-label="{escape(title)}" data-points="{len(finite)}" '
            f'data-failed="{failed}" data-warned="{warned}" data-limit="{"" if limit is None else f"{limit:g}"}" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
            + "".join(f'<text x="2" y="{11 + 12 * i}" class="t">{escape(line)}</text>' for i, line in enumerate(lines)))
    if not finite:
        return head + f'<text x="2" y="{height / 2 + 8}" class="empty">no measurements yet</text></svg>'
    values = [v for _, v, _, _ in finite] + ([limit] if limit is not None else [])
    low, high = _scale(min(values), max(values))
    left, right, top, bottom = 34, width - 44, title_h + 6, height - 16

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (right - left) * (i / (len(finite) - 1) if len(finite) > 1 else 0.5)
        return x, bottom - (bottom - top) * (v - low) / (high - low)

    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, (_, v, _, _) in enumerate(finite)))
    parts = [head, f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" class="frame"/>',
             # The y-axis: the scale's ends, so a reader can tell a flat line from a steep one.
             f'<text x="{left - 3}" y="{top + 8}" class="s axis-label" text-anchor="end">{high:.3g}</text>'
             f'<text x="{left - 3}" y="{bottom}" class="s axis-label" text-anchor="end">{low:.3g}</text>']
    for i in range(1, len(finite)):
        if finite[i][3] and finite[i - 1][3] and finite[i][3] != finite[i - 1][3]:
            x = (xy(i - 1, low)[0] + xy(i, low)[0]) / 2
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{bottom}" class="version"/>'
                         f'<text x="{x + 2:.1f}" y="{top + 9}" class="s version-label">v{escape(finite[i][3])}</text>')
    if limit is not None:
        _, y = xy(0, limit)
        parts.append(f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" class="limit"/>'
                     f'<text x="{right + 3}" y="{y + 4:.1f}" class="s">limit {limit:g}</text>')
    if len(finite) == 1:
        x, y = xy(0, finite[0][1])
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" class="dot"/>')
    else:
        parts.append(f'<polyline points="{coords}" class="line"/>')
    for i, (label, value, status, version) in enumerate(finite):
        if status in MARKED:
            x, y = xy(i, value)
            of = f" (v{escape(version)})" if version else ""
            mark = "failed" if status == "FAIL" else "warned"
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" class="{mark}">'
                         f'<title>{escape(label)}{of}: {value:.3g}, {status}</title></circle>')
    last = finite[-1][1]
    # The last value sits left of the frame's top when a limit label could sit beside it on the right.
    parts.append(f'<text x="{right + 3}" y="{top + 10}" class="s">{last:.3g}</text>' if limit is None else
                 f'<text x="{right}" y="{top - 2}" class="s" text-anchor="end">last {last:.3g}</text>')
    parts.append(f'<text x="{left}" y="{height - 3}" class="s">{escape(finite[0][0])}</text>')
    if len(finite) > 1:
        parts.append(f'<text x="{right}" y="{height - 3}" class="s" text-anchor="end">{escape(finite[-1][0])}</text>')
    return "".join(parts) + "</svg>"


def _numbers(r: Mapping) -> list[float]:
    return [r["value"]] + list(r.get("ci") or ()) + ([r["limit"]] if isinstance(r.get("limit"), (int, float)) else [])


def interval_chart(rows: Sequence[Mapping], title: str, *, width: int = 560, shared: bool = False) -> str:
    """One line per numeric result: the value as a dot coloured by status, its confidence interval as a
    whisker and its limit as a tick, each line on its own scale (checks measure different things), or all
    on one scale with a zero line when `shared` (one measure across subjects, such as importance)."""
    rows = [r for r in rows if isinstance(r.get("value"), (int, float)) and math.isfinite(r["value"])]
    row_h, label_w = 22, 250
    height = max(len(rows), 1) * row_h + 22
    parts = [f'<svg class="chart intervals" role="img" aria-label="{escape(title)}" data-points="{len(rows)}" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
             f'<text x="2" y="12" class="t">{escape(title)}</text>']
    if not rows:
        parts.append('<text x="2" y="34" class="empty">no numeric results</text>')
    span = width - label_w - 70
    common = None
    if shared and rows:
        every = [n for r in rows for n in _numbers(r)]
        common = _scale(min(0.0, *every), max(0.0, *every))
        zero = label_w + span * (0.0 - common[0]) / (common[1] - common[0])
        parts.append(f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="18" y2="{height - 2}" class="axis"/>')
    for i, r in enumerate(rows):
        y = 22 + i * row_h + 11
        low, high = common or _scale(min(_numbers(r)), max(_numbers(r)))

        def x(v: float) -> float:
            return label_w + span * (v - low) / (high - low)  # noqa: B023 - used within this iteration only

        label = r["check_id"] + (f" [{r['group']}]" if r.get("group") else "") + (f" ({r['column']})" if r.get("column") else "")
        parts.append(f'<text x="{label_w - 6}" y="{y + 4}" text-anchor="end" class="s">{escape(label[:48])}</text>'
                     f'<line x1="{label_w}" x2="{label_w + span}" y1="{y}" y2="{y}" class="axis"/>')
        if r.get("ci"):
            lo, hi = r["ci"]
            parts.append(f'<line x1="{x(lo):.1f}" x2="{x(hi):.1f}" y1="{y}" y2="{y}" class="ci"/>')
        if isinstance(r.get("limit"), (int, float)):
            parts.append(f'<line x1="{x(r["limit"]):.1f}" x2="{x(r["limit"]):.1f}" y1="{y - 7}" y2="{y + 7}" class="limit"/>')
        colour = STATUS_COLOURS.get(r.get("status", ""), "#212121")
        parts.append(f'<circle cx="{x(r["value"]):.1f}" cy="{y}" r="4" fill="{colour}"/>'
                     f'<text x="{label_w + span + 6}" y="{y + 4}" class="s">{r["value"]:.4g}</text>')
    return "".join(parts) + "</svg>"


def stacked_bars(table: Mapping[str, Mapping[str, int]], title: str, *, width: int = 420) -> str:
    """Per age bucket, one bar stacked by severity: open findings by severity and age."""
    buckets = list(next(iter(table.values())).keys()) if table else []
    totals = [sum(table[s][b] for s in table) for b in buckets]
    top = max(totals, default=0) or 1
    bar_w, height, base = (width - 40) / max(len(buckets), 1), 150, 120
    parts = [f'<svg class="chart bars" role="img" aria-label="{escape(title)}" data-points="{sum(totals)}" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
             f'<text x="2" y="12" class="t">{escape(title)}</text>'
             f'<line x1="20" x2="{width - 10}" y1="{base}" y2="{base}" class="axis"/>']
    for i, bucket in enumerate(buckets):
        x, y = 24 + i * bar_w, base
        for severity in table:
            count = table[severity][bucket]
            h = (base - 24) * count / top
            if count:
                parts.append(f'<rect x="{x:.1f}" y="{y - h:.1f}" width="{bar_w - 10:.1f}" height="{h:.1f}" '
                             f'fill="{SEVERITY_COLOURS.get(severity, "#546e7a")}"><title>{escape(severity)}: {count}</title></rect>')
            y -= h
        parts.append(f'<text x="{x + (bar_w - 10) / 2:.1f}" y="{base + 14}" text-anchor="middle" class="s">{escape(bucket)}</text>'
                     f'<text x="{x + (bar_w - 10) / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" class="s">{totals[i]}</text>')
    legend = " ".join(f'<tspan fill="{SEVERITY_COLOURS.get(s, "#546e7a")}">■ {escape(s)}</tspan>' for s in table)
    parts.append(f'<text x="24" y="{height - 6}" class="s">{legend}</text>')
    return "".join(parts) + "</svg>"
