"""A generative-AI application's answers judged by the tier (issue 31): the offline scorers' verdicts per
answer (checks/genai_scorers.py) become rates, each with its Wilson interval, judged against the policy's
limits for all answers and for each group of a sensitive column; the team's own LLM judge is counted only as
far as it agrees with people (checks/genai_pairs.py holds the paired statistics)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from govflow.checks.genai_pairs import cohen_kappa, judge_pairs
from govflow.checks.genai_scorers import context_overlap, format_valid, matches, pii_found, refused
from govflow.checks.governance_tags import AnswerColumns, VersionTags
from govflow.checks.limits import Judged, Straddle, judge_figure, too_few_rows
from govflow.checks.performance import wilson_interval
from govflow.checks.policy.genai_rules import GenaiChecks, RateCeiling, RateFloor
from govflow.checks.results import CheckResult, Status, not_run

JUDGE_PREFIX, HUMAN_PREFIX = "judge.", "human."
RATE_METRICS = ("pii_leak_rate", "refusal_rate", "format_validity", "reference_match", "context_overlap")


@dataclass(frozen=True)
class OutputFormat:
    """The format an application declares its answers take (tag governance.output_format)."""

    keys: tuple[str, ...] = ()  # a JSON object holding each; any JSON value when empty

    @classmethod
    def parse(cls, written: str) -> OutputFormat:
        """`json`, or `json:key1,key2`; BadAnswers names the tag for any other format."""
        kind, _, keys = written.partition(":")
        if kind.strip().lower() != "json":
            raise BadAnswers(f"tag governance.output_format is '{written}': govflow checks 'json' or "
                             "'json:key1,key2' (a JSON object holding those keys)")
        return cls(tuple(k.strip() for k in keys.split(",") if k.strip()))


class BadAnswers(ValueError):
    """The answers cannot be judged as given (a column is missing); the message names it."""


def _texts(frame: pd.DataFrame, column: str) -> list[str | None]:
    return [None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in frame[column]]


def answer_table(frame: pd.DataFrame, columns: AnswerColumns, genai: GenaiChecks, source: str,
                 output_format: OutputFormat | None = None) -> pd.DataFrame:
    """One row per answer, one column per rate metric the tier judges: 1.0 where the answer does it (leaks,
    refuses, is valid JSON, matches, is grounded), 0.0 where not, NaN where it cannot be scored (no reference,
    no context); plus `pii_kinds`. BadAnswers names a missing input or output column of `source`."""
    for role, name in (("input", columns.input), ("output", columns.output)):
        if name not in frame.columns:
            raise BadAnswers(f"{source} has no {role} column '{name}' (columns: {', '.join(map(str, frame.columns))}"
                             f"); name it with tag governance.{role}_column")
    outputs = [o or "" for o in _texts(frame, columns.output)]
    references = _texts(frame, columns.reference) if columns.reference in frame.columns else [None] * len(frame)
    contexts = _texts(frame, columns.context) if columns.context in frame.columns else [None] * len(frame)
    kinds = [pii_found(o) for o in outputs]
    table = pd.DataFrame({"pii_kinds": [",".join(k) for k in kinds],
                          "pii_leak_rate": [float(bool(k)) for k in kinds],
                          "refusal_rate": [float(refused(o)) for o in outputs]}, index=frame.index)
    if output_format is not None:
        table["format_validity"] = [float(format_valid(o, output_format.keys)) for o in outputs]
    normalise = genai.reference_match.normalise if genai.reference_match is not None else True
    table["reference_match"] = [np.nan if (m := matches(o, r, normalise)) is None else float(m)
                                for o, r in zip(outputs, references, strict=True)]
    overlaps = [context_overlap(o, c).share for o, c in zip(outputs, contexts, strict=True)]
    table["context_token_share"] = [np.nan if s is None else s for s in overlaps]
    if genai.context_overlap is not None:  # grounded or not needs the tier's share; without one, shares only
        share = genai.context_overlap.min_token_share
        table["context_overlap"] = [np.nan if s is None else float(s >= share) for s in overlaps]
    return table


DOES = {"pii_leak_rate": "disclose personal data", "refusal_rate": "decline",
         "format_validity": "parse as the declared format", "reference_match": "match the reference answer",
         "context_overlap": "are grounded in their context"}


def rule_of(genai: GenaiChecks, metric: str) -> RateCeiling | RateFloor | None:
    return getattr(genai, metric)


def rate_result(check_id: str, hits: np.ndarray, rule: RateCeiling | RateFloor, straddle, confidence: float,
                what: str, group: str | None = None, extra: str = "") -> CheckResult:
    """One rate with its Wilson interval against the rule; too few answers is INCONCLUSIVE."""
    judged = Judged(rule.limit(), rule.min_samples)
    n = len(hits)
    if (few := too_few_rows(check_id, n, judged)) is not None:
        return few.model_copy(update={"group": group})
    k = int(hits.sum())
    return judge_figure(check_id, k / n, wilson_interval(k, n, confidence), n, judged, straddle,
                        f"{k} of {n} answers {what} ({k / n:.1%}){extra}", group=group)


def _group_results(check_id: str, values: pd.Series, groups: dict[str, pd.Series], rule,
                   confidence: float, what: str) -> tuple[list[CheckResult], list[str]]:
    """The same rate within each group of each sensitive column: a result for each group whose interval lies
    wholly within the limit or wholly beyond it (a finding of its own); and the groups too small for that, by
    name, which the whole's result mentions rather than a WARN per group that says nothing about the group."""
    out, unjudged = [], []
    for column, labels in groups.items():
        for value, hits in values.groupby(labels.loc[values.index], sort=True):
            result = rate_result(check_id, hits.to_numpy(), rule, Straddle.INCONCLUSIVE, confidence, what,
                                 group=f"{column}={value}")
            if result.status is Status.INCONCLUSIVE:
                unjudged.append(f"{column}={value} ({len(hits)})")
            else:
                out.append(result)
    return out, unjudged


