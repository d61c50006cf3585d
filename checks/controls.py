"""The control catalogue: controls mapped to framework clauses and to the checks that evidence them,
and the coverage of each clause by a model's latest results."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from pydantic import Field

from govflow.checks.policy import Frozen, PolicyError, line_of, parse_typed
from govflow.checks.results import CheckResult, Status

Framework = Literal["nist_ai_rmf", "iso_42001", "sr_11_7", "sr_26_2", "eu_ai_act", "naic"]
FRAMEWORKS: tuple[str, ...] = ("nist_ai_rmf", "iso_42001", "sr_11_7", "sr_26_2", "eu_ai_act", "naic")
# A result that judged something is evidence the control operated, whatever it found.
JUDGED = frozenset({Status.PASS, Status.WARN, Status.FAIL, Status.WAIVED})
SEVERITY = ("PASS", "WAIVED", "WARN", "FAIL")


class Control(Frozen):
    """A control: what it asks, whether checks evidence it or a person attests it, and the clauses it serves."""

    id: str = Field(pattern=r"^[A-Z]{2,}-\d{2,}$")
    title: str
    objective: str
    kind: Literal["automated", "attested"]
    checks: tuple[str, ...] = Field(min_length=1)
    clauses: dict[Framework, tuple[str, ...]] = Field(min_length=1)


class Catalogue(Frozen):
    version: Literal[1]
    controls: tuple[Control, ...] = Field(min_length=1)


def parse_controls(text: str, source: str, known_checks: Iterable[str]) -> Catalogue:
    """The catalogue; PolicyError naming the file, key and line for a bad key or value, a repeated control
    id, or a check id that does not exist."""
    catalogue, node = parse_typed(text, source, Catalogue)
    known, seen = set(known_checks), set()
    for i, control in enumerate(catalogue.controls):
        if control.id in seen:
            raise PolicyError(f"{source}, line {line_of(node, ['controls', str(i), 'id'])}: key "
                              f"'controls.{i}.id': control '{control.id}' is defined twice")
        seen.add(control.id)
        for j, check in enumerate(control.checks):
            if check not in known:
                raise PolicyError(f"{source}, line {line_of(node, ['controls', str(i), 'checks', str(j)])}: key "
                                  f"'controls.{i}.checks.{j}': no check '{check}' exists")
    return catalogue


def control_coverage(control: Control, results: Sequence[CheckResult]) -> str:
    """'evidence (WORST)' when the model's latest results judged any of the control's checks ('attested'
    for an attested control whose sign-off passed); 'none' otherwise."""
    judged = [r for r in results if r.check_id in control.checks and r.status in JUDGED]
    if control.kind == "attested":
        return "attested" if any(r.status is Status.PASS for r in judged) else "none"
    if not judged:
        return "none"
    return f"evidence ({max((r.status.value for r in judged), key=SEVERITY.index)})"


# The evidence a clause's coverage rests on: the latest gate and monitoring runs of the version the model leads
# with, every result of each (per-period ones included), as the page and `govflow controls coverage` both read it.
COVERAGE_FLOWS = ("gate", "monitor")


def current_evidence(results_by_flow: Mapping[str, Sequence[CheckResult]]) -> list[CheckResult]:
    """The results coverage is judged on, from each flow's latest run (flows other than COVERAGE_FLOWS ignored)."""
    return [r for flow in COVERAGE_FLOWS for r in results_by_flow.get(flow, ())]


def coverage(catalogue: Catalogue, results_by_model: Mapping[str, Sequence[CheckResult]],
             framework: str | None = None) -> list[dict]:
    """One row per framework clause: the controls serving it and, per model, the best coverage any of them
    gives (evidence beats attested beats none), so a clause shows what an auditor can rely on."""
    rows: dict[tuple[str, str], dict] = {}
    for control in catalogue.controls:
        states = {model: control_coverage(control, results) for model, results in results_by_model.items()}
        for fw, clauses in control.clauses.items():
            if framework and fw != framework:
                continue
            for clause in clauses:
                row = rows.setdefault((fw, clause), {"framework": fw, "clause": clause, "controls": [],
                                                     "models": {m: "none" for m in results_by_model}})
                row["controls"].append(control.id)
                for model, state in states.items():
                    if _rank(state) > _rank(row["models"][model]):
                        row["models"][model] = state
    order = {fw: i for i, fw in enumerate(FRAMEWORKS)}
    return sorted(rows.values(), key=lambda r: (order[r["framework"]], _natural(r["clause"])))


def _natural(text: str) -> list:
    """'Art. 9(2)' before 'Art. 10(2)': digit runs compare as numbers."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text)]


def _rank(state: str) -> int:
    return 2 if state.startswith("evidence") else 1 if state == "attested" else 0
