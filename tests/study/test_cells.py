"""The studies: parsing, the cells, a tiny resumable run and what it writes."""

import csv
import json
from pathlib import Path

import pytest

from facestyle import study
from facestyle.study import runner
from facestyle.errors import OptionError
from facestyle.settings import STYLE_LAYER_PRESETS, make_settings
from facestyle.study import (
    make_cells,
    parse_layer_list,
    parse_ratios,
    parse_strengths,
    run_study,
)
from tests.conftest import read_image


def test_ratios_parse():
    assert parse_ratios("40:10, 10:40") == [(40.0, 10.0), (10.0, 40.0)]
    assert parse_ratios("0:1") == [(0.0, 1.0)]


@pytest.mark.parametrize(
    "text, message",
    [
        ("4:", "ratio '4:' is not ALPHA:BETA with two numbers, like 40:10"),
        (":4", "is not ALPHA:BETA"),
        ("40-10", "is not ALPHA:BETA"),
        ("1:2:3", "is not ALPHA:BETA"),
        ("40:10,", "ratio '' is not ALPHA:BETA"),
        ("-1:4", "negative weight"),
        ("0:0", "nothing to optimise"),
        ("inf:1", "finite"),
        ("1:2,1:2", "given twice"),
    ],
)
def test_bad_ratios(text, message):
    with pytest.raises(OptionError, match=message):
        parse_ratios(text)


def test_layer_lists():
    assert [name for name, _ in parse_layer_list("deep,balanced,shallow")] == ["deep", "balanced", "shallow"]
    custom = parse_layer_list("relu1_1=1,block2_conv1=1;deep")
    assert custom[0][1] == (("relu1_1", 1.0), ("relu2_1", 1.0)) and custom[1][1] == STYLE_LAYER_PRESETS["deep"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("dep", "did you mean 'deep'"),
        ("deep,,shallow", "empty entry"),
        ("relu1_1=-1", "weights must be 0 or more"),
        ("relu1_1=0,relu2_1=0", "add up to zero"),
        ("relu9_1=1", "unknown VGG-19 layer 'relu9_1'"),
        ("deep,deep", "given twice"),
    ],
)
def test_bad_layer_lists(text, message):
    with pytest.raises(OptionError, match=message):
        parse_layer_list(text)


def test_strength_lists():
    assert parse_strengths("0.5,1,2") == [0.5, 1.0, 2.0]
    with pytest.raises(OptionError, match="not a number"):
        parse_strengths("1,x")
    with pytest.raises(OptionError, match="--strengths: strength must be between 0 and 10"):
        make_cells(make_settings(), strengths=[20.0])


def test_cells_follow_the_report():
    base = make_settings(objective="report")
    cells = make_cells(base, layers=parse_layer_list("deep,shallow"), ratios=parse_ratios("40:10,10:40"))
    assert [c.key for c in cells] == ["layers-deep", "layers-shallow", "ratio-40-10", "ratio-10-40"]
    assert [c.label for c in cells[:2]] == ["deep-heavy", "shallow-heavy"]
    # Layer cells keep the base's α = 10, β = 40; ratio cells use balanced λ.
    assert (cells[0].settings.alpha, cells[0].settings.beta) == (10.0, 40.0)
    assert cells[0].settings.style_layers == STYLE_LAYER_PRESETS["deep"]
    assert (cells[2].settings.alpha, cells[2].settings.beta) == (40.0, 10.0)
    assert cells[3].settings.style_layers == STYLE_LAYER_PRESETS["balanced"]
    assert cells[3].settings.content_layer == "relu5_4"


def test_cells_refuse_what_cannot_vary():
    with pytest.raises(OptionError, match="no study given"):
        make_cells(make_settings())
    with pytest.raises(OptionError, match="method adain ignores style layers"):
        make_cells(make_settings(method="adain"), layers=parse_layer_list("deep"))


def test_a_tiny_study_runs_resumes_and_writes_its_outputs(tmp_path, face_path, style_path, monkeypatch):
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
        image_path, record_path = study.cell_paths(folder, cell)
        record = json.loads(record_path.read_text())
        assert read_image(image_path).size == (24, 32)
        assert set(record["costs"]) >= {"total", "content", "style"} and record["seconds"] > 0
        assert len(record["history"]) == 3

    md, csv_path = study.write_tables(results, folder, heading="tiny")
    with csv_path.open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["cell"] for row in rows] == ["deep-heavy", "shallow-heavy", "α:β = 10:40"]
    assert float(rows[0]["J"]) == pytest.approx(results[0].costs["total"])
    text = md.read_text(encoding="utf-8")
    assert "| deep-heavy | 0/0/0.1/0.4/0.5 | 1 | 5 | 1 |" in text and "## content:style ratio" in text
    sheet = study.contact_sheet(face_path, [style_path], results, folder / "sheet.png")
    assert read_image(sheet).width >= 2 * 256  # two columns: the widest row has two cells
    assert read_image(study.plot_study(results, folder / "costs.png")).format == "PNG"
    (folder / "sheet.png").unlink()
    study.write_outputs(face_path, [style_path], results, folder, base=base)
    text = (folder / "study.md").read_text(encoding="utf-8")
    assert f"# {Path(face_path).name} in the style of {Path(style_path).name}" in text
    assert "Base settings: size 32, lbfgs lr 1, 3 steps, content layer relu4_2" in text
    assert all((folder / name).is_file() for name in ("study.csv", "sheet.png", "costs.png"))

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
