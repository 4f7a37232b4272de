"""How many threads each of several painting processes on one machine should use.

PyTorch's OpenMP threads spin while they wait; two processes that each use every core slow each
other down many times over, so processes on one machine split its cores between them.
"""

from __future__ import annotations

import os


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system reports it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def threads_per_worker(workers: int, cores: int | None = None) -> int:
    """Torch threads for each of ``workers`` processes sharing ``cores`` (default: this machine's), at least 1."""
    if workers < 1:
        raise ValueError(f"workers must be 1 or more, not {workers}")
    return max(1, (cores if cores is not None else available_cores()) // workers)
