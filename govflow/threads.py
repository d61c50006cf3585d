"""How many native threads (OpenMP, BLAS) a govflow process may run: its share of the cores it is given.

scikit-learn's gradient boosting (the domain classifier) runs OpenMP threads and numpy's BLAS its own. Left to
themselves they size to the machine and to each other, and on two cores `govflow audit drift` over a million rows
took 9.4 to 15 s with no limit set and 3.4 to 5.5 s with OMP_NUM_THREADS set (to 1 or 2) on the same files. A
process's share is the cores its CPU affinity allows (a container or `taskset` may give it fewer than the
machine has) divided among the govflow processes that share them (GOVFLOW_PROCESSES: process workers, Dask
worker processes). A variable the user set wins."""

from __future__ import annotations

import os

NATIVE_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
                           "NUMEXPR_NUM_THREADS")


def cores_given() -> int:
    """The cores this process may run on: its CPU affinity where the system tells it, else the machine's."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # no affinity on this platform
        return os.cpu_count() or 1


def process_share(processes: int) -> int:
    """Native threads for one of `processes` govflow processes on the cores this one is given; at least one."""
    return max(1, cores_given() // max(1, processes))


def hold_native_threads(processes: int = 1) -> int:
    """Set each native thread pool's variable to this process's share, unless already set; call before numpy or
    scikit-learn load (they read the variables once). The share."""
    share = process_share(processes)
    for variable in NATIVE_THREAD_VARIABLES:
        os.environ.setdefault(variable, str(share))
    return share
