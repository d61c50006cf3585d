"""Regional overlays: each tightens its tiers, the stricter rule wins whatever the order, none can loosen, and a
code the policy does not define is an ERROR."""

import itertools

import pytest

from govflow.checks.governance_tags import VersionTags
from govflow.checks.jurisdictions import OverlayError, declared, tighten, unknown_result
from govflow.checks.policy import PolicyError, parse_policy
from govflow.checks.results import Status
from govflow.settings import DEFAULT_POLICY

SHIPPED = DEFAULT_POLICY.read_text()


def with_jurisdictions(block: str) -> str:
    return SHIPPED.split("\njurisdictions:")[0] + "\njurisdictions:\n" + block


def test_the_stricter_rule_wins_whatever_the_order():
    tier = {"performance": {"auc": {"blocking": False, "min": 0.7, "min_samples": 200},
                            "decay": {"max_worsening": {"auc": 0.05, "accuracy": 0.05}}},
            "lifecycle": {"review_every_days": 180, "retention_years": 7, "fix_within_days": {"critical": 30}},
            "documentation": {"model_card": {"blocking": False, "fields": ["intended_use"]}}}
    a = {"performance": {"auc": {"blocking": True, "min": 0.65}, "decay": {"max_worsening": {"auc": 0.03}}},
         "lifecycle": {"review_every_days": 365, "retention_years": 10},
         "documentation": {"model_card": {"fields": ["limitations", "intended_use"]}}}
    b = {"performance": {"auc": {"min": 0.75}}, "lifecycle": {"fix_within_days": {"critical": 7}},
         "drift": {"share": {"blocking": True, "max": 0.3}}}  # a check the tier does not run: added
    results = [tighten(tighten(tier, x, "x"), y, "y") for x, y in itertools.permutations([a, b])]
    assert results[0] == results[1]
    merged = results[0]
    assert merged["performance"]["auc"] == {"blocking": True, "min": 0.75, "min_samples": 200}
    assert merged["performance"]["decay"]["max_worsening"] == {"auc": 0.03, "accuracy": 0.05}
    assert merged["lifecycle"] == {"review_every_days": 180, "retention_years": 10, "fix_within_days": {"critical": 7}}
    assert merged["documentation"]["model_card"]["fields"] == ["intended_use", "limitations"]
    assert merged["drift"] == {"share": {"blocking": True, "max": 0.3}}


@pytest.mark.parametrize("overlay", [{"performance": {"auc": {"min_samples": 50}}}, {"seed": 1},
                                     {"performance": {"auc": {"min": "high"}}}])
def test_an_overlay_that_would_set_a_key_with_no_stricter_direction_is_refused(overlay):
    tier = {"performance": {"auc": {"blocking": True, "min": 0.7, "min_samples": 200}}, "seed": 7}
    with pytest.raises(OverlayError, match=r"x\.(performance\.auc\.min_samples|seed|performance\.auc\.min)"):
        tighten(tier, overlay, "x")


def test_the_shipped_overlays_tighten_and_name_what_they_change():
    policy = parse_policy(SHIPPED, "policy.yaml")
    assert policy.tier("high", ("eu",)).data.missing_share.blocking and not policy.tier("high").data.missing_share.blocking
    assert policy.tier("high", ("zz",)) == policy.tier("high")  # unknown codes are judged apart (below)
    changes = {c["path"]: (c["tier"], c["in_force"]) for c in policy.tier_changes("medium", ("us", "uk"))}
    assert changes["lifecycle.review_every_days"] == (180, 120)  # the US's 365 loses to the tier, the UK's 120 wins
    assert changes["fairness.demographic_parity_ratio.blocking"] == (False, True)
    assert policy.tier_changes("low", ("eu", "us", "uk")) == []


def test_a_loosening_overlay_is_a_policy_error_naming_the_key_and_line():
    text = with_jurisdictions('  eu:\n    title: "European Union"\n    tiers:\n      high:\n'
                              "        performance: {auc: {min_samples: 20}}\n")
    with pytest.raises(PolicyError, match=r"policy.yaml, line \d+: key 'jurisdictions.eu.tiers.high': "
                                          r".*performance.auc.min_samples"):
        parse_policy(text, "policy.yaml")


def test_an_overlay_key_no_tier_knows_is_a_policy_error():
    text = with_jurisdictions('  eu:\n    title: "European Union"\n    tiers:\n      high:\n'
                              "        performance: {auc_typo: {min: 0.9}}\n")
    with pytest.raises(PolicyError, match=r"jurisdictions.eu.tiers.high.performance.auc_typo"):
        parse_policy(text, "policy.yaml")


def test_declared_codes_and_an_unknown_one():
    assert declared(VersionTags.parse({"governance.jurisdictions": " EU, us,eu ,"}).jurisdictions) == ("eu", "us")
    assert declared(VersionTags.parse({}).jurisdictions) == ()
    assert unknown_result(("eu", "us"), ("eu", "us", "uk")) is None
    error = unknown_result(("eu", "xx"), ("eu", "us"))
    assert error.status is Status.ERROR and error.column == "governance.jurisdictions"
    assert "'xx'" in error.message and "eu, us" in error.message


def test_a_role_only_a_jurisdiction_asks_for_is_one_the_policy_signs_off_in():
    plain = parse_policy(SHIPPED, "policy.yaml")
    assert plain.signoff_roles() == ["owner", "validator"]
    text = with_jurisdictions('  eu:\n    title: "European Union"\n    tiers:\n      high:\n'
                              "        governance: {signoff: {roles: [compliance]}}\n")
    tightened = parse_policy(text, "policy.yaml")
    assert tightened.signoff_roles() == ["compliance", "owner", "validator"]
    assert tightened.tier("high", ("eu",)).governance.signoff.roles == ("owner", "validator", "compliance")


def test_a_code_no_tag_could_name_is_a_policy_error():
    text = with_jurisdictions('  EU:\n    title: "European Union"\n')
    with pytest.raises(PolicyError, match=r"line \d+: key 'jurisdictions.EU': a jurisdiction code is lower case"):
        parse_policy(text, "policy.yaml")
