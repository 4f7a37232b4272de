"""How a worker records the way a run ended: done, failed with the engine's message, or back in the queue."""

from __future__ import annotations

import threading

import pytest
from PIL import Image

from facestyle.errors import InputImageError
from facestyle.web.files import JobFiles, new_job_id
from facestyle.web.store import SqliteJobStore
from facestyle.web.worker import CancelFlags, Worker
from tests.web.conftest import SlowEngine, wait_for


@pytest.fixture
def parts(tmp_path, face_bytes):
    store = SqliteJobStore(tmp_path / "jobs.sqlite3")
    files = JobFiles(tmp_path / "jobs")

    def make_worker(engine):
        return Worker("cpu", store=store, files=files, wakeup=threading.Condition(), cancels=CancelFlags(),
                      engine=engine, preview_seconds=0.0)

    def claim(style_id="great-wave"):
        job_id = new_job_id()
        files.create(job_id)
        (files.folder(job_id) / JobFiles.CONTENT).write_bytes(face_bytes)
        store.add(job_id, quality="fast", options={"size": 32, "steps": 2}, style_id=style_id)
        return store.claim_next("cpu")

    yield make_worker, claim, store, files
    store.close()


def test_a_finished_run_leaves_a_result_a_preview_and_a_done_row(parts):
    make_worker, claim, store, files = parts
    engine = SlowEngine(steps=4, step_seconds=0)
    job = claim()
    make_worker(engine).run(job)
    done = store.get(job.id)
    assert done.status == "done" and done.step == 4 and done.preview_version >= 2
    assert (files.folder(job.id) / "result.png").is_file() and (files.folder(job.id) / "preview.jpg").is_file()
    assert engine.calls[0]["device"] == "cpu" and engine.calls[0]["size"] == 32


def test_engine_errors_fail_the_job_with_their_message(parts):
    make_worker, claim, store, _ = parts

    def broken_input(*args, **kwargs):
        raise InputImageError("content image is only 8x8 pixels; give an image at least 16 pixels on each side")

    job = claim()
    make_worker(broken_input).run(job)
    assert store.get(job.id).error.startswith("content image is only 8x8 pixels")


def test_unexpected_errors_fail_the_job_and_say_where_to_look(parts, caplog):
    make_worker, claim, store, _ = parts

    def crash(*args, **kwargs):
        raise RuntimeError("out of memory")

    job = claim()
    make_worker(crash).run(job)
    failed = store.get(job.id)
    assert failed.status == "failed" and "RuntimeError: out of memory" in failed.error and "log" in failed.error


def test_a_style_missing_from_the_gallery_fails_cleanly(parts):
    make_worker, claim, store, _ = parts
    job = claim(style_id="lost-painting")
    make_worker(SlowEngine(steps=1, step_seconds=0)).run(job)
    assert "no painting 'lost-painting'" in store.get(job.id).error


def test_stopping_the_worker_mid_run_puts_the_job_back(parts):
    make_worker, claim, store, _ = parts
    engine = SlowEngine(steps=100_000)
    worker = make_worker(engine)
    job = claim()
    runner = threading.Thread(target=worker.run, args=(job,))
    runner.start()
    assert engine.started.wait(20)
    worker._stopping.set()
    runner.join(20)
    assert store.get(job.id).status == "queued"


def test_the_fast_picture_stays_up_while_the_coarse_scales_paint(parts):
    from PIL import Image

    from facestyle.events import Progress
    from facestyle.web.worker import ProgressReporter

    make_worker, claim, store, files = parts
    job = claim()
    written = []
    worker = make_worker(SlowEngine())
    worker.write_preview = lambda job_id, image: written.append(image.size) or True
    reporter = ProgressReporter(worker, job.id)

    def event(step, scale, size):
        return Progress(step, 6, {}, 0.0, (size, size), step, lambda: Image.new("RGB", (size, size)),
                        scale=scale, scales=2)

    reporter(event(0, 0, 64))  # the fast picture, at full size
    reporter(event(1, 0, 32))  # the coarse scale: not shown over it
    reporter(event(4, 1, 64))  # the finest scale paints over it
    assert written == [(64, 64), (64, 64)]


def test_cpu_workers_paint_with_their_share_of_the_cores(make_config, tmp_path):
    import torch

    from facestyle.cores import threads_per_worker
    from facestyle.web.studio import Studio

    seen = []

    def engine(*args, **kwargs):
        seen.append(torch.get_num_threads())
        raise InputImageError("stop")

    studio = Studio(make_config(devices=("cpu", "cpu")), engine=engine)
    assert [worker.threads for worker in studio.workers] == [threads_per_worker(2)] * 2
    worker = studio.workers[0]
    worker.start()
    job = studio.submit(Image.new("RGB", (32, 32)), quality="fast", options={}, style_id="great-wave")
    wait_for(lambda: studio.store.get(job.id).status == "failed")
    worker.stop()
    studio.store.close()
    assert seen == [threads_per_worker(2)]
    alone = Studio(make_config(devices=("cpu",), data_dir=tmp_path / "alone"))
    assert alone.workers[0].threads == threads_per_worker(1)
    alone.store.close()
