"""Sharing a machine's cores between facestyle's workers.

PyTorch's CPU build runs each operation on an OpenMP team as large as the machine's cores, and
OpenMP threads that wait at the end of an operation spin on their core. Two workers that each use
every core therefore spend much of their time spinning while the other one computes: an L-BFGS
step grows over three times slower where twice would be a fair share, and two such workers paint
fewer jobs than one (BENCHMARKS.md#cores-shared). Workers that split the cores between them
paint more jobs together than one worker alone.

A worker applies its share with :func:`use_threads` in the thread that paints (PyTorch keeps the
thread count per thread), or a parent starts a worker process with :func:`thread_environment`.
"""

from __future__ import annotations

import os

#: Set for a worker process before PyTorch loads: the OpenMP and MKL team sizes.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, which containers and ``taskset`` set)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - no sched_getaffinity (macOS, Windows)
        return max(1, os.cpu_count() or 1)


def threads_per_worker(workers: int, cores: int | None = None) -> int:
    """PyTorch threads for each of ``workers`` workers painting at once on ``cores`` cores (this
    process's cores when None): an equal share, at least one.

    More workers than cores get one thread each: a worker then waits for a core, which costs it
    only its share, whereas a team wider than its share spins.

    Raises:
        ValueError: ``workers`` or ``cores`` below 1.
    """
    if workers < 1:
        raise ValueError(f"workers must be 1 or more, not {workers}")
    cores = available_cores() if cores is None else cores
    if cores < 1:
        raise ValueError(f"cores must be 1 or more, not {cores}")
    return max(1, cores // workers)


def use_threads(threads: int) -> int:
    """Make the calling thread's PyTorch operations run on ``threads`` threads; returns it.

    PyTorch keeps the count per thread (threads started later take the process's count), so a
    worker calls this in the thread that paints.
    """
    import torch

    if threads < 1:
        raise ValueError(f"threads must be 1 or more, not {threads}")
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


def thread_environment(threads: int, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a worker process that should use ``threads`` threads from its start.

    ``base`` (default: this process's environment) with :data:`THREAD_VARIABLES` set, so that
    OpenMP and MKL size their teams before any PyTorch code runs.
    """
    if threads < 1:
        raise ValueError(f"threads must be 1 or more, not {threads}")
    environment = dict(os.environ if base is None else base)
    environment.update({name: str(threads) for name in THREAD_VARIABLES})
    return environment

