"""Task that renders Evidently's drift report (HTML and JSON) as evidence, on a seeded sample."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from govflow.tasks.task_type import NO_CACHE, task


@dataclass(frozen=True)
class RenderedReport:
    html: bytes = b""
    json: bytes = b""
    sample: dict = field(default_factory=dict)
    error: str | None = None


@task(cache_policy=NO_CACHE)
def render_evidently_drift(reference: pd.DataFrame, current: pd.DataFrame, columns: list[str], rows: int,
                           seed: int) -> RenderedReport:
    """Evidently's DataDriftPreset on at most `rows` rows per side, drawn with `seed`; the sizes are recorded."""
    from evidently import Report
    from evidently.presets import DataDriftPreset

    ref = reference[columns].sample(n=min(rows, len(reference)), random_state=seed)
    cur = current[columns].sample(n=min(rows, len(current)), random_state=seed)
    sample = {"seed": seed, "max_rows": rows, "reference_rows": len(reference), "current_rows": len(current),
              "reference_sampled": len(ref), "current_sampled": len(cur), "columns": columns}
    try:
        snapshot = Report([DataDriftPreset()]).run(cur, ref)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "report.html"
            snapshot.save_html(str(path))  # takes a path; a file object writes nothing
            html = path.read_bytes()
        return RenderedReport(html=html, json=snapshot.json().encode(), sample=sample)
    except Exception as exc:  # the verdict does not rest on the report; its absence is recorded
        return RenderedReport(sample=sample, error=f"Evidently report failed: {type(exc).__name__}: {exc}")
