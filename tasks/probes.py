"""Tasks that question a loaded model through its predictions (importance, robustness) and read the model
card file logged with it; the statistics are in checks/."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from govflow.checks.explainability import explain
from govflow.checks.model_task import ModelTask
from govflow.checks.policy import ExplainabilityChecks, RobustnessChecks
from govflow.checks.results import CheckResult, Status, brief
from govflow.checks.robustness import robustness_audit
from govflow.tasks.scoring import LoadedModel, predictor
from govflow.tasks.task_type import NO_CACHE, task

CARD_FILES = ("model_card.yaml", "model_card.yml", "model_card.json")


@dataclass(frozen=True)
class Probed:
    """What questioning the model found: results and the evidence document (or why it could not run)."""

    results: list[CheckResult]
    document: dict


def _crashed(check_ids: list[str], exc: Exception) -> Probed:
    message = f"the model could not be questioned: {type(exc).__name__}: {brief(exc)}"
    return Probed([CheckResult(check_id=c, status=Status.ERROR, message=message) for c in check_ids],
                  {"error": message})


@task(cache_policy=NO_CACHE)
def explain_model(loaded: LoadedModel, frame: pd.DataFrame, y: np.ndarray, features: list[str],
                  rules: ExplainabilityChecks, confidence: float, exclude: tuple[str, ...],
                  task: ModelTask = ModelTask.BINARY) -> Probed:
    """Permutation importance (by the task's loss) and partial dependence through the registered model."""
    try:
        result, document = explain(predictor(loaded, exclude, task), frame, y, features, rules, confidence, task)
    except Exception as exc:  # a model that fails on shuffled rows is an ERROR result, evidence still written
        return _crashed(["explainability.importance"], exc)
    return Probed([result], document)


@task(cache_policy=NO_CACHE)
def probe_robustness(loaded: LoadedModel, frame: pd.DataFrame, features: list[str], monotonic_tag: str | None,
                     rules: RobustnessChecks, confidence: float, exclude: tuple[str, ...],
                     task: ModelTask = ModelTask.BINARY, judged: tuple[str, ...] | None = None) -> Probed:
    """Noise, declared monotonic relationships and missing values (those of `judged`, where given), through
    the registered model."""
    try:
        results, document = robustness_audit(predictor(loaded, exclude, task), frame, features, monotonic_tag, rules,
                                             confidence, judged)
    except Exception as exc:  # the intact rows failed to score: the checks cannot judge
        ids = [f"robustness.{name}" for name in ("noise", "monotonic", "missing_value") if getattr(rules, name)
               and (judged is None or f"robustness.{name}" in judged)]
        return _crashed(ids, exc)
    return Probed(results, document)


@task(cache_policy=NO_CACHE)
def read_model_card(local_path: str | None) -> tuple[dict | None, str | None, str | None]:
    """The model card file logged with the model (`model_card.yaml` or `.json`): its fields, its name, and
    why it could not be read, if so."""
    if not local_path:
        return None, None, None
    for name in CARD_FILES:
        path = Path(local_path) / name
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
            card = json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
        except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
            return None, name, f"{name}: {exc}"
        if not isinstance(card, dict):
            return None, name, f"{name}: expected a mapping of fields, got {type(card).__name__}"
        return card, name, None
    return None, None, None
