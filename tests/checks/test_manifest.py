import hashlib
import json

from govflow.checks.manifest import build_manifest, canonical_json, manifest_problems


def _manifest(files):
    return build_manifest(model="m", version="3", flow="gate", created_at="2026-11-22T00:00:00+00:00",
                          artifacts=files, inputs={"evaluation_data": "sha256:ab"}, policy_sha256="p" * 64,
                          code_version="govflow 0.1.0", previous_manifest_sha256=None)


def test_manifest_has_the_design_fields_and_independent_hashes():
    files = {"evidence/b.json": b'{"x": 1}\n', "evidence/a.json": b""}
    manifest = _manifest(files)
    assert set(manifest) == {"model", "version", "flow", "created_at", "artifacts", "inputs", "policy_sha256",
                             "code_version", "previous_manifest_sha256", "sequence", "verdict"}
    assert manifest["artifacts"] == {p: hashlib.sha256(d).hexdigest() for p, d in files.items()}
    assert list(manifest["artifacts"]) == ["evidence/a.json", "evidence/b.json"]
    assert manifest_problems(manifest, files) == []


def test_altered_and_missing_files_are_reported():
    files = {"evidence/a.json": b"1", "evidence/b.json": b"2"}
    manifest = _manifest(files)
    problems = manifest_problems(manifest, {"evidence/a.json": b"1 "})
    assert problems == ["evidence/a.json: SHA-256 differs from the manifest",
                        "evidence/b.json: listed in the manifest but missing"]


def test_canonical_json_is_stable():
    assert canonical_json({"b": 1, "a": [1, "é"]}) == canonical_json({"a": [1, "é"], "b": 1})
    assert json.loads(canonical_json({"a": 1})) == {"a": 1}
