"""facestyle sketch: fast and full drawings written with their settings, and one-line errors."""

import numpy as np
import pytest

from facestyle.image.io import read_metadata
from tests.cli.conftest import run_cli
from tests.cli.test_run import _bad_files
from tests.conftest import read_image


def test_fast_sketch_writes_the_drawing(tmp_path, portrait_path, capsys):
    out = tmp_path / "drawing.png"
    code, _, err = run_cli(["sketch", str(portrait_path), "-o", str(out), "--fast", "--size", "96",
                            "--medium", "charcoal"], capsys)
    assert code == 0, err
    assert read_image(out).size == (72, 96)
    recorded = read_metadata(out)["sketch"]
    assert recorded["medium"] == "charcoal" and recorded["quality"] == "fast"
    assert "wrote" in err and "step" in err  # the bar and the summary


def test_full_sketch_quiet_and_grey(tmp_path, face_path, capsys):
    out = tmp_path / "drawing.jpg"
    code, _, err = run_cli(["sketch", str(face_path), "-o", str(out), "--size", "40", "--steps", "2", "--grey",
                            "--texture", "patch", "--quiet"], capsys)
    assert code == 0, err
    image = read_image(out)
    assert max(image.size) == 40
    assert "step/s" not in err and "it/s" not in err
    assert read_metadata(out)["sketch"]["texture"] == "patch"


def test_flat_paper_leaves_the_drawings_grain_off(tmp_path, face_path, capsys):
    grained, flat = tmp_path / "grained.png", tmp_path / "flat.png"
    for out, extra in ((grained, []), (flat, ["--flat-paper"])):
        code, _, err = run_cli(["sketch", str(face_path), "-o", str(out), "--fast", "--size", "96", "--quiet",
                                *extra], capsys)
        assert code == 0, err
    assert read_metadata(grained)["sketch"]["paper_grain"] is True
    assert read_metadata(flat)["sketch"]["paper_grain"] is False
    # The background corner: flat paper is one colour, the drawing's paper varies.
    corner = (slice(0, 12), slice(0, 12))
    assert np.asarray(read_image(flat))[corner].std() < np.asarray(read_image(grained))[corner].std()


@pytest.mark.parametrize("case", ["missing", "directory", "empty", "truncated", "text", "tiny", "huge"])
def test_bad_photos(case, tmp_path, capsys):
    path, message = _bad_files(tmp_path)[case]
    out = tmp_path / "out.png"
    code, _, err = run_cli(["sketch", str(path), "-o", str(out), "--fast"], capsys)
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--medium", "crayon"], "invalid choice: 'crayon'"),
        (["--quality", "best"], "invalid choice: 'best'"),
        (["--size", "0"], "size must be between"),
        (["--exemplar", "/nonexistent/drawing.jpg"], "does not exist"),
        (["--steps", "-1"], "steps must be between"),
    ],
)
def test_bad_options(extra, message, tmp_path, face_path, capsys):
    out = tmp_path / "out.png"
    code, _, err = run_cli(["sketch", str(face_path), "-o", str(out), *extra], capsys)
    assert code == 2
    assert message in err and err.count("\n") == 1, err
    assert not out.exists()


def test_missing_photo_or_output(tmp_path, face_path, capsys):
    code, _, err = run_cli(["sketch", "-o", str(tmp_path / "o.png")], capsys)
    assert code == 2 and "no PHOTO" in err
    code, _, err = run_cli(["sketch", str(face_path)], capsys)
    assert code == 2 and "no output" in err
    code, _, err = run_cli(["sketch", str(face_path), "-o", str(tmp_path / "o.gif")], capsys)
    assert code == 2 and "must end in" in err
