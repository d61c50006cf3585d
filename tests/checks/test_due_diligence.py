"""A vendor's due-diligence record and its documents judged by the tier (issue 31), on hand-made records."""

from datetime import date

from govflow.checks.due_diligence import VendorDocument, judge_documents, judge_record, parse_documents
from govflow.checks.policy.vendor_rules import DocumentsRule, DueDiligenceRule
from govflow.checks.results import Status

TODAY = date(2026, 12, 7)
FIELDS = DueDiligenceRule(fields=("vendor", "service", "data_received", "review_date", "contract_date"))
DOCS = DocumentsRule(required=("soc2|iso27001", "model_card|fact_sheet", "bias_audit"), warn_within_days=30)


def test_vendor_due_diligence_names_each_blank_field_and_a_passed_review():
    record = {"vendor": "Acme", "service": " ", "data_received": [], "review_date": "2026-11-30",
              "contract_date": "15/01/2025"}
    results = {r.column: r for r in judge_record(record, None, FIELDS, TODAY)}
    assert results["vendor"].status is Status.PASS
    assert results["service"].status is Status.ERROR and results["data_received"].status is Status.ERROR
    assert results["review_date"].status is Status.FAIL and "2026-11-30" in results["review_date"].message
    assert results["contract_date"].status is Status.ERROR and "not a date" in results["contract_date"].message
    [missing] = judge_record(None, "the record x.yaml cannot be read", FIELDS, TODAY)
    assert missing.status is Status.ERROR and "x.yaml" in missing.message


def test_vendor_documents_judged_per_requirement_the_best_of_its_alternatives_counting():
    documents = [
        VendorDocument("soc2", "soc2-2025.pdf", date(2026, 10, 1), sha256="a" * 64),  # expired
        VendorDocument("iso27001", "iso.pdf", date(2027, 3, 1), sha256="b" * 64),  # current: meets soc2|iso27001
        VendorDocument("fact_sheet", "sheet.pdf", date(2026, 12, 20), sha256="c" * 64),  # within 30 days
    ]
    results = {r.column: r for r in judge_documents(documents, [], DOCS, TODAY)}
    assert results["soc2|iso27001"].status is Status.PASS and "iso.pdf" in results["soc2|iso27001"].message
    assert results["model_card|fact_sheet"].status is Status.WARN
    assert results["bias_audit"].status is Status.FAIL and "no bias_audit document" in results["bias_audit"].message
    expired = judge_documents([VendorDocument("bias_audit", "audit.pdf", date(2026, 12, 6), sha256="d" * 64)], [],
                              DocumentsRule(required=("bias_audit",), warn_within_days=0), TODAY)
    assert [r.status for r in expired] == [Status.FAIL] and "expired on 2026-12-06" in expired[0].message
    unreadable = judge_documents([VendorDocument("bias_audit", "gone.pdf", None, error="FileNotFoundError")], [],
                                 DocumentsRule(required=("bias_audit",), warn_within_days=0), TODAY)
    assert unreadable[0].status is Status.ERROR and "gone.pdf" in unreadable[0].message


def test_a_document_entry_without_a_file_or_with_a_bad_expiry_is_named():
    found, problems = parse_documents({"documents": [{"kind": "soc2"}, {"kind": "dpa", "file": "d.pdf",
                                                                         "expires": "next year"}]})
    assert found == [("dpa", "d.pdf", None)]
    assert problems == ["documents[0] needs a kind and a file",
                        "documents[1].expires is 'next year', not a date (YYYY-MM-DD)"]
    [error, *_] = judge_documents([], problems, DOCS, TODAY)
    assert error.status is Status.ERROR and "documents[0]" in error.message
