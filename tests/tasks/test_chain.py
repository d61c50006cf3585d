"""The file head store: fsynced appends that heal a torn line, signed heads, and a per-model lock that
excludes other processes and is released when its holder is killed."""

import os
import signal
import subprocess
import sys
import time

import pytest

from govflow.checks.heads import HeadLog
from govflow.checks.verification import head_problems
from govflow.tasks.chain import ChainLockTimeout, append_head, chain_tip, model_lock, read_heads


def test_appends_number_by_model_and_a_torn_tail_is_healed(tmp_path):
    log = tmp_path / "heads.jsonl"
    assert read_heads(log) == HeadLog((), (), exists=False)
    append_head.fn(log, "a", 1, "1" * 64, "r1")
    append_head.fn(log, "b", 1, "2" * 64, "r2")
    with log.open("ab") as handle:  # a writer killed mid-line
        handle.write(b'{"model": "a", "sequ')
    assert chain_tip.fn(log, "a").run_id == "r1"  # the torn line is skipped; recording goes on
    assert [d.kind for d in read_heads(log).defects] == ["torn"]
    append_head.fn(log, "a", 2, "3" * 64, "r3")
    heads = read_heads(log)
    assert [(h.model, h.sequence) for h in heads.heads] == [("a", 1), ("b", 1), ("a", 2)]
    assert [(d.kind, d.line) for d in heads.defects] == [("torn", 3)]
    assert log.read_bytes().endswith(b"\n") and log.read_bytes().count(b"\n") == 5


def test_signed_heads_verify_and_an_edited_head_does_not(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    (tmp_path / "k.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    log = tmp_path / "heads.jsonl"
    append_head.fn(log, "a", 1, "1" * 64, "r1", tmp_path / "k.pem")
    assert read_heads(log).heads[0].signature
    from govflow.checks.verification import StoredRun
    run = StoredRun("r1", 0, "1", None, {})
    assert not [p for p in head_problems([run], read_heads(log), "a", public_key_pem=public) if p.kind == "heads"]
    log.write_text(log.read_text().replace('"r1"', '"r9"'))
    problems = head_problems([run], read_heads(log), "a", public_key_pem=public)
    assert any(p.kind == "heads" and "does not verify" in p.message for p in problems)


_HOLD = """
import sys, time
from govflow.tasks.chain import model_lock
with model_lock(sys.argv[1], "m"):
    print("held", flush=True)
    time.sleep(60)
"""


def test_the_model_lock_excludes_another_process_until_it_is_killed(tmp_path):
    log = tmp_path / "heads.jsonl"
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(log)], stdout=subprocess.PIPE, text=True,
                              cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ChainLockTimeout, match="chain lock of 'm'"), model_lock(log, "m", timeout_seconds=0.5):
            pass
        with model_lock(log, "other", timeout_seconds=0.5):  # another model's lock is free
            pass
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        started = time.monotonic()
        with model_lock(log, "m", timeout_seconds=5):
            assert time.monotonic() - started < 1  # the kernel released it with the dead holder
    finally:
        holder.kill()
        holder.wait()
