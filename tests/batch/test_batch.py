"""paint_folder: painting a folder, resuming it, repainting on changes, failures, interruption, bad arguments."""

import csv
import os

import numpy as np
import pytest
from PIL import Image

from facestyle import paint_folder
from facestyle.batch import (
    ALREADY_DONE,
    DONE,
    FAILED,
    NOT_RUN,
    InProcessRunner,
    Painted,
    output_names,
)
from facestyle.errors import InputImageError, OptionError, OutputError
from facestyle.files import file_sha256
from facestyle.image.io import read_metadata
from tests.batch.conftest import TINY, add_broken_photos


def _summary(folder):
    with open(folder / "summary.csv", newline="") as stream:
        return {row["photo"]: row for row in csv.DictReader(stream)}


def _leftovers(folder):
    return [name for name in os.listdir(folder) if name.startswith(".") or name.endswith(".part")]


def test_paints_every_photo_with_provenance_and_summary(photos, tmp_path, style_path):
    out = tmp_path / "out"
    report = paint_folder(photos, style_path, out, **TINY)
    assert [(row.photo, row.status) for row in report.rows] == [("anna.png", DONE), ("ben.jpg", DONE)]
    assert sorted(os.listdir(out)) == ["anna.png", "ben.png", "summary.csv"]
    embedded = read_metadata(out / "ben.png")
    assert embedded["inputs"]["content"]["sha256"] == file_sha256(photos / "ben.jpg")
    assert embedded["settings"]["steps"] == 2 and embedded["batch"]["costs"]["total"] > 0
    rows = _summary(out)
    assert rows["ben.jpg"]["status"] == "done" and float(rows["ben.jpg"]["J"]) > 0
    assert float(rows["anna.png"]["seconds"]) > 0 and rows["anna.png"]["output"] == "anna.png"


def test_a_second_run_keeps_what_is_done(photos, tmp_path, style_path):
    out = tmp_path / "out"
    first = paint_folder(photos, style_path, out, **TINY)
    stamps = {name: (out / name).stat().st_mtime_ns for name in ("anna.png", "ben.png")}
    again = paint_folder(photos, style_path, out, **TINY)
    assert [row.status for row in again.rows] == [ALREADY_DONE, ALREADY_DONE]
    assert {name: (out / name).stat().st_mtime_ns for name in stamps} == stamps
    # The costs of the earlier run come back from the outputs, so the summary stays complete.
    assert again.rows[0].costs == first.rows[0].costs
    assert _summary(out)["anna.png"]["J"] == f"{first.rows[0].costs['total']:.6g}"
    assert [row.status for row in paint_folder(photos, style_path, out, redo=True, **TINY).rows] == [DONE, DONE]


def test_changed_settings_or_photo_paint_again(photos, tmp_path, style_path, gray_portrait_path):
    out = tmp_path / "out"
    paint_folder(photos, style_path, out, **TINY)
    changed = paint_folder(photos, style_path, out, **{**TINY, "steps": 3})
    assert [row.status for row in changed.rows] == [DONE, DONE]
    assert read_metadata(out / "anna.png")["settings"]["steps"] == 3
    (photos / "ben.jpg").write_bytes(gray_portrait_path.read_bytes())
    one_new = paint_folder(photos, style_path, out, **{**TINY, "steps": 3})
    assert [row.status for row in one_new.rows] == [ALREADY_DONE, DONE]


def test_failed_photos_are_reported_and_the_rest_painted(photos, tmp_path, style_path):
    add_broken_photos(photos)
    out = tmp_path / "out"
    report = paint_folder(photos, style_path, out, **TINY)
    statuses = {row.photo: row.status for row in report.rows}
    assert statuses == {"anna.png": DONE, "ben.jpg": DONE, "broken.jpg": FAILED, "cut.jpg": FAILED}
    rows = _summary(out)
    assert "not an image" in rows["broken.jpg"]["error"] and "truncated" in rows["cut.jpg"]["error"]
    assert rows["cut.jpg"]["output"] == "" and not (out / "cut.png").exists()
    assert [row.photo for row in report.failed] == ["broken.jpg", "cut.jpg"]


