"""facestyle study: cells, sheet, tables and plot; resuming; bad values as one line with exit code 2."""

import pytest

from tests.cli.conftest import run_cli


def test_study_command_writes_sheet_tables_and_plot(tmp_path, face_path, style_path, capsys):
    folder = tmp_path / "study"
    code, _, err = run_cli(
        ["study", str(face_path), str(style_path), "-o", str(folder), "--layers", "deep", "--ratios", "40:10",
         "--size", "32", "--steps", "2", "--scales", "1"],
        capsys,
    )
    assert code == 0, err
    for name in ("sheet.png", "study.md", "study.csv", "costs.png", "cells/layers-deep.png", "cells/ratio-40-10.json"):
        assert (folder / name).is_file(), name
    assert "2 run" in err
    code, _, err = run_cli(
        ["study", str(face_path), str(style_path), "-o", str(folder), "--layers", "deep", "--ratios", "40:10",
         "--size", "32", "--steps", "2", "--scales", "1", "--quiet"],
        capsys,
    )
    assert code == 0 and "0 run" in err and "2 already done" in err
    code, _, err = run_cli(
        ["study", str(face_path), str(style_path), "-o", str(folder), "--layers", "deep", "--ratios", "40:10",
         "--size", "32", "--steps", "2", "--scales", "1", "--quiet", "--redo"],
        capsys,
    )
    assert code == 0 and "2 run" in err and "0 already done" in err


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--ratios", "4:"], "ratio '4:' is not ALPHA:BETA"),
        (["--ratios=-1:2"], "negative weight"),
        (["--layers", "deep,shalow"], "did you mean 'shallow'"),
        (["--layers", "relu1_1=0"], "add up to zero"),
        (["--layers", "relu6_1=1"], "unknown VGG-19 layer"),
        (["--strengths", "50"], "strength must be between 0 and 10"),
        (["--method", "adain"], "method adain ignores style layers"),
    ],
)
def test_study_bad_values_are_one_line(extra, message, tmp_path, face_path, style_path, capsys):
    folder = tmp_path / "study"
    code, _, err = run_cli(["study", str(face_path), str(style_path), "-o", str(folder), *extra], capsys)
    assert code == 2 and message in err and err.count("\n") == 1, err
    assert not folder.exists()
