"""Sharing the cores: threads per worker, applying them per thread, worker environments, web thread priority."""

import threading

import pytest
import torch

from facestyle.cores import (
    THREAD_VARIABLES,
    available_cores,
    thread_environment,
    threads_per_worker,
    use_threads,
)


@pytest.mark.parametrize(
    "workers, cores, threads",
    [(1, 2, 2), (2, 2, 1), (3, 2, 1), (1, 16, 16), (4, 16, 4), (3, 16, 5), (16, 16, 1), (1, 1, 1)],
)
def test_threads_per_worker_splits_the_cores(workers, cores, threads):
    assert threads_per_worker(workers, cores) == threads


def test_threads_per_worker_counts_this_process_cores_by_default():
    assert available_cores() >= 1
    assert threads_per_worker(1) == available_cores()
    assert threads_per_worker(available_cores() + 1) == 1


@pytest.mark.parametrize("workers, cores", [(0, 2), (-1, 2), (1, 0)])
def test_threads_per_worker_refuses_nonsense(workers, cores):
    with pytest.raises(ValueError):
        threads_per_worker(workers, cores)


def _in_a_thread(function):
    box = []
    thread = threading.Thread(target=lambda: box.append(function()))
    thread.start()
    thread.join()
    return box[0]


def test_use_threads_applies_to_the_calling_thread():
    before = torch.get_num_threads()
    assert _in_a_thread(lambda: (use_threads(1), torch.get_num_threads())[1]) == 1
    assert torch.get_num_threads() == before
    with pytest.raises(ValueError):
        use_threads(0)


def test_thread_environment_sets_the_team_sizes():
    environment = thread_environment(3, base={"PATH": "/bin", "OMP_NUM_THREADS": "8"})
    assert environment == {"PATH": "/bin", **{name: "3" for name in THREAD_VARIABLES}}
    assert "PATH" in thread_environment(1)
    with pytest.raises(ValueError):
        thread_environment(0)

