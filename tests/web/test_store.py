"""The SQLite job store: transitions guarded by state, the queue limit, recovery after a crash."""

from __future__ import annotations

import threading

import pytest

from facestyle.web.files import new_job_id
from facestyle.web.store import QueueFull, SqliteJobStore


@pytest.fixture
def store(tmp_path):
    store = SqliteJobStore(tmp_path / "jobs.sqlite3")
    yield store
    store.close()


def add(store, *, limit=None, now=None):
    job_id = new_job_id()
    store.add(job_id, quality="fast", options={"size": 32}, style_id="great-wave", limit=limit, now=now)
    return job_id


def test_a_job_goes_queued_running_done(store):
    job_id = add(store)
    job = store.get(job_id)
    assert job.status == "queued" and job.options == {"size": 32} and job.attempts == 0
    claimed = store.claim_next("cpu")
    assert claimed.id == job_id and claimed.status == "running" and claimed.device == "cpu" and claimed.attempts == 1
    assert store.claim_next("cpu") is None
    store.record_progress(job_id, step=3, total_steps=10, costs={"total": 2.5}, new_preview=True)
    job = store.get(job_id)
    assert (job.step, job.total_steps, job.costs, job.preview_version) == (3, 10, {"total": 2.5}, 1)
    assert store.finish(job_id, "done", seconds=1.5)
    done = store.get(job_id)
    assert done.status == "done" and done.is_finished and done.seconds == 1.5 and done.finished is not None


def test_jobs_are_claimed_oldest_first_and_positions_count_those_ahead(store):
    first, second, third = add(store, now=1.0), add(store, now=2.0), add(store, now=3.0)
    assert [store.queue_position(store.get(i)) for i in (first, second, third)] == [0, 1, 2]
    assert store.claim_next("cpu").id == first
    assert store.queue_position(store.get(first)) is None
    assert store.queue_position(store.get(third)) == 1


def test_finishing_a_cancelled_or_deleted_job_changes_nothing(store):
    job_id = add(store)
    store.claim_next("cpu")
    assert store.cancel(job_id)
    assert not store.finish(job_id, "done")
    assert store.get(job_id).status == "cancelled"
    assert not store.cancel(job_id)  # already finished
    assert store.delete(job_id) and not store.delete(job_id)
    assert not store.finish(job_id, "failed", error="x")
    with pytest.raises(ValueError):
        store.finish(job_id, "queued")


def test_the_queue_limit_counts_waiting_jobs_only(store):
    add(store, limit=2)
    add(store, limit=2)
    with pytest.raises(QueueFull):
        add(store, limit=2)
    store.claim_next("cpu")  # one starts running: room for one more
    add(store, limit=2)
    assert store.count("queued") == 2 and store.count("running") == 1


def test_the_limit_holds_under_concurrent_adds(store):
    accepted, refused = [], []
    barrier = threading.Barrier(12)

    def try_add():
        barrier.wait()
        try:
            accepted.append(add(store, limit=5))
        except QueueFull:
            refused.append(1)

    threads = [threading.Thread(target=try_add) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(accepted) == 5 and len(refused) == 7


def test_recover_requeues_a_first_crash_and_fails_a_second(store, tmp_path):
    job_id = add(store)
    store.claim_next("cpu")
    assert store.recover(max_attempts=2) == ([job_id], [])
    assert store.get(job_id).status == "queued"
    store.claim_next("cpu")
    assert store.recover(max_attempts=2) == ([], [job_id])
    failed = store.get(job_id)
    assert failed.status == "failed" and "stopped 2 times" in failed.error


def test_requeue_after_a_graceful_stop_does_not_count_the_try(store):
    job_id = add(store)
    store.claim_next("cpu")
    assert store.requeue(job_id)
    job = store.get(job_id)
    assert job.status == "queued" and job.attempts == 0 and job.device is None


def test_rows_survive_reopening_the_database(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    first = SqliteJobStore(path)
    job_id = add(first)
    first.close()
    second = SqliteJobStore(path)
    assert second.get(job_id).status == "queued"
    assert second.ids_created_before(float("inf")) == [job_id] and second.all_ids() == {job_id}
    second.close()
