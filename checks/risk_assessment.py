"""Risk assessment: the owner's answers to the questionnaire give the risk tier. A use listed in EU AI Act
Annex III is high; otherwise the answers' scores add up against the questionnaire's tier floors."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from govflow.checks.policy import TIER_NAMES, Frozen, PolicyError, line_of, parse_typed
from govflow.checks.results import CheckResult, Status


class Answer(Frozen):
    score: int = Field(ge=0)
    annex_iii: str | None = None


Kind = Literal["model", "vendor", "genai"]


class Question(Frozen):
    id: str
    text: str
    answers: dict[str, Answer] = Field(min_length=2)
    # The kinds of AI system that answer it (a vendor's transparency is asked of vendor systems only).
    kinds: tuple[Kind, ...] = ("model", "vendor", "genai")


class TierFloors(Frozen):
    """The lowest total score of each tier; below `medium`, low."""

    high: int = Field(ge=1)
    medium: int = Field(ge=1)


class Questionnaire(Frozen):
    version: int = Field(ge=1, le=1)
    questions: tuple[Question, ...] = Field(min_length=1)
    tiers: TierFloors


class Assessment(Frozen):
    version: int = Field(ge=1, le=1)
    model: str
    assessed_by: str = Field(min_length=3)
    reviewed_by: str | None = None
    date: date
    kind: Kind = "model"  # the kind of AI system assessed: the questions asked depend on it
    answers: dict[str, str]


def parse_questionnaire(text: str, source: str) -> Questionnaire:
    """The questionnaire; PolicyError naming file, key and line for a bad key or value."""
    questionnaire, node = parse_typed(text, source, Questionnaire)
    if questionnaire.tiers.medium >= questionnaire.tiers.high:
        raise PolicyError(f"{source}, line {line_of(node, ['tiers', 'medium'])}: key 'tiers.medium': "
                          "must be below tiers.high")
    return questionnaire


def parse_assessment(text: str, source: str, questionnaire: Questionnaire) -> Assessment:
    """One model's answers; every question answered with one of its answers, or PolicyError naming the line."""
    assessment, node = parse_typed(text, source, Assessment)
    every = {q.id: q for q in questionnaire.questions}
    questions = {q.id: q for q in questionnaire.questions if assessment.kind in q.kinds}
    for key, answer in assessment.answers.items():
        where = f"{source}, line {line_of(node, ['answers', key])}: key 'answers.{key}'"
        if key in every and key not in questions:
            raise PolicyError(f"{where}: question '{key}' is asked of {' and '.join(every[key].kinds)} systems, "
                              f"and this assessment is of a {assessment.kind} (key 'kind')")
        if key not in questions:
            raise PolicyError(f"{where}: no question '{key}' (questions: {', '.join(questions)})")
        if answer not in questions[key].answers:
            raise PolicyError(f"{where}: '{answer}' is not an answer to '{key}' "
                              f"(answers: {', '.join(questions[key].answers)})")
    if missing := [q for q in questions if q not in assessment.answers]:
        raise PolicyError(f"{source}, line {line_of(node, ['answers'])}: key 'answers': unanswered {missing}")
    return assessment


def assessed_tier(questionnaire: Questionnaire, assessment: Assessment) -> tuple[str, str]:
    """(tier, why): high for an Annex III use, else by the total score against the tier floors."""
    questions = {q.id: q for q in questionnaire.questions}
    chosen = {key: questions[key].answers[value] for key, value in assessment.answers.items()}
    annex = [f"Annex III {a.annex_iii}" for a in chosen.values() if a.annex_iii]
    total = sum(a.score for a in chosen.values())
    if annex:
        return "high", f"EU AI Act {annex[0]} (score {total})"
    floors = questionnaire.tiers
    tier = "high" if total >= floors.high else "medium" if total >= floors.medium else "low"
    return tier, f"score {total} (high from {floors.high}, medium from {floors.medium})"


def judge_tier(declared: str | None, assessed: tuple[str, str] | None,
               unassessed: str) -> tuple[str | None, CheckResult]:
    """The tier to judge by and the `governance.risk_assessment` result.

    With both, the stricter wins and a declared tier below the assessed one is a WARN; with neither, ERROR
    (nothing may be judged without a tier). A tier only the owner declared, with no assessment on file, is a
    WARN and never judges more leniently than the policy's `unassessed` tier: tagging a lower tier cannot lower
    the bar. With only an assessment, that one.
    """
    declared = declared if declared in TIER_NAMES else None
    check = "governance.risk_assessment"
    if assessed is None and declared is None:
        return None, CheckResult(check_id=check, status=Status.ERROR, message=(
            "no risk assessment and no declared tier (governance.risk_tier)"),
            hint="answer the questionnaire in config/assessments/<model>.yaml or set governance.risk_tier")
    if assessed is None:
        floor = min((declared, unassessed), key=TIER_NAMES.index)
        raised = f": judged as {floor}, the policy's tier for an unassessed model, until one is" \
            if floor != declared else ""
        return floor, CheckResult(check_id=check, status=Status.WARN, value=floor, limit=declared, message=(
            f"tier {declared} is declared but no risk assessment is on file{raised}"),
            hint="answer the questionnaire in config/assessments/<model>.yaml"
                 + (" for a lower tier to apply" if raised else ""))
    tier, why = assessed
    if declared is None or declared == tier:
        return tier, CheckResult(check_id=check, status=Status.PASS, value=tier, limit=declared,
                                 message=f"assessed {tier}: {why}")
    strictest = min((tier, declared), key=TIER_NAMES.index)
    status = Status.WARN if strictest == tier else Status.PASS
    return strictest, CheckResult(check_id=check, status=status, value=tier, limit=declared, message=(
        f"assessed {tier} ({why}), declared {declared}: judged as {strictest}"),
        hint="correct governance.risk_tier to the assessed tier" if status is Status.WARN else None)


def answers_document(assessment: Assessment, questionnaire: Questionnaire, tier: str, why: str) -> dict:
    """The assessment as evidence: each question, the answer given, its score, and the resulting tier."""
    questions = {q.id: q for q in questionnaire.questions}
    return {"model": assessment.model, "assessed_by": assessment.assessed_by, "reviewed_by": assessment.reviewed_by,
            "date": str(assessment.date), "tier": tier, "why": why,
            "answers": [{"question": questions[k].text, "id": k, "answer": v,
                         "score": questions[k].answers[v].score, "annex_iii": questions[k].answers[v].annex_iii}
                        for k, v in assessment.answers.items()]}

