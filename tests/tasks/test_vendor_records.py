"""Reading a vendor's due-diligence record: each listed file hashed, what cannot be read said (issue 31)."""

import hashlib

import yaml

from govflow.tasks.vendor_records import read_due_diligence


def test_each_document_is_hashed_relative_to_the_record_and_a_missing_one_is_named(tmp_path):
    (tmp_path / "soc2.pdf").write_bytes(b"certificate")
    (tmp_path / "due.yaml").write_text(yaml.safe_dump({"vendor": "Acme", "documents": [
        {"kind": "soc2", "file": "soc2.pdf", "expires": "2027-01-31"}, {"kind": "bias_audit", "file": "gone.pdf"}]}))
    found = read_due_diligence(str(tmp_path / "due.yaml"))
    assert found.record is not None and found.record["vendor"] == "Acme"
    assert found.sha256 == hashlib.sha256((tmp_path / "due.yaml").read_bytes()).hexdigest()
    soc2, audit = found.documents
    assert soc2.sha256 == hashlib.sha256(b"certificate").hexdigest() and str(soc2.expires) == "2027-01-31"
    assert audit.sha256 is None and "FileNotFoundError" in (audit.error or "")


def test_an_unreadable_or_malformed_record_is_said_not_raised(tmp_path):
    assert "not set" in (read_due_diligence(None).error or "")
    assert "cannot be read" in (read_due_diligence(str(tmp_path / "absent.yaml")).error or "")
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    assert "not a mapping" in (read_due_diligence(str(tmp_path / "list.yaml")).error or "")
