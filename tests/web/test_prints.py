"""The print version in the studio: the scale being painted and the time left, and a photo too small for the print."""

from __future__ import annotations

import io
import sqlite3
import threading
from typing import Any, Callable

from fastapi.testclient import TestClient
from PIL import Image

from facestyle.events import Progress, Result
from facestyle.image.io import resize_long_side
from facestyle.settings import make_settings
from facestyle.web.app import create_app
from facestyle.web.store import SqliteJobStore
from tests.web.conftest import wait_for, wait_status
from tests.web.test_from_job import rerender, upload


class StagedEngine:
    """Stands in for a print-size run: progress events over three scales with a shrinking time left.

    With ``gate`` set, it waits on it after the first event of the last scale, so a test can look
    at the running job.
    """

    SCALES = ((16, 2), (32, 2), (64, 2))

    def __init__(self, gate: threading.Event | None = None, step_seconds: float = 0.0):
        self.gate, self.step_seconds = gate, step_seconds

    def __call__(self, content: Any, style: Any, *, progress: Callable[[Progress], Any], **options: Any) -> Result:
        photo = Image.open(content).convert("RGB")
        total, step = sum(steps for _, steps in self.SCALES), 0
        for scale, (side, steps) in enumerate(self.SCALES):
            image = resize_long_side(photo, side)
            for _ in range(steps):
                step += 1
                progress(Progress(step, total, {"total": 1.0}, 0.0, image.size, 1, lambda image=image: image,
                                  scale=scale, scales=len(self.SCALES), eta=10.0 * (total - step) + 65))
                if self.gate is not None and scale == len(self.SCALES) - 1:
                    self.gate.wait(30)
                threading.Event().wait(self.step_seconds)
        settings = make_settings(**{k: v for k, v in options.items() if k not in ("progress", "fast_preview")})
        return Result(image=image, history=[], settings=settings, seconds=0.0, device="cpu")


def _photo(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 90, 60)).save(out, "PNG")
    return out.getvalue()


def test_a_running_job_shows_the_scale_being_painted_and_the_time_left(make_config, face_bytes):
    gate = threading.Event()
    with TestClient(create_app(make_config(), engine=StagedEngine(gate))) as client:
        job = upload(client, face_bytes).json()
        try:
            running = wait_for(lambda: (body := client.get(f"/api/jobs/{job['id']}").json())["progress"]["scale"] == 3
                               and body)
        finally:
            gate.set()
        progress = running["progress"]
        assert (progress["scale"], progress["scales"], progress["step"], progress["total_steps"]) == (3, 3, 5, 6)
        assert max(progress["width"], progress["height"]) == 64 and progress["eta_seconds"] == 75.0
        done = wait_status(client, job["id"], ("done",))
        assert done["progress"]["scale"] is None and done["progress"]["eta_seconds"] is None


def test_a_small_photo_offers_the_largest_print_it_allows_and_refuses_more_in_the_studios_words(make_config):
    config = make_config(max_size=64, print_size=1024)
    with TestClient(create_app(config, engine=StagedEngine())) as client:
        first = upload(client, _photo(300, 200)).json()
        done = wait_status(client, first["id"], ("done",))
        assert done["print_size"] == 600  # twice the photo's long side, under the studio's 1024
        refused = rerender(client, first["id"], size=1024)
        assert refused.status_code == 422
        message = refused.json()["error"]
        assert "300 px" in message and "600 px or less" in message and "--size" not in message
        assert rerender(client, first["id"], size=600).status_code == 202


def test_a_large_photo_offers_the_studios_print_size_and_a_tiny_upload_is_refused_at_once(make_config):
    config = make_config(max_size=64, print_size=128)
    with TestClient(create_app(config, engine=StagedEngine())) as client:
        first = upload(client, _photo(300, 200)).json()
        assert wait_status(client, first["id"], ("done",))["print_size"] == 128
        tiny = upload(client, _photo(20, 16), size="64")
        assert tiny.status_code == 422 and "choose 40 px or less" in tiny.json()["error"]


def test_a_job_queue_written_before_jobs_reported_their_stage_still_opens(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    with sqlite3.connect(path) as old:
        old.execute("CREATE TABLE jobs (id TEXT PRIMARY KEY, status TEXT NOT NULL, created REAL NOT NULL, "
                    "started REAL, finished REAL, quality TEXT NOT NULL, options TEXT NOT NULL, style_id TEXT, "
                    "step INTEGER NOT NULL DEFAULT 0, total_steps INTEGER NOT NULL DEFAULT 0, "
                    "costs TEXT NOT NULL DEFAULT '{}', error TEXT, attempts INTEGER NOT NULL DEFAULT 0, "
                    "device TEXT, seconds REAL, preview_version INTEGER NOT NULL DEFAULT 0)")
        old.execute("INSERT INTO jobs (id, status, created, quality, options) VALUES ('a', 'done', 1.0, 'fast', '{}')")
    store = SqliteJobStore(path)
    try:
        assert store.get("a").stage == {}
    finally:
        store.close()
