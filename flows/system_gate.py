"""The registration gate's evaluation of AI systems govflow cannot load (issue 31). A vendor's service: its
due-diligence record and documents, then its logged (or shadow) decisions judged as a model's would be. A
generative-AI application: its prompt recorded, its evaluation set's answers scored offline, and a new version
compared with the one serving on the inputs both answered. flows/gate.py runs these in place of scoring."""

from __future__ import annotations

from datetime import date

import pandas as pd

from govflow import clock
from govflow.checks.check_registry import Stage, expected_at
from govflow.checks.data_validation import check_columns_present, check_readable
from govflow.checks.due_diligence import judge_documents, judge_record
from govflow.checks.genai import BadAnswers, OutputFormat, answer_evidence, answer_table, judge_answers
from govflow.checks.genai_pairs import noninferiority
from govflow.checks.governance_tags import version_tags
from govflow.checks.manifest import canonical_json
from govflow.checks.model_task import tell_task
from govflow.checks.policy.vendor_rules import VendorChecks
from govflow.checks.results import CheckResult, Status, not_run
from govflow.checks.task_judging import judge_scored, logged_rows, task_result
from govflow.datasets import LoadedData
from govflow.flows import transparency
from govflow.flows.gate_steps import GateEvidence, validate_data
from govflow.flows.subject import Subject
from govflow.tasks.data import load_dataset
from govflow.tasks.registry import find_serving_version, read_model_version
from govflow.tasks.scoring import LoadedModel
from govflow.tasks.systems import read_prompt
from govflow.tasks.traces import load_answers
from govflow.tasks.vendor_records import read_due_diligence

NO_MODEL = LoadedModel(error="no model: the system is registered as an external model")


def _read(name: str, data: LoadedData, ev: GateEvidence) -> LoadedData:
    """The dataset, with whether it could be read judged and its fingerprint named among the gate's inputs."""
    ev.results += check_readable(name, data.uri, data.rows, data.error)
    if data.fingerprint:
        ev.inputs[f"{name}_data"] = data.fingerprint
    return data


def _documented(ctx: Subject, ev: GateEvidence) -> None:
    """The model card's fields, from the tags and the registered model's description (no model files)."""
    results, files = transparency.documentation(ctx.version, ctx.tags, NO_MODEL, ctx.tier)
    ev.results += results
    ev.files |= files


def evaluate_vendor(ctx: Subject, ev: GateEvidence) -> None:
    """Due diligence, then the logged sample: its data against the reference, its decisions against outcomes."""
    _documented(ctx, ev)
    _due_diligence(ctx, ev)
    tags, tier = ctx.tags, ctx.tier
    reference = _read("reference", load_dataset(tags.data.reference), ev)
    evaluation = _read("evaluation", load_dataset(tags.data.evaluation), ev)
    columns = tags.columns
    outputs = [c for c in (columns.prediction, columns.score) if c]
    needed = list(dict.fromkeys([*columns.declared(), *outputs]))
    for name, data in (("reference", reference), ("evaluation", evaluation)):
        if data.has_rows:
            ev.results += check_columns_present(name, data.columns, needed)
    inputs = [c for c in (reference.columns if reference.has_rows else []) if c not in columns.not_features()]
    validate_data(ctx.version, reference, evaluation, list(dict.fromkeys([*inputs, *columns.declared()])), tier, ev)
    judged_ids = expected_at(Stage.GATE, tier, tags, families=("performance", "fairness"))
    lacking = [c for c in [columns.label, columns.prediction] if not c or not evaluation.has_rows
               or c not in evaluation.columns]
    if lacking or not evaluation.has_rows:
        ev.results += not_run(judged_ids, "the logged sample lacks its outcomes or decisions "
                                          f"({', '.join(c or 'untagged' for c in lacking) or 'no rows'})")
        return
    frame = evaluation.table
    found = tell_task(tags.task, frame[columns.label].to_numpy(), None, frame[columns.prediction].to_numpy())
    ev.results.append(task_result(found, tier))
    if found.task is None:
        ev.results += not_run(judged_ids, f"the system's task is not known: {found.error}")
        return
    ev.task, tier = found.task, tier.for_task(found.task)
    reference_y = reference.table[columns.label].to_numpy() if reference.has_rows and columns.label in reference.columns \
        else None
    judged = judge_scored(found.task, logged_rows(frame, tags, reference_y), tier, ctx.policy.confidence)
    ev.results += judged.results
    if judged.group_rows:
        ev.files["evidence/fairness_groups.json"] = canonical_json({"groups": judged.group_rows})
    ev.fairness_groups = judged.groups


def _due_diligence(ctx: Subject, ev: GateEvidence) -> None:
    if ctx.tier.vendor is None:
        return
    results, files, inputs = due_diligence(ctx.tags.due_diligence, ctx.tier.vendor, clock.now().date())
    ev.results += results
    ev.files |= files
    ev.inputs |= inputs


