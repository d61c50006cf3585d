"""Shared measuring for the benchmarks: each function runs in a fresh process, best of N."""

from __future__ import annotations

import importlib
import multiprocessing as mp
import os
import resource
import time

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")


def _child(module: str, name: str, args: tuple, repeats: int, queue) -> None:
    mod = importlib.import_module(module)
    data = mod.make_data(*args)
    mod.warm(getattr(mod, name))  # imports and first-call costs stay outside the timing
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = getattr(mod, name)(*data)
        times.append(time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    summarise = getattr(mod, "summarise", None)
    queue.put((min(times), max(0, peak - base) / 1024, summarise(result) if summarise else None))
    for close in reversed(_TEARDOWN):  # servers the data needed (Prefect's, Dask's) stop with the measurement
        close()


def measure(module: str, name: str, args: tuple, repeats: int = 3) -> tuple[float, float]:
    """(best wall seconds, peak resident MiB above the baseline after the data was built).

    A module's `summarise(result)`, if it has one, sees the last result; `last_summary()` returns it."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(module, name, args, repeats, queue))
    proc.start()
    seconds, mib, summary = queue.get()
    proc.join()
    _SUMMARIES.append(summary)
    return seconds, mib


_SUMMARIES: list = []
_TEARDOWN: list = []


def on_teardown(close) -> None:
    """Call `close()` when this process's measurement is done."""
    _TEARDOWN.append(close)


def scratch(prefix: str):
    """A temporary folder for this measuring process's data (stores, a year of batches), removed when the
    measurement is done, after the servers registered later have stopped."""
    import shutil
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(prefix=prefix))
    on_teardown(lambda: shutil.rmtree(folder, ignore_errors=True))
    return folder


def prefect_server() -> None:
    """Prefect's temporary server for this measuring process, stopped when the measurement is done."""
    from prefect.testing.utilities import prefect_test_harness

    harness = prefect_test_harness(server_startup_timeout=180)
    harness.__enter__()
    on_teardown(lambda: harness.__exit__(None, None, None))


def last_summary():
    """What the last measured function's module made of its result (scores to compare), or None."""
    return _SUMMARIES[-1] if _SUMMARIES else None


def rows_argument(description: str | None) -> int:
    """The `--rows N` every benchmark takes (default 1,000,000)."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rows", type=int, default=1_000_000)
    return parser.parse_args().rows


def report(label: str, ours: tuple[str, tuple[float, float]], ref: tuple[str, tuple[float, float]]) -> None:
    (a, (t1, m1)), (b, (t2, m2)) = ours, ref
    print(f"{label}\n  {a}: {t1:8.3f} s  peak +{m1:7.1f} MiB\n  {b}: {t2:8.3f} s  peak +{m2:7.1f} MiB"
          f"\n  {b} / {a}: {t2 / t1:.2f}x time")
