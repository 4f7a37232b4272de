"""One contract for both job stores: SQLite (embedded studio) and Redis (cluster mode)."""

from __future__ import annotations

import threading

import pytest

from facestyle.web.files import new_job_id
from facestyle.web.jobs import QueueFull


@pytest.fixture(params=["sqlite", "redis"])
def store(request, tmp_path):
    if request.param == "sqlite":
        from facestyle.web.store import SqliteJobStore

        store = SqliteJobStore(tmp_path / "jobs.sqlite3")
    else:
        url, prefix = request.getfixturevalue("redis_url"), request.getfixturevalue("prefix")
        from facestyle.cluster.redis_store import RedisJobStore

        # A zero lease: a claimed job counts as abandoned at once, as the SQLite store's recover assumes.
        store = RedisJobStore(url, prefix=prefix, lease_seconds=0.0)
    yield store
    store.close()


def add(store, *, limit=None, now=None, style_id="great-wave"):
    job_id = new_job_id()
    store.add(job_id, quality="fast", options={"size": 32}, style_id=style_id, limit=limit, now=now)
    return job_id


def test_a_job_goes_queued_running_done(store):
    job_id = add(store)
    job = store.get(job_id)
    assert job.status == "queued" and job.options == {"size": 32} and job.attempts == 0
    assert job.style_id == "great-wave" and job.started is None and job.error is None
    claimed = store.claim_next("cpu")
    assert claimed.id == job_id and claimed.status == "running" and claimed.device == "cpu" and claimed.attempts == 1
    assert claimed.started is not None
    assert store.claim_next("cpu") is None
    assert store.get(job_id).stage == {}
    stage = {"scale": 4, "scales": 5, "width": 819, "height": 1024, "eta": 61.5}
    store.record_progress(job_id, step=3, total_steps=10, costs={"total": 2.5}, new_preview=True, stage=stage)
    job = store.get(job_id)
    assert (job.step, job.total_steps, job.costs, job.preview_version) == (3, 10, {"total": 2.5}, 1)
    assert job.stage == stage
    assert store.finish(job_id, "done", seconds=1.5)
    done = store.get(job_id)
    assert done.status == "done" and done.is_finished and done.seconds == 1.5 and done.finished is not None
    assert done.preview_version == 2  # the final image replaces the last preview
    assert (store.count("queued"), store.count("running"), store.count("done")) == (0, 0, 1)


def test_a_failed_job_keeps_its_reason(store):
    job_id = add(store, style_id=None)
    store.claim_next("cpu")
    assert store.finish(job_id, "failed", error="the photo has no face", seconds=0.5)
    job = store.get(job_id)
    assert job.status == "failed" and job.error == "the photo has no face" and job.style_id is None
    assert store.count("failed") == 1


def test_jobs_are_claimed_oldest_first_and_positions_count_those_ahead(store):
    first, second, third = add(store, now=1.0), add(store, now=2.0), add(store, now=3.0)
    assert [store.queue_position(store.get(i)) for i in (first, second, third)] == [0, 1, 2]
    assert store.claim_next("cpu").id == first
    assert store.queue_position(store.get(first)) is None
    assert store.queue_position(store.get(third)) == 1
    store.cancel(second)
    assert store.queue_position(store.get(third)) == 0


def test_cancel_a_queued_or_running_job_and_finishing_it_changes_nothing(store):
    waiting, running = add(store, now=2.0), add(store, now=1.0)
    store.claim_next("cpu")
    assert store.cancel(waiting) and store.cancel(running)
    for job_id in (waiting, running):
        job = store.get(job_id)
        assert job.status == "cancelled" and job.error == "cancelled on request" and job.finished is not None
    assert not store.finish(running, "done")
    store.record_progress(running, step=5, total_steps=10, costs={})
    assert store.get(running).status == "cancelled" and store.get(running).step == 0
    assert not store.cancel(running)  # already finished
    assert store.count("cancelled") == 2 and store.count("queued") == 0 and store.count("running") == 0


def test_delete_removes_the_job_everywhere(store):
    job_id = add(store)
    store.claim_next("cpu")
    assert store.delete(job_id) and not store.delete(job_id)
    assert store.get(job_id) is None and store.count("running") == 0 and job_id not in store.all_ids()
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


def test_recover_requeues_a_first_crash_and_fails_a_second(store):
    job_id = add(store)
    store.claim_next("cpu")
    assert store.recover(max_attempts=2) == ([job_id], [])
    job = store.get(job_id)
    assert job.status == "queued" and job.device is None and store.queue_position(job) == 0
    store.claim_next("cpu")
    assert store.recover(max_attempts=2) == ([], [job_id])
    failed = store.get(job_id)
    assert failed.status == "failed" and "stopped 2 times" in failed.error and failed.attempts == 2


def test_requeue_after_a_graceful_stop_does_not_count_the_try(store):
    job_id = add(store)
    store.claim_next("cpu")
    assert store.requeue(job_id)
    job = store.get(job_id)
    assert job.status == "queued" and job.attempts == 0 and job.device is None and job.started is None


def test_retention_finds_jobs_created_before_a_cutoff(store):
    old, new = add(store, now=100.0), add(store, now=200.0)
    assert store.ids_created_before(150.0) == [old]
    assert store.ids_created_before(200.0) == [old]  # strictly before
    assert sorted(store.ids_created_before(1e12)) == sorted([old, new])
    assert store.all_ids() == {old, new}