def judge_rates(table: pd.DataFrame, genai: GenaiChecks, confidence: float,
                groups: dict[str, pd.Series] | None = None, skip: frozenset[str] = frozenset()) -> list[CheckResult]:
    """Each rate the tier limits (but those in `skip`), over every scorable answer and within each sensitive
    group."""
    out: list[CheckResult] = []
    for metric in RATE_METRICS:
        rule = rule_of(genai, metric)
        if rule is None or metric in skip:
            continue
        check_id = f"genai.{metric}"
        if metric == "format_validity" and metric not in table:
            continue  # judged only where the application declares a format (the registry's declared_by)
        values = table[metric].dropna() if metric in table else pd.Series(dtype=float)
        if values.empty:
            why = {"reference_match": "no answer has a reference answer (column reference)",
                   "context_overlap": "no answer has a context (column context) with content words"}
            out.append(CheckResult(check_id=check_id, status=Status.ERROR, n=0,
                                   message=f"not run: {why.get(metric, 'no answers to score')}",
                                   hint="add the column to the evaluation set, or name it with its governance tag"))
            continue
        extra = ""
        if metric == "pii_leak_rate" and (kinds := sorted({k for ks in table["pii_kinds"] for k in ks.split(",") if k})):
            extra = f"; kinds found: {', '.join(kinds)}"
        by_group, unjudged = _group_results(check_id, values, groups or {}, rule, confidence, DOES[metric])
        if unjudged:
            extra += f"; too few answers to judge alone: {', '.join(unjudged)}"
        out.append(rate_result(check_id, values.to_numpy(), rule, genai.on_straddle, confidence, DOES[metric],
                               extra=extra))
        out += by_group
    return out


def _verdicts(series: pd.Series) -> pd.Series:
    """A judge's or a person's verdicts as 1.0 (pass) / 0.0 (fail), NaN where blank; numbers at or above 0.5
    pass, words pass when they say so."""
    words = {"pass": 1.0, "yes": 1.0, "true": 1.0, "good": 1.0, "fail": 0.0, "no": 0.0, "false": 0.0, "bad": 0.0}

    def one(v: object) -> float:
        if v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and not v.strip()):
            return np.nan
        if isinstance(v, str) and (word := v.strip().lower()) in words:
            return words[word]
        try:
            return float(float(v) >= 0.5)  # type: ignore[arg-type]
        except ValueError:
            return np.nan
    return series.map(one)


def judge_judges(frame: pd.DataFrame, genai: GenaiChecks, confidence: float) -> list[CheckResult]:
    """For each judge column `judge.<name>`: its agreement with `human.<name>` (Cohen's kappa, interval), then
    its pass rate, which is INCONCLUSIVE unless the agreement's lower bound meets the minimum."""
    out: list[CheckResult] = []
    for column in [c for c in frame.columns if str(c).startswith(JUDGE_PREFIX)]:
        name = str(column)[len(JUDGE_PREFIX):]
        judge = _verdicts(frame[column])
        trusted, why = _agreement(frame, name, judge, genai, confidence, out)
        if genai.judge is None:
            continue
        hits = judge.dropna().to_numpy()
        written = frame[column].map(lambda v: v is not None and not (isinstance(v, float) and np.isnan(v))
                                    and str(v).strip() != "")
        if unread := int((written & judge.isna()).sum()):  # a verdict no one can read is not left out unsaid
            out.append(CheckResult(check_id="genai.judge", status=Status.ERROR, column=name, message=(
                f"{unread} verdict(s) in column '{column}' are neither pass/fail, yes/no, true/false nor a number"),
                hint="write each verdict as pass or fail (or 1 or 0)"))
            continue
        result = rate_result("genai.judge", hits, genai.judge, genai.on_straddle, confidence,
                             f"pass judge {name}")
        if result.status is Status.PASS and not trusted:
            result = result.with_status(Status.INCONCLUSIVE, f"judge {name} is not trusted: {why}")
        out.append(result.model_copy(update={"column": name}))
    return out


