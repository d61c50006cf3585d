"""How results read in the terminal: one formatter per kind of outcome, shared by the commands."""

from __future__ import annotations

import typer

UNJUDGED = ("ERROR", "INCONCLUSIVE", "SKIPPED")


# Worst first: what failed leads, what could not be judged follows, then warnings.
_SHOWN_FIRST = ("FAIL", "ERROR", "INCONCLUSIVE", "WARN", "WAIVED", "PASS")


def print_outcome(outcome) -> None:
    """The verdict with its one-line reason; every non-passing result in full with its fix, worst first, those
    of checks the tier does not block on marked so; checks skipped for one reason (a vendor system has no model)
    on one line naming them; passing results counted per check."""
    typer.echo(f"{outcome.model} v{outcome.version} [{outcome.tier} tier]: {outcome.verdict}")
    if outcome.because:
        typer.echo(f"  {outcome.because}")
    passed: dict[str, int] = {}
    skipped: dict[str, list[str]] = {}
    shown = sorted(outcome.results, key=lambda r: _SHOWN_FIRST.index(r.status.value)
                   if r.status.value in _SHOWN_FIRST else len(_SHOWN_FIRST))
    for r in shown:
        if r.status.value == "PASS" and (r.column or r.group):
            passed[r.check_id] = passed.get(r.check_id, 0) + 1
            continue
        if r.status.value == "SKIPPED" and not (r.column or r.group):
            skipped.setdefault(r.message, []).append(r.check_id)
            continue
        where = f"[{r.column or r.group}]" if (r.column or r.group) else ""
        ci = f"  CI [{r.ci[0]:.4f}, {r.ci[1]:.4f}]" if r.ci else ""
        # A FAIL the tier does not block on already reads WARN "(non-blocking for this tier)"; an unjudged one not.
        aside = " (non-blocking)" if r.status.value in UNJUDGED and r.check_id in outcome.non_blocking else ""
        typer.echo(f"  {r.status.value:<12} {r.check_id}{where}{aside}: {r.message}{ci}")
        if r.hint and r.status.value != "PASS":
            typer.echo(f"  {'':<12} fix: {r.hint}")
    for message, check_ids in skipped.items():
        named = check_ids[0] if len(check_ids) == 1 else f"{len(check_ids)} checks ({', '.join(check_ids)})"
        typer.echo(f"  {'SKIPPED':<12} {named}: {message}")
    for check_id, count in passed.items():
        typer.echo(f"  {'PASS':<12} {check_id}: {count} column(s) or group(s) within limits")
    typer.echo(f"  evidence: {outcome.artifact_uri}")


def outcome_json(outcome) -> dict:
    return {
        "model": outcome.model, "version": outcome.version, "tier": outcome.tier, "verdict": outcome.verdict,
        "because": outcome.because, "reasons": list(outcome.reasons), "run_id": outcome.run_id,
        "evidence": outcome.artifact_uri,
        "results": [r.model_dump(mode="json", exclude_none=False) for r in outcome.results],
    }


def print_report(report, error: str | None = None) -> None:
    if report is not None:
        in_ui = f", {report.link}" if report.link.startswith("http") else ""
        typer.echo(f"reports: {report.dashboard} ({report.models} models, {report.open_findings} open findings, "
                   f"{report.overdue_findings} overdue); logged as MLflow run {report.run_id}{in_ui}")
    elif error:
        typer.echo(f"reports were not refreshed: {error}")


def print_monitoring(outcome) -> None:
    reused = " (unchanged since the last run)" if outcome.reused else ""
    typer.echo(f"{outcome.model} v{outcome.version} (monitoring): {outcome.verdict}{reused}")
    if outcome.because:
        typer.echo(f"  {outcome.because}")
    if outcome.error:
        typer.echo(f"  ERROR        {outcome.error}")
    for reason in outcome.reasons:
        typer.echo(f"  {reason}")
    # Estimates the kind of system cannot have (a generative-AI application has no scores) are not news here.
    early = [r for r in outcome.results if ".estimat" in r.check_id and r.status.value != "SKIPPED"]
    if early:
        typer.echo("  before outcomes arrive, and realised against estimated once they have:")
    for r in early:
        when = f" in {r.period}" if r.period else ""
        typer.echo(f"    {r.status.value:<12} {r.check_id}{when}: {r.message}")


