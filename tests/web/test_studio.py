"""Retention: uploads and results are deleted after the retention period, running or not."""

from __future__ import annotations

import os
import time

from PIL import Image

from facestyle.web.studio import Studio
from tests.web.conftest import SlowEngine, wait_for


def photo() -> Image.Image:
    return Image.new("RGB", (40, 48), (120, 90, 60))


def test_purge_deletes_jobs_older_than_the_retention_and_their_files(make_config):
    studio = Studio(make_config(retention_hours=1))  # not started: jobs just wait
    old = studio.submit(photo(), quality="fast", options={}, style=photo())
    folder = studio.files.folder(old.id)
    assert sorted(p.name for p in folder.iterdir()) == ["content.png", "style.png"]
    assert studio.purge_expired(now=time.time() + 1800) == 0
    assert studio.purge_expired(now=time.time() + 3601) == 1
    assert studio.store.get(old.id) is None and not folder.exists()
    studio.stop()


def test_purge_removes_stray_folders_but_spares_fresh_ones(make_config):
    studio = Studio(make_config())
    stray, fresh = "s" * 22, "f" * 22
    for job_id in (stray, fresh):
        studio.files.create(job_id)
    an_hour_ago = time.time() - 3600
    os.utime(studio.files.folder(stray), (an_hour_ago, an_hour_ago))
    studio.purge_expired()
    assert not studio.files.folder(stray).exists() and studio.files.folder(fresh).exists()
    studio.stop()


def test_the_janitor_deletes_an_expired_job_even_while_it_runs(make_config):
    engine = SlowEngine(steps=100_000)
    studio = Studio(make_config(retention_hours=1 / 3600, sweep_seconds=0.1), engine=engine)  # one second
    studio.start()
    try:
        job = studio.submit(photo(), quality="fast", options={}, style_id="great-wave")
        assert engine.started.wait(20)
        wait_for(lambda: studio.store.get(job.id) is None, timeout=20)
        wait_for(lambda: studio.store.count("running") == 0, timeout=20)
        wait_for(lambda: not studio.files.folder(job.id).exists(), timeout=20)
    finally:
        studio.stop()
