"""A gate's evaluation carried into the next gate of the same version, where nothing it judged has changed.

A sign-off changes who has approved a version, not the model, its data or the policy; the gate that follows
re-decides on the new sign-offs. What the previous gate evaluated (data validation, performance, fairness,
transparency, robustness) is carried when the previous run's committed evidence shows it judged exactly what
is there now: the same model source, the same bytes of reference and evaluation data, the same policy, risk
assessment and code, and the same governance tags apart from those that record decisions (status, sign-offs,
the runs last recorded). Its files are carried with it, each held to the previous run's manifest, and the new
run names the run it carried from. Anything else, or any doubt, and the gate evaluates again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from govflow.checks.manifest import canonical_json, manifest_problems, sha256_hex
from govflow.checks.model_task import ModelTask
from govflow.checks.results import CheckResult

EVALUATION = "evidence/evaluation.json"
CARRIED_FROM = "carried_from"  # the manifest input naming the run an evaluation was carried from

# The inputs a gate's manifest records that an evaluation rests on, beside the policy and the code.
JUDGED_INPUTS = ("model_source", "reference_data", "evaluation_data", "risk_assessment", "judged_tags")


@dataclass(frozen=True)
class Evaluation:
    """What a gate's evaluation found: its results before severity and waivers, the task it told, the fairness
    groups its page is drawn from, and the evidence files it wrote."""

    results: tuple[CheckResult, ...]
    task: ModelTask | None
    fairness_groups: list[dict] | None
    files: dict[str, bytes]
    evaluated_in: str = ""  # the gate run that evaluated it, however many gates have carried it since


def evaluation_document(results: list[CheckResult], task: ModelTask | None, fairness_groups: list[dict] | None,
                        files: Mapping[str, bytes]) -> bytes:
    """`evidence/evaluation.json`: the evaluation as the next gate can carry it."""
    return canonical_json({"results": [r.model_dump(mode="json") for r in results],
                           "task": task.value if task is not None else None, "fairness_groups": fairness_groups,
                           "files": sorted(files)})


@dataclass(frozen=True)
class Judged:
    """What a gate judges now, to hold a previous run's recorded inputs to."""

    model: str
    version: str
    inputs: Mapping[str, str | None]  # JUDGED_INPUTS as they stand now; None where there is none
    policy_sha256: str
    code_version: str


def carried(run_id: str, manifest_bytes: bytes | None, recorded_sha256: str | None, files: Mapping[str, bytes],
            now: Judged) -> Evaluation | str:
    """The evaluation the previous gate run `run_id` recorded (or carried), when its committed evidence is
    intact and it judged what `now` holds; otherwise why it cannot be carried (said in the new gate's log)."""
    if manifest_bytes is None or recorded_sha256 is None or sha256_hex(manifest_bytes) != recorded_sha256:
        return "the previous gate run has no committed manifest"
    try:
        manifest: dict[str, Any] = json.loads(manifest_bytes)
    except ValueError:
        return "the previous gate run's manifest is not JSON"
    if problems := manifest_problems(manifest, files):
        return f"the previous gate run's evidence does not match its manifest: {problems[0]}"
    if (manifest.get("flow"), manifest.get("model"), manifest.get("version")) != ("gate", now.model, now.version):
        return "the previous run is not a gate of this version"
    if EVALUATION not in manifest.get("artifacts", {}):
        return "the previous gate run recorded no complete evaluation"
    inputs = manifest.get("inputs", {})
    changed = [key for key in JUDGED_INPUTS if inputs.get(key) != now.inputs.get(key)]
    changed += ["policy"] if manifest.get("policy_sha256") != now.policy_sha256 else []
    changed += ["code"] if manifest.get("code_version") != now.code_version else []
    if changed:
        return f"changed since the previous gate run: {', '.join(changed)}"
    try:
        document = json.loads(files[EVALUATION])
        return Evaluation(results=tuple(CheckResult.model_validate(r) for r in document["results"]),
                          task=ModelTask(document["task"]) if document["task"] else None,
                          fairness_groups=document["fairness_groups"],
                          files={path: files[path] for path in document["files"]},
                          evaluated_in=inputs.get(CARRIED_FROM) or run_id)
    except (ValueError, KeyError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
        return f"the previous gate run's {EVALUATION} cannot be read: {type(exc).__name__}"