def _agreement(frame: pd.DataFrame, name: str, judge: pd.Series, genai: GenaiChecks, confidence: float,
               out: list[CheckResult]) -> tuple[bool, str]:
    rule, human_column = genai.judge_agreement, f"{HUMAN_PREFIX}{name}"
    if rule is None:
        return True, ""
    if human_column not in frame.columns:
        out.append(CheckResult(check_id="genai.judge_agreement", status=Status.ERROR, column=name,
                               message=f"not run: no column '{human_column}' of people's verdicts to check judge "
                                       f"{name} against", hint=f"label a sample of answers in '{human_column}'"))
        return False, f"no column '{human_column}'"
    both = pd.DataFrame({"judge": judge, "human": _verdicts(frame[human_column])}).dropna()
    judged = Judged(rule.limit(), rule.min_samples)
    if (few := too_few_rows("genai.judge_agreement", len(both), judged)) is not None:
        out.append(few.model_copy(update={"column": name}))
        return False, f"{len(both)} answers labelled by both"
    kappa, ci = cohen_kappa(both["judge"].to_numpy(), both["human"].to_numpy(), confidence)
    result = judge_figure("genai.judge_agreement", kappa, ci, len(both), judged, genai.on_straddle,
                          f"judge {name} agrees with people on {len(both)} answers with Cohen's kappa {kappa:.3f}",
                          column=name)
    out.append(result)
    return result.status is Status.PASS, f"kappa {kappa:.3f}, interval {ci[0]:.3f} to {ci[1]:.3f}"



@dataclass(frozen=True)
class JudgedAnswers:
    results: list[CheckResult]
    table: pd.DataFrame | None = None  # the per-answer scores (None when the answers could not be read)


def judge_answers(frame: pd.DataFrame, tags: VersionTags, genai: GenaiChecks, confidence: float, source: str,
                  expected: list[str], traffic: bool = False) -> JudgedAnswers:
    """Every genai check the tier runs on one evaluation set of answers: the rates, overall and per sensitive
    group, the judges and the counterfactual gap; a column the tags name but the answers lack is an ERROR for
    each `expected` check, naming it. Logged `traffic` is not paired, and carries reference answers or
    context only where the application logs them: a rate needing a column the logs do not have is not judged."""
    try:
        declared = OutputFormat.parse(tags.output_format) if tags.output_format else None
        table = answer_table(frame, tags.answers, genai, source, declared)
    except BadAnswers as exc:
        return JudgedAnswers(not_run(expected, str(exc)))
    missing = [c for c in tags.columns.sensitive if c not in frame.columns]
    groups = {c: frame[c] for c in tags.columns.sensitive if c in frame.columns}
    needs = {"reference_match": tags.answers.reference, "context_overlap": tags.answers.context}
    skip = frozenset(m for m, column in needs.items() if traffic and column not in frame.columns)
    results = judge_rates(table, genai, confidence, groups, skip) + judge_judges(frame, genai, confidence)
    results += [] if traffic else judge_pairs(frame, table, genai, confidence)
    results += [CheckResult(check_id=check_id, status=Status.ERROR, column=c,
                            message=f"sensitive column '{c}' (tag governance.sensitive_features) is not in {source}, "
                                    "so the answers' rates per group cannot be judged")
                for c in missing for check_id in expected[:1]]
    return JudgedAnswers(results, table)


def answer_evidence(table: pd.DataFrame, inputs: pd.Series) -> list[dict]:
    """The per-answer scores as evidence: each answer's input by its SHA-256 (never the text, which may hold
    the very personal data a leak check found), the kinds of personal data found and each scorer's verdict."""
    rows = []
    for (index, row), text in zip(table.iterrows(), inputs, strict=True):
        rows.append({"row": int(index) if isinstance(index, (int, np.integer)) else str(index),
                     "input_sha256": hashlib.sha256(str(text).encode()).hexdigest(),
                     **{k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}})
    return rows
