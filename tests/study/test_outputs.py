"""A study's tables, its cost plot and everything write_outputs leaves in the folder."""

import csv
from pathlib import Path

import pytest

from facestyle.settings import make_settings
from facestyle.study.outputs import (
    describe_base,
    plot_study,
    write_outputs,
    write_tables,
)
from tests.conftest import read_image


def test_tables(finished_study):
    _, results, folder = finished_study
    md, csv_path = write_tables(results, folder, heading="tiny")
    with csv_path.open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["cell"] for row in rows] == ["deep-heavy", "shallow-heavy", "α:β = 10:40"]
    assert float(rows[0]["J"]) == pytest.approx(results[0].costs["total"])
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# tiny\n")
    assert "| deep-heavy | 0/0/0.1/0.4/0.5 | 1 | 5 | 1 |" in text and "## content:style ratio" in text


def test_the_cost_plot(finished_study):
    _, results, folder = finished_study
    assert read_image(plot_study(results, folder / "costs.png")).format == "PNG"
    for result in results:
        result.history = []  # AdaIN cells have no cost history
    assert plot_study(results, folder / "none.png") is None and not (folder / "none.png").exists()


def test_write_outputs(finished_study, face_path, style_path):
    base, results, folder = finished_study
    write_outputs(face_path, [style_path], results, folder, base=base)
    text = (folder / "study.md").read_text(encoding="utf-8")
    assert f"# {Path(face_path).name} in the style of {Path(style_path).name}" in text
    assert "Base settings: size 32, lbfgs lr 1, 3 steps, content layer relu4_2" in text
    assert all((folder / name).is_file() for name in ("study.csv", "sheet.png", "costs.png"))


def test_describe_base_names_what_differs_from_the_defaults():
    assert describe_base(make_settings(objective="report")).startswith("objective report, ")
    text = describe_base(make_settings(strength=2, preserve_color="luminance"))
    assert text.endswith(", strength 2, preserve_color luminance")