def test_a_photo_without_a_face_is_painted_with_a_note(tmp_path, style_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    Image.new("RGB", (48, 40), (90, 140, 200)).save(folder / "sky.png")
    report = paint_folder(folder, style_path, tmp_path / "out", **TINY)
    assert report.rows[0].status == DONE and "face" in report.rows[0].note
    assert "face" in _summary(tmp_path / "out")["sky.png"]["note"]


def test_an_interrupted_batch_leaves_whole_files_and_resumes(photos, tmp_path, style_path):
    out = tmp_path / "out"
    painted = []

    def stop_in_second_photo(update):
        if update.row is not None:
            painted.append(update.row.photo)
        if update.event is not None and update.job.name == "ben.jpg" and update.event.step == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        paint_folder(photos, style_path, out, progress=stop_in_second_photo, **TINY)
    assert painted == ["anna.png"]
    assert sorted(os.listdir(out)) == ["anna.png", "summary.csv"] and not _leftovers(out)
    assert _summary(out)["ben.jpg"]["status"] == NOT_RUN
    resumed = paint_folder(photos, style_path, out, **TINY)
    assert [row.status for row in resumed.rows] == [ALREADY_DONE, DONE]


def test_progress_reports_steps_and_finished_photos(photos, tmp_path, style_path):
    updates = []
    paint_folder(photos, style_path, tmp_path / "out", progress=updates.append, **TINY)
    steps = [(u.job.name, u.event.step) for u in updates if u.event is not None]
    assert ("anna.png", 2) in steps and ("ben.jpg", 2) in steps
    finished = [(u.finished, u.to_paint, u.row.status) for u in updates if u.row is not None]
    assert finished == [(1, 2, DONE), (2, 2, DONE)]


def test_another_runner_plugs_in(photos, tmp_path, style_path):
    class Flat:
        """Paints every photo one grey, in reverse order: outcomes may come in any order."""

        def paint(self, jobs, on_step=None):
            for job in reversed(jobs):
                yield Painted(job, 0.5, Image.new("RGB", (8, 8), (128, 128, 128)), {"total": 1.0})

    report = paint_folder(photos, style_path, tmp_path / "out", runner=Flat(), **TINY)
    assert [(row.photo, row.status, row.costs) for row in report.rows] == [
        ("anna.png", DONE, {"total": 1.0}),
        ("ben.jpg", DONE, {"total": 1.0}),
    ]
    assert np.asarray(Image.open(tmp_path / "out" / "anna.png")).mean() == 128


def test_the_in_process_runner_reads_ahead_a_bounded_number(photos, style_path, tmp_path):
    for index in range(4):
        (photos / f"extra{index}.png").write_bytes((photos / "anna.png").read_bytes())
    calls = []

    def engine(content, styles, settings, progress=None):
        calls.append(content)
        raise OptionError("stop here")

    report = paint_folder(photos, style_path, tmp_path / "out", runner=InProcessRunner(engine=engine), **TINY)
    assert len(calls) == 6 and {row.status for row in report.rows} == {FAILED}
    assert report.rows[0].error == "stop here"
    with pytest.raises(ValueError):
        InProcessRunner(in_flight=0)


def test_outputs_of_photos_sharing_a_name_stay_apart(tmp_path):
    names = output_names([tmp_path / "a.jpg", tmp_path / "A.png", tmp_path / "b.jpg"])
    assert list(names.values()) == ["a.jpg.png", "A.png.png", "b.png"]


def _bad_arguments(tmp_path, photos, style_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "a.txt").write_text("hello")
    (tmp_path / "file").write_text("x")
    broken_style = tmp_path / "broken_style.png"
    broken_style.write_text("no image")
    out = tmp_path / "out"
    return {
        "missing folder": (tmp_path / "nope", style_path, out, InputImageError, "does not exist"),
        "empty folder": (empty, style_path, out, InputImageError, "is empty"),
        "no images": (texts, style_path, out, InputImageError, "holds no images"),
        "missing style": (photos, tmp_path / "nope.jpg", out, InputImageError, "does not exist"),
        "broken style": (photos, broken_style, out, InputImageError, "not an image"),
        "output is a file": (photos, style_path, tmp_path / "file", OutputError, "is a file"),
        "output parent missing": (photos, style_path, tmp_path / "a" / "b", OutputError, "does not exist"),
        "output is the photos": (photos, style_path, photos, OptionError, "is the photo folder"),
    }


@pytest.mark.parametrize(
    "case",
    ["missing folder", "empty folder", "no images", "missing style", "broken style", "output is a file",
     "output parent missing", "output is the photos"],
)
def test_bad_arguments_write_nothing(case, photos, tmp_path, style_path):
    folder, style, out, error, text = _bad_arguments(tmp_path, photos, style_path)[case]
    before = sorted(os.listdir(tmp_path)), sorted(os.listdir(photos))
    with pytest.raises(error, match=text):
        paint_folder(folder, style, out, **TINY)
    assert (sorted(os.listdir(tmp_path)), sorted(os.listdir(photos))) == before


def test_bad_settings_write_nothing(photos, tmp_path, style_path):
    with pytest.raises(OptionError):
        paint_folder(photos, style_path, tmp_path / "out", method="oil")
    assert not (tmp_path / "out").exists()
