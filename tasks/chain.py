"""Tasks that publish each model's manifest chain head to an append-only log outside MLflow, and read it.

Someone who administers MLflow can rewrite a whole chain consistently; they cannot also rewrite a log
kept elsewhere (another host, WORM storage) that already recorded the head. One JSON line per head:
model, sequence (1, 2, ... per model), manifest SHA-256, run id, time.
"""

from __future__ import annotations

import fcntl
import json
from datetime import datetime, timezone
from pathlib import Path

from prefect import task


def read_heads(path: Path) -> list[dict]:
    """Every published head, in the order written; none when the log does not exist yet."""
    if not Path(path).exists():
        return []
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


@task(retries=2, retry_delay_seconds=[1, 4])
def publish_head(path: Path, model: str, manifest_sha256: str, run_id: str) -> int:
    """Append the model's new head under an exclusive lock; return its sequence number."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as log:
        fcntl.flock(log, fcntl.LOCK_EX)  # concurrent flows must not give two heads one sequence number
        log.seek(0)
        sequence = 1 + sum(1 for line in log if line.strip() and json.loads(line)["model"] == model)
        log.write(json.dumps({"model": model, "sequence": sequence, "manifest_sha256": manifest_sha256,
                              "run_id": run_id, "at": datetime.now(timezone.utc).isoformat(timespec="seconds")},
                             sort_keys=True) + "\n")
        log.flush()
    return sequence


read_published_heads = task(read_heads, name="read_published_heads", retries=2, retry_delay_seconds=[1, 4])
