"""The trust figures of issue 15, measured in one run: seeded random tampering of a stored chain (with the
head log, and without it) and of exported bundles; the bad-input corpus through the CLI.

    .venv/bin/python bench/evidence_trust.py [--mutations 1000]

The concurrency and crash figures need real servers and processes; they come from
`pytest -m servers tests/servers/test_chain_under_faults.py` (4 processes x 10 recordings; SIGKILL at each step).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def chain_tampering(count: int) -> None:
    from govflow.checks.verification import evidence_problems
    from tests.tamper import MODEL, build_chain, mutate

    runs, heads = build_chain()
    tried, missed_with, missed_without = Counter(), Counter(), Counter()
    for seed in range(count):
        name, mutated = mutate(seed, runs)
        tried[name] += 1
        missed_with[name] += not evidence_problems(mutated, heads, MODEL)
        missed_without[name] += not evidence_problems(mutated, None, MODEL)
    print(f"\nStored chain, {count} seeded mutations (8 runs, no signing key)")
    print(f"  {'mutation':<18}{'tried':>7}{'missed, head log':>18}{'missed, no heads':>18}")
    for name in sorted(tried):
        print(f"  {name:<18}{tried[name]:>7}{missed_with[name]:>18}{missed_without[name]:>18}")
    print(f"  {'all':<18}{sum(tried.values()):>7}{sum(missed_with.values()):>18}{sum(missed_without.values()):>18}")


def bundle_tampering(count: int) -> None:
    from tests.tamper import build_chain
    from tests.test_bundle_tamper import FILE_MUTATIONS, _problems, _write

    runs, heads = build_chain(5)
    root = Path(tempfile.mkdtemp())
    _write(root / "pristine", runs, heads)
    tried, missed, bad_input = Counter(), Counter(), Counter()
    for seed in range(count):
        rng = random.Random(seed)
        name = rng.choice(sorted(FILE_MUTATIONS))
        folder = root / "b"
        shutil.copytree(root / "pristine", folder, symlinks=True)
        FILE_MUTATIONS[name](rng, folder)
        found = _problems(folder)
        tried[name] += 1
        missed[name] += not found
        bad_input[name] += isinstance(found, str)
        shutil.rmtree(folder)
    shutil.rmtree(root)
    print(f"\nBundle, {count} seeded mutations of its files (5 runs, no signing key)")
    print(f"  {'mutation':<18}{'tried':>7}{'missed':>8}{'exit 2 (malformed)':>20}")
    for name in sorted(tried):
        print(f"  {name:<18}{tried[name]:>7}{missed[name]:>8}{bad_input[name]:>20}")
    print(f"  {'all':<18}{sum(tried.values()):>7}{sum(missed.values()):>8}{sum(bad_input.values()):>20}")


def corpus() -> None:
    from typer.testing import CliRunner

    from govflow.cli import app
    from tests.bad_inputs import CASES
    from tests.test_bad_input_corpus import outcome

    runner = CliRunner()
    print(f"\nBad-input corpus through the CLI ({len(CASES)} cases)")
    print(f"  {'case':<42}{'outcome':<14}{'exit':>5}{'seconds':>9}  message")
    counts = Counter()
    for case in CASES:
        folder = Path(tempfile.mkdtemp())
        args = case.write(folder)
        start = time.monotonic()
        result = runner.invoke(app, [*args, "--json"])
        elapsed = time.monotonic() - start
        traceback = result.exception is not None and not isinstance(result.exception, SystemExit)
        got = "TRACEBACK" if traceback else outcome(result.exit_code, result.stdout)
        counts[got] += 1
        counts["past 30 s"] += elapsed > 30
        message = result.stderr.strip().splitlines()[0] if result.stderr.strip() else ""
        if not message and result.stdout.startswith("{"):
            worst = [r for r in json.loads(result.stdout)["results"] if r["status"] != "PASS"]
            message = f"{worst[0]['check_id']}: {worst[0]['message']}" if worst else ""
        print(f"  {case.id:<42}{got:<14}{result.exit_code:>5}{elapsed:>9.2f}  {message[:90]}")
        shutil.rmtree(folder)
    print("  totals: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--mutations", type=int, default=1000)
    options = parser.parse_args()
    chain_tampering(options.mutations)
    bundle_tampering(options.mutations)
    corpus()
