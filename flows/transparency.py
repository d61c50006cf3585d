"""The gate's transparency and robustness steps: the model card, then importance, proxies and perturbation
tests through the registered model. Each composes tasks (reading, questioning the model) and checks (the
statistics), returning results and evidence files; flows/gate.py runs them."""

from __future__ import annotations

import json
from collections.abc import Iterable

import numpy as np
import pandas as pd

from govflow.checks.check_registry import Stage, expected_at
from govflow.checks.documentation import model_card, model_card_results
from govflow.checks.governance_tags import VersionTags
from govflow.checks.manifest import canonical_json
from govflow.checks.policy import TierPolicy
from govflow.checks.proxy import proxy_audit
from govflow.checks.results import CheckResult, not_run
from govflow.reports.explanation import explanation_html
from govflow.tasks.probes import explain_model, probe_robustness, read_model_card
from govflow.tasks.registry import ModelVersionInfo
from govflow.tasks.scoring import LoadedModel

# Families that question the model on the evaluation data; the model card needs neither.
PROBED = ("explainability", "proxy", "robustness")
REPORT = "evidence/explainability/report.html"
IMPORTANCE = "evidence/explainability/importance.json"
PROXY = "evidence/proxy/measures.json"


def probed_checks(tier: TierPolicy, tags: VersionTags) -> list[str]:
    """The probing checks this tier runs at the gate."""
    return expected_at(Stage.GATE, tier, tags, families=PROBED)


def documentation(subject: ModelVersionInfo, tags: VersionTags, loaded: LoadedModel,
                  tier: TierPolicy) -> tuple[list[CheckResult], dict[str, bytes]]:
    """One `documentation.model_card` result per required field, and what was found where."""
    rule = tier.documentation.model_card
    if rule is None:
        return [], {}
    card, card_file, card_error = read_model_card(loaded.local_path)
    found = model_card(tags.raw, card, subject.description)
    document = {"required": list(rule.fields), "card_file": card_file, "card_error": card_error,
                # Every field found, required or not: the model's page shows the card the gate read.
                "fields": {k: {"text": text, "source": source} for k, (text, source) in found.items()}}
    return (model_card_results(tags.raw, card, subject.description, rule, card_error),
            {"evidence/model_card.json": canonical_json(document)})


def probe(subject: ModelVersionInfo, loaded: LoadedModel, frame: pd.DataFrame, y: np.ndarray, sensitive: list[str],
          exclude: tuple[str, ...], tags: VersionTags, tier: TierPolicy,
          confidence: float) -> tuple[list[CheckResult], dict[str, bytes]]:
    """Importance and partial dependence, proxies and robustness on the evaluation data; their documents."""
    features = list(loaded.input_columns) or [c for c in frame.columns if c not in exclude]
    results: list[CheckResult] = []
    files: dict[str, bytes] = {}
    wanted = {c.split(".")[0] for c in probed_checks(tier, tags)}  # the registry knows which tasks each serves
    if "explainability" in wanted and tier.explainability is not None and tier.explainability.importance is not None:
        probed = explain_model(loaded, frame, y, features, tier.explainability, confidence, exclude, tier.task)
        results += probed.results
        files[IMPORTANCE] = canonical_json(probed.document)
    if "proxy" in wanted and tier.proxy is not None:
        proxy_ids = expected_at(Stage.GATE, tier, tags, families=("proxy",))
        if not sensitive:
            results += not_run(proxy_ids, "no sensitive attributes are declared (tag governance.sensitive_features)")
        elif missing := [c for c in sensitive if c not in frame.columns]:
            results += not_run(proxy_ids, f"evaluation data lacks sensitive column(s) {missing}")
        else:
            proxy_results, proxy = proxy_audit(frame, features, sensitive, tier.proxy)
            results += proxy_results
            files[PROXY] = canonical_json(proxy)
    if "robustness" in wanted and tier.robustness is not None:
        judged = tuple(c for c in probed_checks(tier, tags) if c.startswith("robustness."))
        probed = probe_robustness(loaded, frame, features, tags.monotonic, tier.robustness, confidence,
                                  exclude, tier.task, judged)
        results += probed.results
        files["evidence/robustness/perturbations.json"] = canonical_json(probed.document)
    return results, files


def report_page(subject: ModelVersionInfo, files: dict[str, bytes], results: Iterable[CheckResult]) -> bytes:
    """The evidence page of the probing families, drawn from their documents and the judged results (the
    tier's severity applied, so it shows what the verdict rests on)."""
    def document(path: str) -> dict | None:
        return json.loads(files[path]) if path in files else None

    return explanation_html(f"Transparency and robustness: {subject.model} v{subject.version}",
                            document(IMPORTANCE), document(PROXY), [r for r in results if r.family in PROBED])
