"""Model card completeness: one result per required field, from tags, a card file or the description."""

import pytest

from govflow.checks.documentation import description_sections, field_key, model_card_results
from govflow.checks.policy import ModelCardRule
from govflow.checks.results import Status

RULE = ModelCardRule(fields=("intended_use", "out_of_scope_uses", "limitations", "contact"))

DESCRIPTION = """Scores loan applications.

## Intended use
Consumer loans up to 50k.

## Out-of-scope uses ##
Mortgages.

### Limitations
TBD
"""


def test_field_keys_and_sections():
    assert field_key("Out-of-scope uses") == "out_of_scope_uses"
    assert description_sections(DESCRIPTION) == {"intended_use": "Consumer loans up to 50k.",
                                                  "out_of_scope_uses": "Mortgages.", "limitations": "TBD"}


def test_each_field_is_a_result_with_its_source():
    results = model_card_results({"governance.contact": "risk@bank.example"}, None, DESCRIPTION, RULE)
    by = {r.column: r for r in results}
    assert all(r.check_id == "documentation.model_card" for r in results)
    assert by["intended_use"].status is Status.PASS and by["intended_use"].value == "registered model description"
    assert by["contact"].value == "tag governance.contact"
    assert by["limitations"].status is Status.FAIL and "placeholder 'TBD'" in by["limitations"].message


def test_tags_win_over_the_card_file_and_the_card_over_the_description():
    card = {"Intended use": "from the card", "limitations": ["small sample", "no mortgages"]}
    results = model_card_results({"governance.intended_use": "from the tag"}, card, DESCRIPTION, RULE)
    by = {r.column: r for r in results}
    assert by["intended_use"].value == "tag governance.intended_use"
    assert by["limitations"].value == "model card file" and by["limitations"].status is Status.PASS


@pytest.mark.parametrize(("text", "status"), [
    ("", Status.ERROR), ("  ", Status.ERROR), ("n/a", Status.FAIL), ("N/A.", Status.FAIL), ("todo", Status.FAIL),
    ("-", Status.FAIL), ("x", Status.PASS),
])
def test_blanks_are_missing_and_placeholders_fail(text, status):
    result = model_card_results({"governance.contact": text}, None, None, ModelCardRule(fields=("contact",)))[0]
    assert result.status is status


def test_nothing_documented_fails_every_field_and_says_where_to_look():
    results = model_card_results({}, None, None, RULE, card_error="model_card.yaml, line 2: bad YAML")
    assert [r.status for r in results] == [Status.ERROR] * 4
    assert "governance.<field> tag" in results[0].hint and "bad YAML" in results[0].message


def test_a_data_uri_tag_documents_no_card_field():
    """governance.evaluation_data is the held-out file's path: it is no description of the evaluation data."""
    from govflow.checks.documentation import model_card

    found = model_card({"governance.evaluation_data": "/data/eval.parquet", "governance.intended_use": "limits"},
                       None, "## Evaluation data\n2,000 held-out applicants")
    assert found["evaluation_data"] == ("2,000 held-out applicants", "registered model description")
    assert found["intended_use"][0] == "limits"
    assert "evaluation_data" not in model_card({"governance.evaluation_data": "/data/eval.parquet"}, None, None)
