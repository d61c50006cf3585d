"""Risk tiering from the questionnaire: Annex III uses are high, otherwise the score decides at the
floors; the stricter of assessed and declared wins; bad files name the file, key and line."""

import pytest

from govflow.checks.policy import PolicyError
from govflow.checks.results import Status
from govflow.checks.risk_assessment import (
    assessed_tier,
    judge_tier,
    parse_assessment,
    parse_questionnaire,
)
from govflow.settings import DEFAULT_ASSESSMENTS, DEFAULT_QUESTIONNAIRE

QUESTIONNAIRE = parse_questionnaire(DEFAULT_QUESTIONNAIRE.read_text(), "questionnaire.yaml")

ANSWERS = """version: 1
model: m
assessed_by: owner@bank.example
date: 2026-11-01
answers:
  domain: {domain}
  autonomy: {autonomy}
  affected: individuals_under_100k
  data_sensitivity: personal
  explanation: expected
  provenance: in_house
"""


def _assess(domain="marketing", autonomy="advisory_only"):
    return parse_assessment(ANSWERS.format(domain=domain, autonomy=autonomy), "m.yaml", QUESTIONNAIRE)


def test_an_annex_iii_use_is_high_whatever_the_score():
    tier, why = assessed_tier(QUESTIONNAIRE, _assess("employment"))
    assert tier == "high" and "Annex III 4(b)" in why and "score 6" in why


@pytest.mark.parametrize(("domain", "autonomy", "tier"), [
    ("marketing", "advisory_only", "low"),            # 0+0+1+1+1+0 = 3, below medium's 4
    ("marketing", "human_reviews_every_case", "medium"),  # 4: at the medium floor
    ("fraud_detection", "human_reviews_adverse", "medium"),  # 7: just below high's 8
    ("fraud_detection", "fully_automated", "high"),   # 8: at the high floor
])
def test_score_floors(domain, autonomy, tier):
    assert assessed_tier(QUESTIONNAIRE, _assess(domain, autonomy))[0] == tier


@pytest.mark.parametrize(("declared", "assessed", "tier", "status"), [
    (None, None, None, Status.ERROR),
    ("medium", None, "high", Status.WARN),  # declared without an assessment: never below the unassessed tier
    ("high", None, "high", Status.WARN),
    (None, ("high", "x"), "high", Status.PASS),
    ("high", ("high", "x"), "high", Status.PASS),
    ("medium", ("high", "x"), "high", Status.WARN),   # declared below the assessment: the assessment wins
    ("high", ("low", "x"), "high", Status.PASS),      # declared stricter: kept
    ("bogus", None, None, Status.ERROR),
])
def test_governance_risk_assessment_takes_the_stricter_tier(declared, assessed, tier, status):
    chosen, result = judge_tier(declared, assessed, "high")
    assert chosen == tier and result.check_id == "governance.risk_assessment" and result.status is status


@pytest.mark.parametrize(("declared", "unassessed", "tier"), [
    ("low", "medium", "medium"), ("medium", "medium", "medium"), ("high", "medium", "high"), ("low", "low", "low")])
def test_a_declared_tier_alone_never_judges_below_the_unassessed_tier(declared, unassessed, tier):
    chosen, result = judge_tier(declared, None, unassessed)
    assert chosen == tier and result.status is Status.WARN
    assert ("the policy's tier for an unassessed model" in result.message) is (tier != declared)


@pytest.mark.parametrize(("edit", "message"), [
    (("domain: marketing", "domain: astrology"), "m.yaml, line 6: key 'answers.domain': 'astrology' is not an answer"),
    (("  provenance: in_house\n", ""), "m.yaml, line 5: key 'answers': unanswered ['provenance']"),
    (("  provenance: in_house\n", "  provenance: in_house\n  mood: good\n"), "key 'answers.mood': no question 'mood'"),
    (("date: 2026-11-01\n", ""), "m.yaml, line 1: key 'date': Field required"),
])
def test_a_bad_assessment_names_file_key_and_line(edit, message):
    with pytest.raises(PolicyError) as info:
        parse_assessment(ANSWERS.format(domain="marketing", autonomy="advisory_only").replace(*edit), "m.yaml",
                         QUESTIONNAIRE)
    assert message in str(info.value)


def test_the_shipped_assessments_are_valid_and_high():
    for path in sorted(DEFAULT_ASSESSMENTS.glob("*.yaml")):
        assessment = parse_assessment(path.read_text(), str(path), QUESTIONNAIRE)
        assert assessment.model == path.stem and assessed_tier(QUESTIONNAIRE, assessment)[0] == "high"


VENDOR_ANSWERS = ANSWERS.replace("date: 2026-11-01\n", "date: 2026-11-01\nkind: vendor\n").replace(
    "  provenance: in_house\n", "  provenance: third_party\n  vendor_transparency: nothing\n"
                                "  vendor_substitution: not_at_all\n")


def test_a_vendor_system_answers_the_vendor_questions_and_they_raise_its_score():
    vendor = parse_assessment(VENDOR_ANSWERS.format(domain="fraud_detection", autonomy="human_reviews_adverse"),
                              "v.yaml", QUESTIONNAIRE)
    # fraud 2 + adverse review 2 + under 100k 1 + personal 1 + expected 1 + third party 1 + nothing 2 + not at all 2
    assert assessed_tier(QUESTIONNAIRE, vendor) == ("high", "score 12 (high from 8, medium from 4)")
    with pytest.raises(PolicyError, match="unanswered \\['vendor_transparency', 'vendor_substitution'\\]"):
        parse_assessment(ANSWERS.format(domain="marketing", autonomy="advisory_only").replace(
            "date: 2026-11-01\n", "date: 2026-11-01\nkind: vendor\n"), "v.yaml", QUESTIONNAIRE)
    # A model is not asked a vendor's questions, and answering one names the kinds it is for.
    with pytest.raises(PolicyError, match="'vendor_transparency' is asked of vendor systems, and this assessment is "
                                          "of a model"):
        parse_assessment(ANSWERS.format(domain="marketing", autonomy="advisory_only") + "  vendor_transparency: nothing\n",
                         "m.yaml", QUESTIONNAIRE)


def test_a_genai_application_is_asked_who_reads_its_answers_and_what_it_may_do():
    genai = ANSWERS.replace("date: 2026-11-01\n", "date: 2026-11-01\nkind: genai\n").replace(
        "  provenance: in_house\n", "  provenance: in_house\n  genai_audience: customers_directly\n"
                                    "  genai_actions: answers_only\n")
    # marketing 0 + every case reviewed 1 + under 100k 1 + personal 1 + expected 1 + in house 0 + customers read it 2
    assessed = parse_assessment(genai.format(domain="marketing", autonomy="human_reviews_every_case"), "g.yaml",
                                QUESTIONNAIRE)
    assert assessed_tier(QUESTIONNAIRE, assessed) == ("medium", "score 6 (high from 8, medium from 4)")
