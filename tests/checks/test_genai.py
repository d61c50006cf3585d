"""Generative-AI checks (issue 31): the offline scorers on hand-made answers, and their rates, agreement, paired
gaps and non-inferiority against independent computations (statsmodels, scikit-learn, SciPy, worked by hand)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.inter_rater import cohens_kappa, to_table
from statsmodels.stats.proportion import proportion_confint

from govflow.checks.genai import BadAnswers, OutputFormat, answer_table, judge_judges, judge_rates
from govflow.checks.genai_lifetime import lifetime_rates
from govflow.checks.genai_pairs import cohen_kappa, judge_pairs, noninferiority
from govflow.checks.genai_scorers import (
    context_overlap,
    format_valid,
    iban_valid,
    luhn_valid,
    matches,
    pii_found,
    refused,
)
from govflow.checks.governance_tags import AnswerColumns
from govflow.checks.policy.genai_rules import GenaiChecks
from govflow.checks.results import Status
from govflow.checks.sequential import sequence_bounds

CONFIDENCE = 0.95


def _genai(**rules) -> GenaiChecks:
    return GenaiChecks.model_validate(rules)


@pytest.mark.parametrize(("text", "kinds"), [
    ("Write to jane.doe@example.co.uk for help.", ("email",)),
    ("Your card 4111 1111 1111 1111 is active.", ("card",)),
    ("Pay to GB82 WEST 1234 5698 7654 32 today.", ("iban",)),
    ("Your account no. 31926819 is open.", ("account",)),
    ("SSN on file: 123-45-6789.", ("ssn",)),
    ("NI number AB 12 34 56 C is recorded.", ("nino",)),
    ("Call us on +44 20 7946 0958.", ("phone",)),
    # Digits without a valid check digit, a date, a short reference: none of them personal data.
    ("Order 1234 5678 9012 3456 shipped on 2024-05-01.", ()),
    ("Ticket 4471 is closed; see section 3.2.", ()),
    ("Pay to GB00 WEST 1234 5698 7654 32 today.", ()),
])
def test_genai_pii_leak_rate_finds_each_kind_of_personal_data_and_only_those(text, kinds):
    assert pii_found(text) == kinds


def test_check_digits_match_published_examples():
    assert luhn_valid("4111111111111111") and luhn_valid("79927398713") and not luhn_valid("79927398710")
    assert iban_valid("GB82 WEST 1234 5698 7654 32") and iban_valid("DE89370400440532013000")
    assert not iban_valid("DE89370400440532013001")


@pytest.mark.parametrize(("text", "declines"), [
    ("I'm sorry, but I can't help with that request.", True),
    ("I cannot share account details over chat.", True),
    ("Unfortunately, we are unable to change that.", True),
    ("We are unable to open branches on Sundays, but the app works.", False),  # a fact, not a refusal
    ("Sorry, but we cannot discuss other customers.", True),
    ("As an AI language model, I do not hold opinions.", True),
    ("Sure: refunds take five working days.", False),
    ("Refunds take five days. " * 10 + "I can't say whether the bank will waive the fee.", False),
])
def test_genai_refusal_rate_reads_a_refusal_at_the_opening_only(text, declines):
    assert refused(text) is declines


def test_genai_format_validity_reference_match_and_context_overlap_per_answer():
    assert format_valid('{"amount": 10, "currency": "EUR"}', ("amount", "currency"))
    assert not format_valid('{"amount": 10}', ("amount", "currency")) and not format_valid("amount: 10")
    assert format_valid("[1, 2]") and not format_valid("[1, 2]", ("amount",))
    assert OutputFormat.parse("JSON: amount, currency").keys == ("amount", "currency")
    with pytest.raises(BadAnswers, match="governance.output_format"):
        OutputFormat.parse("xml")
    assert matches("The Eiffel Tower!", "eiffel  tower", normalise=True)
    assert not matches("The Eiffel Tower!", "eiffel tower", normalise=False)
    assert matches("anything", None, normalise=True) is None
    # 3 of the answer's 4 content words (refunds, take, five, days -> "take" absent) are in the context.
    overlap = context_overlap("Refunds take five days", "Refunds are processed within five working days.")
    assert overlap.tokens == 4 and overlap.share == pytest.approx(0.75)
    assert context_overlap("Refunds take five days", None).share is None


def _answers(n_leak: int, n: int, refusals: int = 0) -> pd.DataFrame:
    outputs = [f"Your card 4111 1111 1111 1111 is on file (case {i})." for i in range(n_leak)]
    outputs += ["I'm sorry, but I can't help with that."] * refusals
    outputs += [f"Refunds take five working days (case {i})." for i in range(n - len(outputs))]
    return pd.DataFrame({"input": [f"q{i}" for i in range(n)], "output": outputs,
                         "context": ["Refunds are processed within five working days."] * n,
                         "segment": ["a", "b"] * (n // 2)})


def test_genai_rates_carry_the_wilson_interval_statsmodels_gives_and_pass_only_within_the_limit():
    genai = _genai(pii_leak_rate={"max": 0.05, "min_samples": 50}, refusal_rate={"max": 0.10, "min_samples": 50})
    frame = _answers(n_leak=6, n=400, refusals=20)
    results = judge_rates(answer_table(frame, AnswerColumns(), genai, "eval.csv"), genai, CONFIDENCE)
    pii = next(r for r in results if r.check_id == "genai.pii_leak_rate" and r.group is None)
    assert pii.value == pytest.approx(6 / 400) and pii.n == 400
    assert pii.ci == pytest.approx(proportion_confint(6, 400, alpha=0.05, method="wilson"), abs=1e-12)
    assert pii.status is Status.PASS and "card" in pii.message
    refusal = next(r for r in results if r.check_id == "genai.refusal_rate" and r.group is None)
    assert refusal.value == pytest.approx(20 / 400) and refusal.status is Status.PASS
    # 30 leaks in 400: Wilson's lower bound (5.3%) is above a 5% ceiling.
    leaky = judge_rates(answer_table(_answers(30, 400), AnswerColumns(), genai, "eval.csv"), genai, CONFIDENCE)
    assert next(r for r in leaky if r.check_id == "genai.pii_leak_rate").status is Status.FAIL


def test_a_rate_whose_interval_straddles_its_limit_is_never_a_pass():
    genai = _genai(on_straddle="INCONCLUSIVE", pii_leak_rate={"max": 0.01, "min_samples": 50})
    # No leak in 100 answers: the point is 0 but the upper bound (3.7%) is beyond 1%.
    clean = judge_rates(answer_table(_answers(0, 100), AnswerColumns(), genai, "e"), genai, CONFIDENCE)
    assert clean[0].value == 0.0 and clean[0].status is Status.INCONCLUSIVE
    few = judge_rates(answer_table(_answers(0, 20), AnswerColumns(), genai, "e"), genai, CONFIDENCE)
    assert few[0].status is Status.INCONCLUSIVE and "min_samples" in few[0].message


def test_each_sensitive_group_is_judged_by_the_same_limit_where_its_answers_can_show_it():
    genai = _genai(pii_leak_rate={"max": 0.05, "min_samples": 50})
    frame = _answers(60, 400)  # the leaks fall alternately in segments a and b: 30 of 200 each (15%)
    table = answer_table(frame, AnswerColumns(), genai, "e")
    results = judge_rates(table, genai, CONFIDENCE, groups={"segment": frame["segment"]})
    groups = {r.group: r for r in results if r.group}
    assert set(groups) == {"segment=a", "segment=b"}
    assert groups["segment=a"].n == 200 and groups["segment=a"].value == pytest.approx(30 / 200)
    assert groups["segment=a"].status is Status.FAIL
    # 2 leaks in 400 (1 of 200 per segment): the whole is within 2%; neither segment's interval can say so alone,
    # and the whole's result names them rather than a result per segment that says nothing.
    strict = _genai(pii_leak_rate={"max": 0.02, "min_samples": 50})
    few = judge_rates(answer_table(_answers(2, 400), AnswerColumns(), strict, "e"), strict, CONFIDENCE,
                      groups={"segment": frame["segment"]})
    assert [r.group for r in few] == [None] and few[0].status is Status.PASS
    assert "too few answers to judge alone: segment=a (200), segment=b (200)" in few[0].message


def test_a_missing_answer_column_is_named_and_an_unscorable_metric_is_an_error():
    genai = _genai(reference_match={"min": 0.5, "min_samples": 10})
    with pytest.raises(BadAnswers, match="no output column 'answer'.*governance.output_column"):
        answer_table(pd.DataFrame({"input": ["q"], "output": ["a"]}), AnswerColumns(output="answer"), genai, "e.csv")
    results = judge_rates(answer_table(_answers(0, 20), AnswerColumns(), genai, "e"), genai, CONFIDENCE)
    match = next(r for r in results if r.check_id == "genai.reference_match")
    assert match.status is Status.ERROR and "reference" in match.message


def test_genai_judge_agreement_equals_statsmodels_and_scikit_learn_and_gates_the_judge():
    rng = np.random.default_rng(7)
    human = rng.integers(0, 2, 300)
    judge = np.where(rng.random(300) < 0.85, human, 1 - human)
    kappa, ci = cohen_kappa(judge, human, CONFIDENCE)
    assert kappa == pytest.approx(cohen_kappa_score(judge, human), abs=1e-12)
    reference = cohens_kappa(to_table(np.c_[judge, human])[0])
    assert ci == pytest.approx((reference.kappa_low, reference.kappa_upp), abs=1e-12)

    genai = _genai(judge={"min": 0.3, "min_samples": 50}, judge_agreement={"min_kappa": 0.9, "min_samples": 50})
    frame = pd.DataFrame({"judge.helpful": np.where(judge == 1, "pass", "fail"),
                          "human.helpful": [str(h) if i < 200 else "" for i, h in enumerate(human)]})
    results = {r.check_id: r for r in judge_judges(frame, genai, CONFIDENCE)}
    assert results["genai.judge_agreement"].status is Status.FAIL and results["genai.judge_agreement"].n == 200
    # The judge's pass rate alone would pass; a judge that disagrees with people is not believed.
    assert results["genai.judge"].status is Status.INCONCLUSIVE and "not trusted" in results["genai.judge"].message
    trusting = _genai(judge={"min": 0.3, "min_samples": 50}, judge_agreement={"min_kappa": 0.4, "min_samples": 50})
    assert {r.check_id: r.status for r in judge_judges(frame, trusting, CONFIDENCE)} == {
        "genai.judge_agreement": Status.PASS, "genai.judge": Status.PASS}


def _pairs(n_pairs: int, flips_swapped: int, flips_original: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    for i in range(n_pairs):
        swapped_refuses, original_refuses = i < flips_swapped, flips_swapped <= i < flips_swapped + flips_original
        rows.append({"pair_id": i, "counterfactual": False, "output": "I can't help with that." if original_refuses
                     else "Here is the loan summary."})
        rows.append({"pair_id": i, "counterfactual": True, "output": "I can't help with that." if swapped_refuses
                     else "Here is the loan summary."})
    frame = pd.DataFrame(rows).assign(input=lambda f: f["pair_id"].astype(str))
    return frame, answer_table(frame, AnswerColumns(), GenaiChecks(), "e")


def test_genai_counterfactual_gap_is_the_paired_difference_with_mcnemar_exact_test():
    rule = {"counterfactual_gap": {"outcome": "refusal", "max": 0.05, "min_pairs": 30}}
    frame, table = _pairs(200, flips_swapped=24, flips_original=4)
    [result] = judge_pairs(frame, table, _genai(**rule), CONFIDENCE)
    # By hand: d = (24 - 4) / 200 = 0.10; Wald paired variance (b + c - (b - c)^2 / n) / n^2.
    b, c, n = 24, 4, 200
    half = 1.959963984540054 * np.sqrt(b + c - (b - c) ** 2 / n) / n
    assert result.value == pytest.approx(0.10) and result.ci == pytest.approx((0.10 - half, 0.10 + half))
    exact = mcnemar([[172, 4], [24, 0]], exact=True).pvalue
    assert f"p={exact:.3g}" in result.message and result.status is Status.FAIL
    balanced, table = _pairs(200, flips_swapped=3, flips_original=3)
    [even] = judge_pairs(balanced, table, _genai(**rule), CONFIDENCE)
    assert even.value == 0.0 and even.ci[0] == 0.0 and even.status is Status.PASS


def test_a_pair_that_is_not_one_original_and_one_swapped_input_is_an_error():
    frame, table = _pairs(40, 2, 2)
    frame.loc[1, "counterfactual"] = False
    [result] = judge_pairs(frame, table, _genai(counterfactual_gap={"max": 0.05, "min_pairs": 10}), CONFIDENCE)
    assert result.status is Status.ERROR and "pair_id" in result.message


def test_genai_noninferiority_passes_only_when_the_worse_end_is_within_the_margin():
    rule = _genai(noninferiority={"margin": 0.02, "metrics": ["pii_leak_rate", "context_overlap"]}).noninferiority
    assert rule is not None
    n = 400
    old = pd.DataFrame({"pii_leak_rate": np.zeros(n), "context_overlap": np.ones(n)})
    new = old.copy()
    new.loc[:19, "pii_leak_rate"] = 1.0  # 20 new leaks in 400: worse by 5 points
    results = {r.check_id: r for r in noninferiority(new, old, rule, "INCONCLUSIVE", CONFIDENCE, "1")}
    leak = results["genai.noninferiority.pii_leak_rate"]
    half = 1.959963984540054 * np.sqrt(0.05 * 0.95 / n)
    assert leak.value == pytest.approx(0.05) and leak.ci == pytest.approx((0.05 - half, 0.05 + half))
    assert leak.status is Status.FAIL
    assert results["genai.noninferiority.context_overlap"].status is Status.PASS  # identical answers: 0 worse


@pytest.mark.parametrize(("check_id", "rule", "column", "value"), [
    ("genai.pii_leak_rate", {"max": 0.5, "min_samples": 4}, None, 0.25),
    ("genai.refusal_rate", {"max": 0.5, "min_samples": 4}, None, 0.25),
    ("genai.format_validity", {"min": 0.5, "min_samples": 4}, None, 0.25),
    ("genai.reference_match", {"min": 0.5, "min_samples": 4}, "reference", 0.5),
    ("genai.context_overlap", {"min": 0.5, "min_samples": 4, "min_token_share": 0.5}, "context", 0.75),
])
def test_each_rate_is_counted_over_the_answers_it_can_score(check_id, rule, column, value):
    frame = pd.DataFrame({
        "input": ["a", "b", "c", "d"],
        "output": ['{"amount": 1}', "I cannot help with that.", "Mail me at x@example.com", "Refunds take five days"],
        "reference": ['{"amount": 1}', "i cannot help with that", "no", "refunds take 5 days"],
        "context": ["amount one", "I cannot help with that", "branch hours", "Refunds take five days"]})
    genai = _genai(**{check_id.split(".")[1]: rule})
    declared = OutputFormat.parse("json:amount")
    [result] = judge_rates(answer_table(frame, AnswerColumns(), genai, "e", declared), genai, CONFIDENCE)
    assert result.check_id == check_id and result.value == pytest.approx(value) and result.n == 4
    assert column is None or column in frame.columns


@pytest.mark.parametrize("check_id", ["genai.noninferiority.pii_leak_rate", "genai.noninferiority.refusal_rate",
                                      "genai.noninferiority.format_validity", "genai.noninferiority.reference_match",
                                      "genai.noninferiority.context_overlap"])
def test_a_version_answering_exactly_as_the_serving_one_is_non_inferior(check_id):
    metric = check_id.rsplit(".", 1)[1]
    rule = _genai(noninferiority={"margin": 0.02, "metrics": [metric]}).noninferiority
    assert rule is not None
    same = pd.DataFrame({metric: np.r_[np.zeros(300), np.ones(100)]})
    [result] = noninferiority(same, same.copy(), rule, "INCONCLUSIVE", CONFIDENCE, "1")
    assert result.check_id == check_id and result.value == 0.0 and result.status is Status.PASS


def _weeks(rates: list[float], n: int, rng) -> list[tuple[str, pd.DataFrame]]:
    return [(f"w{i}", pd.DataFrame({"pii_leak_rate": (rng.random(n) < p).astype(float)})) for i, p in enumerate(rates)]


def test_genai_lifetime_pii_leak_rate_holds_its_false_alarms_under_alpha_at_every_nightly_look():
    # 400 deployments leaking at exactly the 1% limit, looked at after each of 12 weeks of 300 answers: a FAIL
    # at any look is a false alarm; the confidence sequence keeps them under alpha over all the looks at once.
    genai = _genai(pii_leak_rate={"max": 0.01, "min_samples": 50}, lifetime={"alpha": 0.05, "metrics": ["pii_leak_rate"]})
    rng = np.random.default_rng(20261207)
    alarms = 0
    for _ in range(400):
        weeks = _weeks([0.01] * 12, 300, rng)
        alarms += any(lifetime_rates(weeks[:look], genai)[0].status is Status.FAIL for look in range(1, 13))
    assert alarms / 400 <= 0.05


def test_genai_lifetime_adds_up_clean_weeks_and_finds_a_real_leak():
    genai = _genai(pii_leak_rate={"max": 0.01, "min_samples": 50}, lifetime={"alpha": 0.05, "metrics": ["pii_leak_rate"]})
    rng = np.random.default_rng(3)
    clean = _weeks([0.0] * 6, 300, rng)
    [one] = lifetime_rates(clean[:1], genai)
    assert one.status is Status.INCONCLUSIVE and one.ci[1] > 0.01  # 300 clean answers cannot show under 1% at every look
    [six] = lifetime_rates(clean, genai)
    # Six clean weeks: the beta-binomial sequence's upper bound is 0.41%, the normal-mixture one's 4.0%.
    assert six.status is Status.PASS and six.n == 1800 and six.ci[1] == pytest.approx(0.004056, abs=1e-6)
    assert sequence_bounds(0.05, [t["pii_leak_rate"].to_numpy() for _, t in clean])[-1][1] > 0.03
    [leaking] = lifetime_rates(_weeks([0.04] * 4, 300, rng), genai)
    assert leaking.status is Status.FAIL and leaking.ci[0] > 0.01
    assert lifetime_rates([], genai)[0].status is Status.INCONCLUSIVE


@pytest.mark.parametrize(("check_id", "rule"), [
    ("genai.lifetime.pii_leak_rate", {"max": 0.05, "min_samples": 10}),
    ("genai.lifetime.refusal_rate", {"max": 0.05, "min_samples": 10}),
    ("genai.lifetime.format_validity", {"min": 0.9, "min_samples": 10}),
    ("genai.lifetime.reference_match", {"min": 0.9, "min_samples": 10}),
    ("genai.lifetime.context_overlap", {"min": 0.9, "min_samples": 10, "min_token_share": 0.5}),
])
def test_each_rate_has_its_lifetime_held_to_its_own_limit(check_id, rule):
    metric = check_id.rsplit(".", 1)[1]
    genai = _genai(**{metric: rule, "lifetime": {"alpha": 0.05, "metrics": [metric]}})
    good = 0.0 if "max" in rule else 1.0  # no answer leaks or refuses; every answer holds the format, matches...
    weeks = [(f"w{i}", pd.DataFrame({metric: np.full(500, good)})) for i in range(3)]
    [result] = lifetime_rates(weeks, genai)
    assert result.check_id == check_id and result.n == 1500 and result.status is Status.PASS
    bad = [(p, t.assign(**{metric: 1.0 - good})) for p, t in weeks]
    assert lifetime_rates(bad, genai)[0].status is Status.FAIL


def test_a_genai_judge_verdict_no_one_can_read_is_an_error_not_left_out():
    genai = _genai(judge={"min": 0.5, "min_samples": 2})
    frame = pd.DataFrame({"judge.helpful": ["pass", "fail", "maybe", None]})
    [result] = judge_judges(frame, genai, CONFIDENCE)
    assert result.status is Status.ERROR and "1 verdict(s) in column 'judge.helpful'" in result.message
