"""Stored evidence verification: one altered byte, a deleted file, an added file, a broken chain."""

import dataclasses

import pytest

from govflow.checks.heads import Head, HeadLog
from govflow.checks.manifest import build_manifest, canonical_json, sha256_hex
from govflow.checks.verification import StoredRun, evidence_problems, verify_runs


def _chain(n: int = 3) -> list[StoredRun]:
    runs, previous = [], None
    for i in range(n):
        files = {"evidence/verdict.json": canonical_json({"verdict": "APPROVED", "i": i}),
                 "evidence/data.json": canonical_json({"rows": i})}
        manifest = canonical_json(build_manifest(
            model="m", version=str(1 + i // 2), flow="gate", created_at=f"2026-11-2{i}T00:00:00+00:00",
            artifacts=files, inputs={}, policy_sha256="p", code_version="c", previous_manifest_sha256=previous))
        runs.append(StoredRun(f"r{i}", 1000 * i, str(1 + i // 2), sha256_hex(manifest),
                              {**files, "manifest.json": manifest}))
        previous = sha256_hex(manifest)
    return runs


def _replace(runs, index, **changes):
    run = runs[index]
    return [*runs[:index], StoredRun(**{**run.__dict__, **changes}), *runs[index + 1:]]


def test_an_intact_chain_has_no_problems():
    assert verify_runs(_chain()) == []


def test_one_altered_byte_is_named():
    runs = _chain()
    data = bytearray(runs[1].files["evidence/data.json"])
    data[3] ^= 1
    (problem,) = verify_runs(_replace(runs, 1, files={**runs[1].files, "evidence/data.json": bytes(data)}))
    assert (problem.kind, problem.run_id, problem.path) == ("altered", "r1", "evidence/data.json")


def test_a_deleted_and_an_added_file_are_named():
    runs = _chain()
    files = {k: v for k, v in runs[2].files.items() if k != "evidence/verdict.json"} | {"evidence/extra.json": b"{}"}
    problems = verify_runs(_replace(runs, 2, files=files))
    assert {(p.kind, p.path) for p in problems} == {("missing", "evidence/verdict.json"),
                                                   ("unlisted", "evidence/extra.json")}


def test_a_rewritten_manifest_breaks_its_recorded_hash_and_the_chain():
    runs = _chain()
    forged = runs[1].files["manifest.json"].replace(b'"gate"', b'"gat3"')
    problems = verify_runs(_replace(runs, 1, files={**runs[1].files, "manifest.json": forged}))
    assert {(p.kind, p.run_id) for p in problems} == {("manifest", "r1"), ("chain", "r2")}


@pytest.mark.parametrize("removed", [0, 1])
def test_a_removed_run_breaks_the_chain_where_it_was(removed):
    runs = _chain()
    problems = verify_runs(runs[:removed] + runs[removed + 1:])
    assert [(p.kind, p.run_id) for p in problems] == [("chain", f"r{removed + 1}")]
    assert "a run was removed, added or rewritten" in problems[0].message


def test_a_version_filter_checks_its_artifacts_and_still_the_whole_chain():
    runs = _chain()
    broken = _replace(runs, 0, files={k: v for k, v in runs[0].files.items() if k != "evidence/data.json"})
    assert verify_runs(broken, version="2") == []  # r0 belongs to version 1
    assert [p.path for p in verify_runs(broken, version="1")] == ["evidence/data.json"]
    assert [p.kind for p in verify_runs(runs[1:], version="2")] == ["chain"]


def test_a_run_whose_manifest_was_removed_is_unverifiable_not_intact():
    runs = _chain(1)
    (problem,) = verify_runs(_replace(runs, 0, files={"evidence/verdict.json": b"{}"}))
    assert problem.kind == "missing" and "cannot be verified" in problem.message


def test_a_run_that_stopped_before_its_manifest_is_incomplete_until_superseded():
    from govflow.checks.verification import superseded_runs

    runs = _chain(2)
    stopped = _replace(runs, 0, files={"evidence/verdict.json": b"{}"}, recorded_manifest_sha256=None)
    (problem,) = verify_runs(stopped[:1])
    assert problem.kind == "incomplete" and stopped[0].run_id in problem.message
    completed = _replace(stopped, 0, superseded_by="r-later")
    assert verify_runs(completed[:1]) == [] and superseded_runs(completed[:1]) == [(stopped[0].run_id, "r-later")]
    # A removed manifest cannot pass itself off as an incomplete run: the next manifest still names it.
    assert [p.kind for p in verify_runs(_replace(runs, 0, files={}, recorded_manifest_sha256=None,
                                                 superseded_by="r-later"))] == ["chain"]


def _heads(runs):
    return HeadLog(tuple(Head("m", i + 1, sha256_hex(r.files["manifest.json"]), r.run_id, "2026-11-30T00:00:00+00:00")
                         for i, r in enumerate(runs)))


def test_published_heads_match_an_intact_chain():
    from govflow.checks.verification import head_problems

    runs = _chain()
    heads = _heads(runs)
    assert head_problems(runs, heads, "m") == []
    assert head_problems(runs, heads, "m", kept=(2, heads.heads[1].manifest_sha256)) == []


def test_a_consistently_rewritten_chain_is_caught_by_the_heads_outside():
    """Whoever administers MLflow rewrites the last run and re-chains; the published head still differs."""
    from govflow.checks.verification import head_problems

    runs = _chain()
    heads = _heads(runs)
    forged = canonical_json({"forged": True})
    rewritten = _replace(runs, 2, files={"manifest.json": forged}, recorded_manifest_sha256=sha256_hex(forged))
    (problem,) = head_problems(rewritten, heads, "m")
    assert problem.run_id == "r2" and "no manifest in the store" in problem.message
    problems = evidence_problems(rewritten, heads, "m")
    assert {p.run_id for p in problems} == {"r2"}
    assert any("its published head" in p.message and p.kind == "manifest" for p in problems)


def test_a_removed_last_run_and_an_edited_log_are_caught():
    from govflow.checks.verification import head_problems

    runs = _chain()
    heads = _heads(runs)
    assert any("no manifest in the store" in p.message for p in head_problems(runs[:2], heads, "m"))
    backwards = HeadLog((*heads.heads[:2], dataclasses.replace(heads.heads[2], sequence=2)))
    assert any("where 3 was due" in p.message for p in head_problems(runs, backwards, "m"))
    kept = (3, heads.heads[2].manifest_sha256)
    assert any("the head you kept" in p.message for p in head_problems(runs[:2], HeadLog(heads.heads[:2]), "m", kept=kept))


def _keys():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public


def _signed(runs, private):
    import base64

    # As tasks/signing.py writes it: base64 and a newline.
    return [StoredRun(**{**r.__dict__, "files": {**r.files, "manifest.sig": base64.b64encode(
        private.sign(r.files["manifest.json"])) + b"\n"}}) for r in runs]


def test_signed_manifests_verify_and_the_signature_is_not_an_unlisted_file():
    from govflow.checks.verification import signature_problems

    private, public = _keys()
    runs = _signed(_chain(), private)
    assert signature_problems(runs, public) == [] and verify_runs(runs) == []


def test_a_consistent_rewrite_cannot_carry_a_valid_signature():
    """Manifest rewritten and its recorded hash with it: the chain alone cannot tell, the signature can."""
    from govflow.checks.verification import signature_problems

    private, public = _keys()
    runs = _signed(_chain(1), private)
    forged = runs[0].files["manifest.json"].replace(b'"gate"', b'"g4te"')
    rewritten = _replace(runs, 0, files={**runs[0].files, "manifest.json": forged},
                         recorded_manifest_sha256=sha256_hex(forged))
    assert verify_runs(rewritten) == []
    (problem,) = signature_problems(rewritten, public)
    assert problem.kind == "altered" and problem.path == "manifest.sig"


def test_unsigned_and_wrongly_signed_manifests_are_named():
    from govflow.checks.verification import signature_problems

    _private, public = _keys()
    other, _ = _keys()
    runs = _chain(2)
    unsigned = signature_problems(runs, public)
    assert [(p.kind, p.run_id) for p in unsigned] == [("missing", "r0"), ("missing", "r1")]
    assert [p.kind for p in signature_problems(_signed(runs, other), public)] == ["altered", "altered"]
    with pytest.raises(ValueError):
        signature_problems(runs, b"not a key")


def _timed(started_ms: int, stated_ms: int | None, created_at: str = "2025-11-20T00:00:10+00:00") -> StoredRun:
    files = {"evidence/verdict.json": canonical_json({"verdict": "APPROVED"})}
    manifest = canonical_json(build_manifest(
        model="m", version="1", flow="gate", created_at=created_at, artifacts=files, inputs={}, policy_sha256="p",
        code_version="c", previous_manifest_sha256=None, started_ms=stated_ms))
    return StoredRun("r0", started_ms, "1", sha256_hex(manifest), {**files, "manifest.json": manifest})


OPENED = 1_763_596_805_123  # 2025-11-20T00:00:05.123Z, five seconds before the manifest below was written


def test_a_start_time_changed_in_the_store_is_named_against_the_manifest():
    """Issue 28, item 2: the start time pages and the register show is bound to the hashed manifest."""
    assert verify_runs([_timed(OPENED, OPENED)]) == []
    (problem,) = verify_runs([_timed(OPENED + 35 * 86_400_000, OPENED)])
    assert problem.kind == "altered" and "start time was changed in the store" in problem.message
    assert "2025-11-20T00:00:05.123+00:00" in problem.message  # the manifest's time, named


def test_a_manifest_without_the_start_time_still_bounds_it_by_when_it_was_written():
    written = "2025-11-20T00:00:10+00:00"
    assert verify_runs([_timed(OPENED, None, written)]) == []
    (problem,) = verify_runs([_timed(OPENED + 35 * 86_400_000, None, written)])
    assert "after its manifest was written" in problem.message
