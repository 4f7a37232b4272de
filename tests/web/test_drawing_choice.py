"""The studio's drawing choice: a medium in the form draws with facestyle.sketch, fast first."""

from __future__ import annotations

import threading

import pytest

from facestyle.errors import OptionError
from facestyle.web import presets
from facestyle.web.config import StudioConfig
from facestyle.web.files import JobFiles, new_job_id
from facestyle.web.store import SqliteJobStore
from facestyle.web.worker import CancelFlags, Worker


def test_the_drawing_control_offers_off_and_every_medium(tmp_path):
    control = presets.DRAWING_CONTROL
    assert control.kind == "select" and control.choices == ("off", "pencil", "charcoal", "ink")
    assert "medium" in presets.describe()["options"]
    assert presets.describe()["controls"][-1]["name"] == "medium"
    config = StudioConfig(data_dir=tmp_path)
    assert presets.parse_options({"quality": "fast", "medium": "ink"}, config)[1]["medium"] == "ink"
    assert presets.parse_options({"medium": "off"}, config)[1]["medium"] is None
    with pytest.raises(OptionError, match="unknown medium 'crayn'"):
        presets.parse_options({"medium": "crayn"}, config)


@pytest.mark.parametrize("method, first_steps", [("fast", [1]), ("gatys", [0, 1, 2])])
def test_a_drawing_job_shows_the_fast_drawing_then_the_full_one(method, first_steps, tmp_path, face_bytes):
    store = SqliteJobStore(tmp_path / "jobs.sqlite3")
    files = JobFiles(tmp_path / "jobs")
    job_id = new_job_id()
    files.create(job_id)
    (files.folder(job_id) / JobFiles.CONTENT).write_bytes(face_bytes)
    options = {"method": method, "size": 32, "steps": 2, "scales": 1, "medium": "pencil"}
    store.add(job_id, quality="fast", options=options, style_id="great-wave")
    steps = []

    def painter(*args, **kwargs):
        raise AssertionError("a drawing job must not paint")

    def drawer(*args, progress, **kwargs):
        from facestyle.sketch import sketch

        def record(event):
            steps.append(event.step)
            return progress(event)

        return sketch(*args, progress=record, **kwargs)

    worker = Worker("cpu", store=store, files=files, wakeup=threading.Condition(), cancels=CancelFlags(),
                    engine=painter, drawer=drawer, preview_seconds=0.0)
    worker.run(store.claim_next("cpu"))
    done = store.get(job_id)
    assert done.status == "done", done.error
    assert steps == first_steps
    assert (files.folder(job_id) / "result.png").is_file()
    store.close()
