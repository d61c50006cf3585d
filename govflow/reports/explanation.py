"""The transparency evidence of one gate run as a self-contained HTML page: permutation importance with its
intervals, partial dependence of the top features, proxy measures and robustness results, each a table
and an inline SVG chart, so an auditor reads it from the artifact view with no server."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from govflow.checks.results import CheckResult
from govflow.reports.charts import STATUS_COLOURS, interval_chart, line_chart
from govflow.visible import html_text as escape

_STYLE = """body { font: 14px system-ui, sans-serif; margin: 24px; color: #212121; max-width: 1000px; }
table { border-collapse: collapse; margin: 8px 0 20px; } td, th { border-bottom: 1px solid #e0e0e0; padding: 4px 8px;
text-align: left; } th { background: #fafafa; } .num { text-align: right; font-variant-numeric: tabular-nums; }
svg.chart { display: block; font: 11px system-ui, sans-serif; margin: 6px 0; } svg .t { font-weight: 600; fill: #424242; }
svg .s { fill: #616161; } svg .frame { fill: none; stroke: #eeeeee; } svg .line { fill: none; stroke: #1e88e5;
stroke-width: 1.5; } svg .dot { fill: #1e88e5; } svg .limit { stroke: #c62828; stroke-dasharray: 4 3; }
svg .axis { stroke: #bdbdbd; } svg .ci { stroke: #212121; stroke-width: 2; } svg .empty { fill: #9e9e9e; }
.pd { display: flex; flex-wrap: wrap; gap: 12px; }"""


def _num(value, digits: int = 4) -> str:
    return f"{value:.{digits}f}" if isinstance(value, (int, float)) else escape(str(value))


def _results_table(results: Iterable[CheckResult]) -> str:
    rows = "".join(
        f'<tr><td>{escape(r.check_id)}</td><td>{escape(r.column or "")}{" / " + escape(r.group) if r.group else ""}</td>'
        f'<td style="color:{STATUS_COLOURS.get(r.status.value, "#212121")}">{r.status.value}</td>'
        f'<td class="num">{_num(r.value) if r.value is not None else ""}</td><td>{escape(r.message)}</td></tr>'
        for r in results)
    return ("<table><tr><th>check</th><th>subject</th><th>status</th><th>value</th><th>message</th></tr>"
            f"{rows}</table>") if rows else "<p>No results.</p>"


# How the importance metric reads on the page: a regression's is MAE negated so that higher is better.
_METRICS = {"neg_mae": "negated MAE (a rise in MAE)"}


def _importance(doc: Mapping) -> str:
    if not doc or "importance" not in doc:
        return f"<p>Not measured: {escape(str((doc or {}).get('error', 'no evaluation data to explain')))}</p>"
    rows = doc["importance"]
    chart = interval_chart([{"check_id": r["feature"], "value": r["mean"], "ci": r["ci"], "status": "PASS"}
                            for r in rows], f"Drop in {_METRICS.get(doc['metric'], doc['metric'])} when the feature is shuffled "
                                    "(0: unused)", shared=True)
    table = "".join(f'<tr><td class="num">{r["rank"]}</td><td>{escape(r["feature"])}</td><td class="num">{_num(r["mean"])}'
                    f'</td><td class="num">[{_num(r["ci"][0])}, {_num(r["ci"][1])}]</td><td class="num">{_num(r["std"])}'
                    f"</td></tr>" for r in rows)
    curves = "".join(line_chart([(str(v), s) for v, s in zip(d["values"], d["mean_score"], strict=True)],
                                f"Mean score by {d['feature']}", width=300, height=110)
                     for d in doc.get("partial_dependence", []))
    return (f"<p>{doc['metric']} on the intact sample: {_num(doc['baseline'])}; {doc['rows']} of {doc['of_rows']} rows "
            f"(seed {doc['seed']}), {doc['repeats']} shuffles per feature, {doc['confidence']:.0%} t intervals.</p>"
            f"{chart}<table><tr><th>rank</th><th>feature</th><th>importance</th><th>interval</th><th>sd</th></tr>"
            f"{table}</table><h3>Partial dependence of the top features</h3><div class=\"pd\">{curves}</div>"
            + (f"<p>{escape(doc['partial_dependence_note'])}</p>" if doc.get("partial_dependence_note") else ""))


def _proxy(doc: Mapping) -> str:
    if not doc or "association" not in doc:
        return f"<p>Not measured: {escape(str((doc or {}).get('error', 'no sensitive attributes declared')))}</p>"
    attributes = list(dict.fromkeys(a["attribute"] for a in doc["association"]))
    features = list(dict.fromkeys(a["feature"] for a in doc["association"]))
    value = {(a["feature"], a["attribute"]): a["cramers_v"] for a in doc["association"]}
    head = "".join(f"<th>{escape(a)}</th>" for a in attributes)
    body = "".join(f"<tr><td>{escape(f)}</td>" + "".join(
        f'<td class="num" style="background:rgba(198,40,40,{min(value[(f, a)], 1.0):.2f})">{_num(value[(f, a)], 3)}</td>'
        for a in attributes) + "</tr>" for f in features)
    auc = "".join(f'<tr><td>{escape(r["attribute"])}</td><td class="num">{_num(r["auc"], 3)}</td>'
                  f'<td>{escape(str(r["strongest_proxy"]))}</td></tr>' for r in doc.get("predictability", []))
    return (f"<p>Cramer's V of each input with each sensitive attribute ({doc['rows']} rows, numeric inputs in "
            f"{doc['bins']} quantile bins):</p><table><tr><th>input</th>{head}</tr>{body}</table>"
            f"<p>Cross-validated ({doc['folds']} folds) AUC of predicting the attribute from all inputs:</p>"
            f"<table><tr><th>attribute</th><th>AUC</th><th>strongest single proxy</th></tr>{auc}</table>")


def explanation_html(title: str, importance: Mapping | None, proxy: Mapping | None,
                     results: Iterable[CheckResult]) -> bytes:
    """The page: importance, partial dependence, proxies, then every transparency and robustness result."""
    results = list(results)
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>"
            f"<h2>Permutation importance</h2>{_importance(importance or {})}"
            f"<h2>Proxies for sensitive attributes</h2>{_proxy(proxy or {})}"
            f"<h2>Results</h2>{_results_table(results)}</body></html>").encode()
