"""What the registration gate's steps share, whatever the kind of AI system: the evidence they add to, and the
evaluation data checked against the reference through Great Expectations."""

from __future__ import annotations

from dataclasses import dataclass

from govflow.checks.check_registry import Stage, expected_at
from govflow.checks.data_validation import derive_expectations, judge_validation
from govflow.checks.manifest import canonical_json
from govflow.checks.model_task import ModelTask
from govflow.checks.policy import TierPolicy
from govflow.checks.results import CheckResult, not_run
from govflow.datasets import LoadedData
from govflow.tasks.registry import ModelVersionInfo
from govflow.tasks.validation import run_expectations


@dataclass
class GateEvidence:
    """What the gate has found so far: results, evidence files and the inputs' fingerprints."""

    results: list[CheckResult]
    files: dict[str, bytes]
    inputs: dict[str, str]
    fairness_groups: list[dict] | None = None  # drawn once the decision has applied severity and waivers
    task: ModelTask | None = None  # told by the model and its data, or the tag, once the model has scored


def validate_data(subject: ModelVersionInfo, reference: LoadedData, evaluation: LoadedData, needed: list[str],
                   tier: TierPolicy, ev: GateEvidence) -> None:
    """The evaluation data against expectations derived from the reference data, through Great Expectations."""
    data_ids = [c for c in expected_at(Stage.GATE, tier, families=("data",)) if c != "data.readable"]
    if not (reference.has_rows and evaluation.has_rows):
        ev.results += not_run(data_ids, "reference and evaluation data are both needed")
    else:
        profiled = [c for c in needed if c in reference.columns]
        expectations = derive_expectations(reference.table, profiled, tier.data)
        run = run_expectations(evaluation.table, expectations, f"{subject.model}-v{subject.version}-evaluation")
        if run.error:
            ev.results += not_run(data_ids, run.error)
        else:
            ev.results += judge_validation(run.result)
            ev.files["evidence/great_expectations/suite.json"] = canonical_json(run.suite)
            ev.files["evidence/great_expectations/validation_result.json"] = canonical_json(run.result)


