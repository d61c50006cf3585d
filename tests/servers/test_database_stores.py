"""The head store and the webhook ledger in a real PostgreSQL: the same contract as the files (a linear chain
per model under the lock, one acceptance per delivery), now shared by processes that share nothing else."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from govflow.checks.heads import Head
from govflow.tasks.chain import ChainLockTimeout, HeadConflict, append_head, chain_tip, model_lock, read_heads
from govflow.tasks.head_store import DatabaseHeadStore
from govflow.webhooks.ledger import Admission, DatabaseLedger

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def database(postgres):
    return postgres.create("stores")


def test_heads_number_per_model_and_a_second_head_at_one_sequence_is_refused(database):
    store = DatabaseHeadStore(SecretStr(database))
    append_head.fn(store, "a", 1, "1" * 64, "r1")
    append_head.fn(store, "b", 1, "2" * 64, "r2")
    append_head.fn(store, "a", 2, "3" * 64, "r3")
    assert chain_tip.fn(store, "a") == Head("a", 2, "3" * 64, "r3", chain_tip.fn(store, "a").at, None,
                                            chain_tip.fn(store, "a").line)
    with pytest.raises(HeadConflict, match="'a' already has a head at sequence 2"):
        append_head.fn(store, "a", 2, "4" * 64, "r4")
    assert [(h.model, h.sequence, h.run_id) for h in read_heads(store).heads] == [
        ("a", 1, "r1"), ("b", 1, "r2"), ("a", 2, "r3")]
    assert "stores" in store.describe() and "pg-Secret" not in store.describe() and "pg-Secret" not in repr(store)


_RECORD = """
import sys
from pydantic import SecretStr
from govflow.tasks.chain import append_head, chain_tip, model_lock
from govflow.tasks.head_store import DatabaseHeadStore
store = DatabaseHeadStore(SecretStr(sys.argv[1]))
for i in range(int(sys.argv[2])):
    with model_lock(store, "shared"):
        tip = chain_tip.fn(store, "shared")
        sequence = tip.sequence + 1 if tip else 1
        append_head.fn(store, "shared", sequence, f"{sequence:064d}", f"{sys.argv[3]}-{i}")
"""


def test_processes_appending_under_the_advisory_lock_leave_one_linear_chain(database):
    processes, each = 4, 25
    workers = [subprocess.Popen([sys.executable, "-c", _RECORD, database, str(each), f"p{n}"], cwd=REPO,
                                stderr=subprocess.PIPE, text=True) for n in range(processes)]
    errors = [w.communicate(timeout=300)[1] for w in workers]
    assert all(w.returncode == 0 for w in workers), [e[-1500:] for e in errors]
    heads = read_heads(DatabaseHeadStore(SecretStr(database))).of("shared")
    assert sorted(h.sequence for h in heads) == list(range(1, processes * each + 1))
    assert len({h.run_id for h in heads}) == processes * each


_HOLD = """
import sys, time
from pydantic import SecretStr
from govflow.tasks.chain import model_lock
from govflow.tasks.head_store import DatabaseHeadStore
with model_lock(DatabaseHeadStore(SecretStr(sys.argv[1])), "held"):
    print("held", flush=True)
    time.sleep(120)
"""


def test_the_advisory_lock_excludes_another_process_until_it_is_killed(database):
    store = DatabaseHeadStore(SecretStr(database))
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, database], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ChainLockTimeout, match="chain lock of 'held'"), model_lock(store, "held", timeout_seconds=0.5):
            pass
        with model_lock(store, "other", timeout_seconds=0.5):
            pass
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        started = time.monotonic()
        with model_lock(store, "held", timeout_seconds=10):  # the server ends the dead holder's session
            assert time.monotonic() - started < 5
    finally:
        holder.kill()
        holder.wait()


def test_two_receivers_sharing_the_ledger_agree_on_every_delivery(database):
    first, second = DatabaseLedger(database, 300, 60), DatabaseLedger(database, 300, 60)
    now = time.time()
    outcomes: list[Admission] = []
    barrier = threading.Barrier(8)

    def admit(ledger):
        barrier.wait()
        outcomes.append(ledger.admit("delivery-1", "model_version.created:m:1:", now))

    threads = [threading.Thread(target=admit, args=(ledger,)) for ledger in [first, second] * 4]
    [t.start() for t in threads]
    [t.join() for t in threads]
    # One of the eight racing copies of one delivery hands it off; the others are told to retry later.
    assert sorted(outcomes) == sorted([Admission.ACCEPTED] + [Admission.IN_PROGRESS] * 7)
    first.confirm("delivery-1")
    assert second.admit("delivery-1", "model_version.created:m:1:", now) is Admission.REPLAY
    assert second.admit("delivery-2", "model_version.created:m:1:", now) is Admission.DUPLICATE
    second.release("delivery-2")
    third = DatabaseLedger(database, 300, 60)
    assert third.admit("delivery-2", "model_version.created:m:1:", now) is Admission.DUPLICATE


def test_an_unreachable_database_is_named_without_its_password():
    from govflow.database import DatabaseUnavailable

    with pytest.raises(DatabaseUnavailable) as failed:
        DatabaseLedger("postgresql://govflow:Sup3r-secret@127.0.0.1:1/govflow", 300, 60)
    assert "127.0.0.1:1/govflow" in str(failed.value) and "Sup3r-secret" not in str(failed.value)
    with pytest.raises(ValueError, match="GOVFLOW_DATABASE_URL must be a postgresql:// URL"):
        DatabaseLedger("mysql://u:p@h/db", 300, 60)


def test_a_head_log_moves_into_the_database_once_and_a_conflict_is_named(postgres, tmp_path):
    from tests.servers.processes import BIN

    url = postgres.create("moved")
    log = tmp_path / "heads.jsonl"
    for model, sequence, digest in (("a", 1, "1" * 64), ("b", 1, "2" * 64), ("a", 2, "3" * 64)):
        append_head.fn(log, model, sequence, digest, f"r-{model}{sequence}")
    env = {**os.environ, "GOVFLOW_DATABASE_URL": url, "GOVFLOW_CHAIN_LOG": str(log), "GOVFLOW_DATA_DIR": str(tmp_path)}

    def copy() -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "govflow"), "evidence", "import-heads"], check=False, capture_output=True, text=True,
                              env=env, timeout=120)

    first = copy()
    assert first.returncode == 0 and "3 head(s) copied, 0 already there, 0 in conflict" in first.stdout, first.stderr
    store = DatabaseHeadStore(SecretStr(url))
    assert [(h.model, h.sequence, h.run_id) for h in read_heads(store).heads] == [
        ("a", 1, "r-a1"), ("b", 1, "r-b1"), ("a", 2, "r-a2")]
    again = copy()
    assert again.returncode == 0 and "0 head(s) copied, 3 already there" in again.stdout
    append_head.fn(log, "c", 1, "4" * 64, "r-c1")
    append_head.fn(store, "c", 1, "5" * 64, "r-other")
    clash = copy()
    assert clash.returncode == 1 and "conflict: 'c' sequence 1" in clash.stdout and "pg-Secret" not in clash.stdout
    missing = subprocess.run([str(BIN / "govflow"), "evidence", "import-heads", "--from", str(tmp_path / "none")],
                             check=False, capture_output=True, text=True, env=env, timeout=120)
    assert missing.returncode == 2 and "no such head log" in missing.stderr and "Traceback" not in missing.stderr
