"""Reading a vendor's due-diligence record (issue 31): the YAML file the tag governance.due_diligence names, and
each document it lists, hashed so the evidence binds the very files the gate judged."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from govflow.checks.due_diligence import VendorDocument, parse_documents


@dataclass(frozen=True)
class DueDiligenceFile:
    uri: str | None
    record: Mapping | None = None
    sha256: str | None = None
    error: str | None = None
    documents: list[VendorDocument] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_due_diligence(uri: str | None) -> DueDiligenceFile:
    """The record and its documents (paths relative to the record's folder); what cannot be read is said, not
    raised: the gate judges it."""
    if uri is None:
        return DueDiligenceFile(None, error="tag governance.due_diligence is not set")
    path = Path(uri.removeprefix("file://"))
    try:
        raw = path.read_bytes()
        record = yaml.safe_load(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return DueDiligenceFile(uri, error=f"the due-diligence record {uri} cannot be read: {exc}")
    if not isinstance(record, Mapping):
        return DueDiligenceFile(uri, error=f"the due-diligence record {uri} is not a mapping of fields")
    listed, problems = parse_documents(record)
    documents = []
    for kind, name, expires in listed:
        file = path.parent / name
        try:
            documents.append(VendorDocument(kind, name, expires, sha256=_hash(file)))
        except OSError as exc:
            documents.append(VendorDocument(kind, name, expires, error=f"{type(exc).__name__}: {exc.strerror}"))
    return DueDiligenceFile(uri, record, hashlib.sha256(raw).hexdigest(), documents=documents, problems=problems)
