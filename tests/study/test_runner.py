"""Running a study's cells into a folder: progress, records, resuming and shared cells."""

import hashlib
import json

import pytest

from facestyle.errors import OutputError
from facestyle.settings import make_settings
from facestyle.study import runner
from facestyle.study.cells import make_cells, parse_layer_list, parse_ratios
from facestyle.study.runner import (
    cell_paths,
    fingerprint,
    load_finished,
    prepare_folder,
    run_study,
)
from tests.conftest import read_image


def test_a_tiny_study_runs_and_resumes(tmp_path, face_path, style_path, monkeypatch):
    base = make_settings(size=32, steps=3, scales=1)
    cells = make_cells(base, layers=parse_layer_list("deep,shallow"), ratios=parse_ratios("10:40"))
    events = []
    results = run_study(face_path, [style_path], cells, tmp_path / "s", progress=events.append)
    folder = tmp_path / "s"
    assert [r.reused for r in results] == [False, False, False]
    # One progress count over all cells: it climbs to the total, one step at a time within a cell.
    assert events[-1].done == events[-1].total == 9
    assert [e.done for e in events if e.event is not None] == list(range(1, 10))
    for cell in cells:
        image_path, record_path = cell_paths(folder, cell)
        record = json.loads(record_path.read_text())
        assert read_image(image_path).size == (24, 32)
        assert set(record["costs"]) >= {"total", "content", "style"} and record["seconds"] > 0
        assert len(record["history"]) == 3

    # Run again: nothing is recomputed.
    def no_run(*args, **kwargs):
        raise AssertionError("a finished cell was run again")

    monkeypatch.setattr(runner, "stylize", no_run)
    again = run_study(face_path, [style_path], cells, folder)
    assert all(r.reused for r in again) and [r.costs for r in again] == [r.costs for r in results]
    monkeypatch.undo()

    # A changed setting or a changed input file redoes the cell.
    changed = make_cells(base.replace(seed=1), layers=parse_layer_list("deep"))
    assert not run_study(face_path, [style_path], changed, folder)[0].reused
    other_content = tmp_path / "face.png"
    other_content.write_bytes(style_path.read_bytes())
    assert not run_study(other_content, [style_path], changed, folder)[0].reused


def test_study_cell_images_can_be_rerun(tmp_path, face_path, style_path):
    from facestyle.config import plan_rerun

    cells = make_cells(make_settings(size=32, steps=1, scales=1), ratios=parse_ratios("1:1"))
    (result,) = run_study(face_path, [style_path], cells, tmp_path / "s")
    plan = plan_rerun(result.image_path)
    assert plan.settings == cells[0].settings and plan.content.resolve() == face_path.resolve()


def test_the_reports_two_studies_share_one_cell_which_runs_once(tmp_path, face_path, style_path):
    base = make_settings(objective="report", size=32, steps=2, scales=1)
    cells = make_cells(base, layers=parse_layer_list("balanced"), ratios=parse_ratios("40:10,10:40"))
    assert cells[2].detail == "λ all 0.2, = balanced"
    events = []
    results = run_study(face_path, [style_path], cells, tmp_path / "s", progress=events.append)
    assert events[-1].total == 4  # two cells of two steps; the repeat is a copy
    assert [r.reused for r in results] == [False, False, True]
    assert results[2].costs == results[0].costs
    assert (tmp_path / "s" / "cells" / "ratio-10-40.png").read_bytes() == results[0].image_path.read_bytes()
    again = run_study(face_path, [style_path], cells, tmp_path / "s")
    assert all(r.reused for r in again)


def test_prepare_folder_creates_the_folder_or_says_why_not(tmp_path):
    assert prepare_folder(tmp_path / "new").is_dir()
    assert prepare_folder(tmp_path / "new") == tmp_path / "new"  # an existing folder is reused
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="is a file; give a folder name"):
        prepare_folder(tmp_path / "file")
    with pytest.raises(OutputError, match="for study folder '.*' does not exist; create it first"):
        prepare_folder(tmp_path / "missing" / "study")


def test_fingerprints_hash_the_input_bytes(face_path):
    data = face_path.read_bytes()
    assert fingerprint(face_path) == fingerprint(str(face_path)) == fingerprint(data)
    assert fingerprint(data) == hashlib.sha256(data).hexdigest()
    pixels = read_image(face_path)
    assert fingerprint(pixels) == fingerprint(pixels.copy()) != fingerprint(data)


def test_a_damaged_record_means_the_cell_is_run_again(tmp_path):
    (cell,) = make_cells(make_settings(), ratios=parse_ratios("1:1"))
    image_path, record_path = cell_paths(tmp_path, cell)
    assert load_finished(tmp_path, cell, {}) is None  # nothing there yet
    image_path.parent.mkdir()
    image_path.write_bytes(b"")
    record_path.write_text("{not json")
    assert load_finished(tmp_path, cell, {}) is None
    record_path.write_text(json.dumps({"record": runner.RECORD_VERSION + 1}))
    assert load_finished(tmp_path, cell, {}) is None
