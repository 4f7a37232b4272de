"""facestyle inspect: a photo's faces, a result's distortion, and bad input as one line with exit code 2."""

import json

import pytest
from PIL import Image

from tests.cli.conftest import run_cli
from tests.conftest import read_image


def test_inspect_lists_the_faces_of_one_photo(portrait_path, capsys):
    code, out, err = run_cli(["inspect", str(portrait_path)], capsys)
    assert code == 0, err
    assert "1 face" in out and "478 landmarks" in out and "inter-ocular" in out
    assert err == ""


def test_inspect_compares_a_result_in_text_and_json(tmp_path, portrait_path, capsys):
    code, out, err = run_cli(["inspect", str(portrait_path), str(portrait_path)], capsys)
    assert code == 0, err
    assert "face 1: detected in the result, NME 0.0000" in out and "face detected: yes" in out

    code, out, _ = run_cli(["inspect", str(portrait_path), str(portrait_path), "--json"], capsys)
    data = json.loads(out)
    assert data["content"]["faces"][0]["landmarks"] == 478
    assert data["result"]["face_detected"] is True and data["result"]["mean_nme"] < 1e-3
    assert "outer eye corners" in data["result"]["nme_definition"]


def test_inspect_says_when_the_face_is_lost(tmp_path, portrait_path, capsys):
    blank = tmp_path / "blank.png"
    Image.new("RGB", (192, 256), (90, 90, 90)).save(blank)
    code, out, err = run_cli(["inspect", str(portrait_path), str(blank)], capsys)
    assert code == 0, err
    assert "NOT detected" in out and "face detected: no" in out


def test_inspect_a_photo_without_a_face(style_path, capsys):
    code, out, err = run_cli(["inspect", str(style_path), str(style_path)], capsys)
    assert code == 0, err
    assert "no face found" in out and "nothing to compare" in out


def test_inspect_writes_an_overlay(tmp_path, portrait_path, capsys):
    overlay = tmp_path / "masks.png"
    code, _, err = run_cli(["inspect", str(portrait_path), "--overlay", str(overlay)], capsys)
    assert code == 0, err
    image = read_image(overlay)
    assert image.width == 192 and image.height > 256


@pytest.mark.parametrize(
    "extra, message",
    [
        (["missing.png"], "does not exist"),
        (["--overlay", "masks.jpg"], "must end in .png"),
        (["--overlay", "no/such/folder/masks.png"], "does not exist"),
    ],
)
def test_inspect_bad_input_is_one_line_and_exit_2(extra, message, tmp_path, portrait_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(["inspect", str(portrait_path), *extra], capsys)
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert out == ""


def test_inspect_refuses_a_result_of_another_shape(tmp_path, portrait_path, capsys):
    square = tmp_path / "square.png"
    Image.new("RGB", (200, 200)).save(square)
    code, _, err = run_cli(["inspect", str(portrait_path), str(square)], capsys)
    assert code == 2 and "another aspect ratio" in err and err.count("\n") == 1