def print_verification(model: str, runs: int, files: int, problems, source: str, notes) -> None:
    if not runs:
        typer.echo(f"{model}: no governance runs found in {source}; nothing to verify")
    else:
        state = "intact" if not problems else f"NOT intact: {len(problems)} problem(s)"
        typer.echo(f"{model}: {runs} run(s), {files} file(s) in {source}: {state}")
    for p in problems:
        typer.echo(f"  {p.kind.upper():<10} {p.message}")
    for note in notes:
        typer.echo(f"  {'NOTE':<10} {note}")


def print_lifecycle(outcome) -> None:
    state = f" [{outcome.lifecycle}]" if outcome.lifecycle else ""
    typer.echo(f"{outcome.model} v{outcome.version}{state} (lifecycle): {outcome.verdict}")
    if outcome.error:
        typer.echo(f"  ERROR        {outcome.error}")
    for r in outcome.results:
        if r.status.value != "PASS":
            typer.echo(f"  {r.status.value:<12} {r.check_id}: {r.message}")
            if r.hint:
                typer.echo(f"  {'':<12} fix: {r.hint}")


def print_feedback(outcome) -> None:
    opened = "; a feedback.stakeholder finding is open for the owner" if outcome.finding else ""
    typer.echo(f"{outcome.model} v{outcome.version}: {outcome.recorded} feedback entr"
               f"{'y' if outcome.recorded == 1 else 'ies'} recorded (evidence run {outcome.run_id}){opened}")


_GROUP_COLUMNS = ("n", "selection_rate", "tpr", "fpr", "fnr", "ppv", "accuracy", "auc", "brier", "ece")


def print_groups(groups: list[dict] | None) -> None:
    groups = groups or []
    shown = [c for c in _GROUP_COLUMNS if any(g.get(c) is not None for g in groups)]
    width = max([len(f"{g['feature']}={g['group']}") for g in groups] + [5])
    typer.echo(f"  {'group':<{width}}  " + "  ".join(f"{c:>14}" for c in shown))
    for g in groups:
        cells = [("-" if g.get(c) is None else f"{g[c]:.4f}" if c != "n" else str(g[c])) for c in shown]
        mark = "  (inconclusive: " + "; ".join(f"{k}: {v}" for k, v in g["inconclusive"].items()) + ")" if g["inconclusive"] else ""
        typer.echo(f"  {g['feature'] + '=' + g['group']:<{width}}  " + "  ".join(f"{c:>14}" for c in cells) + mark)


def print_continuous_groups(groups: list[dict] | None) -> None:
    """Each group's count, mean decision and, given outcomes, mean absolute error and mean residual."""
    groups = groups or []
    width = max([len(f"{g['feature']}={g['group']}") for g in groups] + [5])
    shown = [c for c in ("n", "mean_prediction", "mae", "mean_residual") if any(g.get(c) is not None for g in groups)]
    typer.echo(f"  {'group':<{width}}  " + "  ".join(f"{c:>15}" for c in shown))
    for g in groups:
        cells = [("-" if g.get(c) is None else str(g[c]) if c == "n" else f"{g[c]:.4g}") for c in shown]
        note = f"  ({g['left_out']})" if g.get("left_out") else ""
        typer.echo(f"  {g['feature'] + '=' + g['group']:<{width}}  " + "  ".join(f"{c:>15}" for c in cells) + note)


