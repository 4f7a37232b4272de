"""Real workers on a real Redis: jobs paint once, survive kill -9, crashes fail, cancels stop, nothing runs twice."""

from __future__ import annotations

import io
import time
from collections import Counter

import pytest
from PIL import Image

from tests.redis_server import require_cluster_tools

require_cluster_tools(module=True)

from facestyle.cluster.client import ClusterClient
from tests.cluster.engines import CRASH_SEED, read_runs
from tests.cluster.workers import TINY, WorkerProcess, wait_registered
from tests.web.conftest import DATA, wait_for


@pytest.fixture
def cluster(redis_url, prefix, tmp_path):
    """A client, and a way to start workers that are all stopped when the test ends."""
    client = ClusterClient(redis_url, prefix=prefix)
    workers: list[WorkerProcess] = []

    def start(count: int = 1, **options) -> list[WorkerProcess]:
        started = [WorkerProcess(redis_url, prefix, tmp_path, **options) for _ in range(count)]
        workers.extend(started)
        wait_registered(client, started)
        return started

    client.start_workers = start
    client.runs = lambda: read_runs(tmp_path / "runs.log")
    yield client
    for worker in workers:
        worker.stop()
    client.close()


def submit(client, seed, **settings):
    return client.submit(DATA / "face_small.png", style_id="starry-night", settings={**TINY, "seed": seed, **settings})


def ends_per_seed(client) -> Counter:
    return Counter(seed for event, seed, _ in client.runs() if event == "end")


def test_a_worker_paints_jobs_with_progress_previews_and_results(cluster):
    cluster.start_workers(1)
    gallery_job = submit(cluster, 1)
    uploaded_job = cluster.submit(DATA / "face_small.png", DATA / "style_small.png", settings={**TINY, "seed": 2})
    for job_id in (gallery_job, uploaded_job):
        job = cluster.wait(job_id, timeout=90)
        assert job.status == "done", job.error
        assert job.attempts == 1 and job.step == job.total_steps > 0 and job.costs["total"] > 0
        assert job.device.startswith("cpu@")
        image = Image.open(io.BytesIO(cluster.result(job_id)))
        assert max(image.size) == 64 and image.format == "PNG" and "facestyle" in image.info
        assert cluster.blobs.read(job_id, "preview.jpg")[:2] == b"\xff\xd8"
    assert ends_per_seed(cluster) == {1: 1, 2: 1}
    # The registry catches up at the worker's next heartbeat.
    [worker] = wait_for(lambda: [w for w in cluster.workers() if w["job"] is None and w["jobs_done"] == 2])
    assert worker["device"] == "cpu"


def test_kill_9_of_a_worker_mid_job_and_every_job_ends_done_exactly_once(cluster):
    first, second = cluster.start_workers(2)
    jobs = {seed: submit(cluster, seed, steps=200) for seed in range(10, 14)}

    def running_on_first():
        for job_id in jobs.values():
            job = cluster.get(job_id)
            if job.status == "running" and f":{first.pid}" in job.device and job.step > 0:
                return job_id
        return None

    victim = wait_for(running_on_first, timeout=60)
    first.kill()
    for job_id in jobs.values():
        job = cluster.wait(job_id, timeout=120)
        assert job.status == "done", job.error
    assert cluster.get(victim).attempts == 2 and f":{second.pid}" in cluster.get(victim).device
    assert ends_per_seed(cluster) == {seed: 1 for seed in jobs}


def test_a_job_that_always_crashes_its_worker_fails_after_two_attempts(cluster):
    cluster.start_workers(2)
    crashing = submit(cluster, CRASH_SEED)
    wait_for(lambda: cluster.get(crashing).attempts == 2, timeout=60)
    # Both workers died on it; the next worker to start finds the job abandoned twice and fails it.
    cluster.start_workers(1)
    job = cluster.wait(crashing, timeout=60)
    assert job.status == "failed" and "stopped 2 times" in job.error and job.attempts == 2
    after = submit(cluster, 3)
    assert cluster.wait(after, timeout=90).status == "done"


def test_cancel_stops_a_running_remote_job_within_a_second(cluster):
    cluster.start_workers(1)
    long_job = submit(cluster, 20, steps=5000)
    wait_for(lambda: cluster.get(long_job).step > 0, timeout=60)
    asked = time.time()
    assert cluster.cancel(long_job)
    stopped = wait_for(lambda: [t for event, seed, t in cluster.runs() if event == "stopped" and seed == 20], timeout=5)
    assert stopped[0] - asked < 1.0
    job = cluster.get(long_job)
    assert job.status == "cancelled" and job.error == "cancelled on request"
    assert not cluster.cancel(long_job)
    # The worker is free again at once.
    assert cluster.wait(submit(cluster, 21), timeout=60).status == "done"


def test_a_duplicate_delivery_does_not_paint_the_job_twice(cluster):
    cluster.start_workers(2)
    job_id = submit(cluster, 30, steps=100)
    cluster.enqueue(job_id)  # the same message twice more, as a redelivery would
    cluster.enqueue(job_id)
    job = cluster.wait(job_id, timeout=90)
    assert job.status == "done" and job.attempts == 1
    cluster.enqueue(job_id)  # a late copy after it finished
    time.sleep(1.0)
    starts = [seed for event, seed, _ in cluster.runs() if event == "start"]
    assert starts == [30] and cluster.get(job_id).status == "done"


def test_a_job_longer_than_the_visibility_timeout_runs_once(cluster):
    cluster.start_workers(2, extra=("--visibility-timeout", "1"))
    job_id = submit(cluster, 40, steps=400)
    job = cluster.wait(job_id, timeout=120)
    assert job.status == "done" and job.attempts == 1 and job.seconds > 2  # several timeouts long
    starts = [seed for event, seed, _ in cluster.runs() if event == "start"]
    assert starts == [40]


def test_a_redis_restart_with_persistence_loses_no_queued_job(own_redis, prefix, tmp_path):
    client = ClusterClient(own_redis.url, prefix=prefix)
    jobs = [submit(client, seed) for seed in (50, 51, 52)]
    client.close()
    own_redis.restart(kill=True)  # the append-only file is all that is left
    client = ClusterClient(own_redis.url, prefix=prefix)
    worker = WorkerProcess(own_redis.url, prefix, tmp_path)
    try:
        wait_registered(client, [worker])
        assert [client.wait(job_id, timeout=90).status for job_id in jobs] == ["done"] * 3
    finally:
        worker.stop()
        client.close()


def test_a_drawing_job_is_drawn_on_the_cluster(cluster):
    cluster.start_workers(1)
    job_id = cluster.submit(DATA / "face_small.png", style_id="starry-night",
                            settings={"size": 64, "medium": "charcoal", "method": "fast"})
    job = cluster.wait(job_id, timeout=90)
    assert job.status == "done", job.error
    image = Image.open(io.BytesIO(cluster.result(job_id)))
    assert max(image.size) == 64 and image.format == "PNG"
    assert cluster.runs() == []  # drawn by facestyle.sketch, not handed to the painting engine
