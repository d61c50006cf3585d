"""Native threads held to a process's share of its cores (issue 32): the variables set before numpy loads, a
user's own setting kept, and the `govflow` command setting them itself."""

import os
import subprocess
import sys

from govflow.threads import NATIVE_THREAD_VARIABLES, cores_given, process_share


def test_a_process_share_is_its_affinity_divided_among_the_processes_sharing_it():
    assert cores_given() == len(os.sched_getaffinity(0))
    assert process_share(1) == cores_given() and process_share(10_000) == 1


def _in_a_fresh_process(code: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in NATIVE_THREAD_VARIABLES and k != "GOVFLOW_PROCESSES"}
    return subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True,
                          check=True, timeout=120).stdout.strip()


def test_the_command_holds_openmp_and_blas_to_its_share_before_numpy_loads():
    code = ("import sys; sys.argv = ['govflow', '--help']\n"
            "from govflow.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "import os, numpy, threadpoolctl\n"
            "blas = [p['num_threads'] for p in threadpoolctl.threadpool_info() if p['user_api'] == 'blas']\n"
            "print(os.environ['OMP_NUM_THREADS'], os.environ['OPENBLAS_NUM_THREADS'], blas[0], file=sys.stderr)\n")
    share = str(process_share(2))
    done = subprocess.run([sys.executable, "-c", code], env={**{k: v for k, v in os.environ.items()
                                                                if k not in NATIVE_THREAD_VARIABLES},
                                                             "GOVFLOW_PROCESSES": "2"},
                          capture_output=True, text=True, check=True, timeout=120)
    assert done.stderr.strip().splitlines()[-1] == f"{share} {share} {share}"


def test_a_users_own_setting_wins():
    code = ("import os; from govflow.threads import hold_native_threads\n"
            "hold_native_threads(1); print(os.environ['OMP_NUM_THREADS'], os.environ['MKL_NUM_THREADS'])")
    assert _in_a_fresh_process(code, OMP_NUM_THREADS="7") == f"7 {process_share(1)}"