def due_diligence(uri: str | None, rules: VendorChecks, today: date) -> tuple[list[CheckResult], dict[str, bytes],
                                                                              dict[str, str]]:
    """The vendor's due-diligence record and its documents judged as of `today` (at the gate, and every week by
    the retirement sweep while the service serves, so a certificate that lapses in production is a finding):
    results, the record as evidence, and its fingerprint."""
    found = read_due_diligence(uri)
    results: list[CheckResult] = []
    if rules.due_diligence is not None:
        results += judge_record(found.record, found.error, rules.due_diligence, today)
    if rules.documents is not None:
        results += (judge_documents(found.documents, found.problems, rules.documents, today) if found.record
                    is not None else not_run(["vendor.documents"], found.error or "no due-diligence record"))
    if not found.sha256:
        return results, {}, {}
    document = canonical_json({
        "record": found.uri, "sha256": found.sha256, "fields": dict(found.record or {}),
        "documents": [{"kind": d.kind, "file": d.file, "expires": d.expires.isoformat() if d.expires else None,
                       "sha256": d.sha256, "error": d.error} for d in found.documents]})
    return results, {"evidence/vendor/due_diligence.json": document}, {"due_diligence": f"sha256:{found.sha256}"}


def evaluate_genai(ctx: Subject, ev: GateEvidence) -> None:
    """The prompt on record, the evaluation set's answers scored, and non-inferiority to the serving version."""
    _documented(ctx, ev)
    _prompt(ctx, ev)
    tags, genai = ctx.tags, ctx.tier.genai
    # A file, or the version's MLflow traces.
    evaluation = _read("evaluation", load_answers(ctx.uri, tags.data.evaluation, ctx.version.source), ev)
    expected = [c for c in expected_at(Stage.GATE, ctx.tier, tags, families=("genai",))]
    if genai is None or not expected:
        return
    if not evaluation.has_rows:
        ev.results += not_run(expected, "the evaluation set of answers cannot be judged: " + (
            evaluation.error or "it has no rows" if tags.data.evaluation else "tag governance.evaluation_data is not set"))
        return
    judged = judge_answers(evaluation.table, tags, genai, ctx.policy.confidence, evaluation.uri or "the evaluation set",
                           expected)
    ev.results += judged.results
    if judged.table is None:
        return
    ev.files["evidence/genai/answers.json"] = canonical_json(
        {"answers": answer_evidence(judged.table, evaluation.table[tags.answers.input])})
    if genai.noninferiority is not None:
        ev.results += _against_serving(ctx, judged.table.set_axis(evaluation.table[tags.answers.input].astype(str)))


def _prompt(ctx: Subject, ev: GateEvidence) -> None:
    """The prompt version the application uses, its template kept as evidence; one that cannot be read blocks."""
    if ctx.tags.prompt is None:
        return
    prompt = read_prompt(ctx.uri, ctx.tags.prompt)
    if prompt.template is None:
        ev.results.append(CheckResult(check_id="governance.required_tags", status=Status.ERROR,
                                      column="governance.prompt", message=prompt.error or "the prompt cannot be read"))
        return
    document = canonical_json({"prompt": prompt.uri, "template": prompt.template})
    ev.files["evidence/genai/prompt.json"] = document
    ev.inputs["prompt"] = prompt.uri


def _against_serving(ctx: Subject, candidate: pd.DataFrame) -> list[CheckResult]:
    """Paired on the inputs both versions answered: this version against the one serving, when another serves."""
    rule, genai = ctx.tier.genai.noninferiority, ctx.tier.genai  # type: ignore[union-attr]
    serving = find_serving_version(ctx.uri, ctx.version.model)
    if rule is None or serving is None or serving == ctx.version.version:
        return []
    info = read_model_version(ctx.uri, ctx.version.model, serving)
    tags = version_tags(info.model_tags, info.version_tags)
    ids = [f"genai.noninferiority.{m}" for m in rule.metrics]
    data = load_answers(ctx.uri, tags.data.evaluation, info.source)
    if not data.has_rows:
        return not_run(ids, f"serving version {serving}'s evaluation set cannot be read: {data.error or 'no rows'}")
    try:
        declared = OutputFormat.parse(tags.output_format) if tags.output_format else None
        table = answer_table(data.table, tags.answers, genai, data.uri or "", declared)  # type: ignore[arg-type]
    except BadAnswers as exc:
        return not_run(ids, f"serving version {serving}'s answers cannot be scored: {exc}")
    old = table.set_axis(data.table[tags.answers.input].astype(str))
    old, new = old[~old.index.duplicated()], candidate[~candidate.index.duplicated()]
    shared = new.index.intersection(old.index)
    return noninferiority(new.loc[shared], old.loc[shared], rule, genai.on_straddle, ctx.policy.confidence, serving)  # type: ignore[union-attr]