def print_class_groups(groups: list[dict] | None) -> None:
    """Each group's rate of being assigned each class and, given outcomes, its recall of the class."""
    groups = groups or []
    width = max([len(f"{g['feature']}={g['group']}") for g in groups] + [5])
    klass = max([len(g["class"]) for g in groups] + [5])
    with_recall = any(g.get("recall") is not None for g in groups)
    typer.echo(f"  {'group':<{width}}  {'class':<{klass}}  {'n':>7}  {'assigned':>9}" + ("  " + f"{'recall':>9}"
                                                                                      if with_recall else ""))
    for g in groups:
        recall = ("-" if g.get("recall") is None else f"{g['recall']:.4f}") if with_recall else None
        note = f"  ({g['left_out']})" if g.get("left_out") else ""
        typer.echo(f"  {g['feature'] + '=' + g['group']:<{width}}  {g['class']:<{klass}}  {g['n']:>7}  "
                   f"{g['assigned_rate']:>9.4f}" + (f"  {recall:>9}" if recall is not None else "") + note)


def print_favourable(favourable: dict | None) -> None:
    """What the audit took as favourable, and per feature which group every other is compared with."""
    if not favourable:
        return
    decision, outcome = favourable["decision"], favourable["outcome"]
    line = f"  favourable decision: {decision['column']} = {decision['value']!r}"
    if outcome:
        line += f"; favourable outcome: {outcome['column']} = {outcome['value']!r}"
    typer.echo(line + " (a group's selection rate is its share of favourable decisions)")
    for ref in favourable["references"]:
        compared = ", ".join(f"{ref['feature']}={g}" for g in ref["compared"]) or "none large enough"
        typer.echo(f"  {ref['feature']}: reference group {ref['feature']}={ref['reference']} (the most favoured); "
                   f"compared with it: {compared}")


def print_adverse_impact(rows: list[dict] | None) -> None:
    """Each group's adverse impact ratio against its column's most favoured group, as a fair-lending review
    states it: the ratio, its interval, the two-proportion test, and the four-fifths rule."""
    compared = [r for r in rows or [] if "adverse_impact_ratio" in r]
    if not compared:
        return
    typer.echo("  adverse impact (selection rate over the most favoured group's):")
    for r in compared:
        low, high = r["ci"]
        flags = [f for f, on in (("below four-fifths", r["below_four_fifths"]), ("significant", r["significant"])) if on]
        typer.echo(f"    {r['feature']}={r['group']} vs {r['reference_group']}: {r['adverse_impact_ratio']:.3f} "
                   f"[{low:.3f}, {high:.3f}], z={r['z']:.2f}, p={r['p_value']:.3g}"
                   + (f"  ({', '.join(flags)})" if flags else ""))


INVENTORY_COLUMNS = (("model", "model"), ("kind", "kind"), ("owner", "owner"), ("tier", "tier"), ("task", "task"), ("version", "version"),
                     ("lifecycle", "lifecycle"), ("status", "status"), ("gate", "gate"),
                     ("monitoring", "monitoring"), ("open_findings", "open"), ("overdue_findings", "overdue"),
                     ("review_due", "review due"), ("jurisdictions", "regions"))


def _cell(row: dict, key: str) -> str:
    value = row.get(key)
    if isinstance(value, list):
        return ",".join(value) or "-"
    return str(value) if value is not None else ("unknown" if key == "owner" else "-")


def print_inventory(rows: list[dict]) -> None:
    """The fleet as a table; an owner nobody named reads `unknown`, a version never monitored `-`."""
    if not rows:
        typer.echo("no registered models")
        return
    cells = [[_cell(r, key) for key, _ in INVENTORY_COLUMNS] for r in rows]
    widths = [max(len(title), *(len(c[i]) for c in cells)) for i, (_, title) in enumerate(INVENTORY_COLUMNS)]
    typer.echo("  ".join(title.ljust(w) for (_, title), w in zip(INVENTORY_COLUMNS, widths)).rstrip())
    for row in cells:
        typer.echo("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
