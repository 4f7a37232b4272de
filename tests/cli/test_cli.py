"""The command line: a good run, and one-line errors with exit code 2 and no output for bad input."""

import io
import json
import os

import numpy as np
import pytest
from PIL import Image

from facestyle.cli import main
from facestyle.image.io import read_metadata
from tests.conftest import read_image


def _run(argv, capsys):
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_run_writes_image_log_plot_and_intermediates(tmp_path, face_path, style_path, capsys):
    out = tmp_path / "portrait.png"
    code, _, err = _run(
        [
            "run", str(face_path), str(style_path), "-o", str(out), "--size", "40", "--steps", "4",
            "--save-every", "2", "--log", str(tmp_path / "costs.csv"), "--plot", str(tmp_path / "costs.png"),
            "--style-layers", "block1_conv1=0.5,block2_conv1=0.5", "--content-layer", "block4_conv2",
        ],
        capsys,
    )
    assert code == 0, err
    assert read_image(out).size == (30, 40)
    settings = read_metadata(out)["settings"]
    assert settings["steps"] == 4 and settings["style_layers"] == {"relu1_1": 0.5, "relu2_1": 0.5}
    assert (tmp_path / "portrait.step0002.png").exists() and (tmp_path / "portrait.step0004.png").exists()
    rows = (tmp_path / "costs.csv").read_text().splitlines()
    assert rows[0].startswith("step,seconds,") and len(rows) == 5
    assert read_image(tmp_path / "costs.png").format == "PNG"
    assert "J=" in err


def test_json_log(tmp_path, face_path, style_path, capsys):
    code, _, err = _run(
        ["run", str(face_path), str(style_path), "-o", str(tmp_path / "p.jpg"), "--size", "32", "--steps", "2",
         "--log", str(tmp_path / "costs.json"), "--quiet"],
        capsys,
    )
    assert code == 0, err
    assert [row["step"] for row in json.loads((tmp_path / "costs.json").read_text())] == [1, 2]


def _bad_files(tmp_path):
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "text.jpg").write_text("not an image")
    (tmp_path / "folder").mkdir()
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 200, 30)).save(buffer, "JPEG")
    (tmp_path / "cut.jpg").write_bytes(buffer.getvalue()[:300])
    Image.new("RGB", (1, 1)).save(tmp_path / "dot.png")
    from tests.image.test_io import _png_header_only

    (tmp_path / "huge.png").write_bytes(_png_header_only(60_000, 60_000))
    return {
        "missing": (tmp_path / "missing.jpg", "does not exist"),
        "directory": (tmp_path / "folder", "is a directory"),
        "empty": (tmp_path / "empty.jpg", "empty"),
        "truncated": (tmp_path / "cut.jpg", "truncated"),
        "text": (tmp_path / "text.jpg", "not an image"),
        "tiny": (tmp_path / "dot.png", "1x1"),
        "huge": (tmp_path / "huge.png", "megapixel"),
    }


@pytest.mark.parametrize("case", ["missing", "directory", "empty", "truncated", "text", "tiny", "huge"])
def test_bad_content_images(case, tmp_path, style_path, capsys):
    path, message = _bad_files(tmp_path)[case]
    out = tmp_path / "out.png"
    code, stdout, err = _run(["run", str(path), str(style_path), "-o", str(out), "--size", "32", "--steps", "1"], capsys)
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--optimizer", "sgd"], "invalid choice: 'sgd'"),
        (["--style-layers", "relu1_1=-1"], "0 or more"),
        (["--style-layers", "relu9_9=1"], "unknown VGG-19 layer"),
        (["--steps", "ten"], "invalid int value"),
        (["--size", "0"], "size must be between"),
        (["--alpha", "0", "--beta", "0"], "nothing to optimise"),
        (["--save-every", "0"], "save-every must be 1 or more"),
        (["--device", "cuda:0"] , "no CUDA GPU"),
        (["--weights", "/nonexistent/vgg.pth"], "expected a file with sha256"),
    ],
)
def test_bad_options(extra, message, tmp_path, face_path, style_path, capsys):
    import torch

    if "cuda:0" in extra and torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    out = tmp_path / "out.png"
    code, _, err = _run(["run", str(face_path), str(style_path), "-o", str(out), "--size", "32", "--steps", "1", *extra], capsys)
    assert code == 2
    assert message in err and err.count("\n") == 1, err
    assert not out.exists()


@pytest.mark.parametrize("output, message", [("missing/out.png", "does not exist"), ("out.gif", "must end in")])
def test_bad_output_paths(output, message, tmp_path, face_path, style_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(["run", str(face_path), str(style_path), "-o", output, "--steps", "1"], capsys)
    assert code == 2 and message in err and err.count("\n") == 1


def test_unwritable_output_folder(tmp_path, face_path, style_path, capsys, monkeypatch):
    import os

    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    # Root may write anywhere, so simulate the permission check a normal user would fail.
    monkeypatch.setattr(os, "access", lambda path, mode: False if str(path) == str(locked) else real_access(path, mode))
    code, _, err = _run(["run", str(face_path), str(style_path), "-o", str(locked / "o.png")], capsys)
    assert code == 2 and "not writable" in err and err.count("\n") == 1
    assert list(locked.iterdir()) == []


def test_version_and_help(capsys):
    assert main(["--version"]) == 0 and "facestyle 0.1.0" in capsys.readouterr().out
    assert main(["run", "--help"]) == 0 and "--style-layers" in capsys.readouterr().out
    assert main([]) == 2 and "required" in capsys.readouterr().err


def test_debug_shows_the_traceback(tmp_path, style_path, capsys):
    code, _, err = _run(["run", str(tmp_path / "nope.jpg"), str(style_path), "-o", str(tmp_path / "o.png"), "--debug"], capsys)
    assert code == 2 and "Traceback" in err


# --- facestyle inspect ------------------------------------------------------------------------------


def test_inspect_lists_the_faces_of_one_photo(portrait_path, capsys):
    code, out, err = _run(["inspect", str(portrait_path)], capsys)
    assert code == 0, err
    assert "1 face" in out and "478 landmarks" in out and "inter-ocular" in out
    assert err == ""


def test_inspect_compares_a_result_in_text_and_json(tmp_path, portrait_path, capsys):
    code, out, err = _run(["inspect", str(portrait_path), str(portrait_path)], capsys)
    assert code == 0, err
    assert "face 1: detected in the result, NME 0.0000" in out and "face detected: yes" in out

    code, out, _ = _run(["inspect", str(portrait_path), str(portrait_path), "--json"], capsys)
    data = json.loads(out)
    assert data["content"]["faces"][0]["landmarks"] == 478
    assert data["result"]["face_detected"] is True and data["result"]["mean_nme"] < 1e-3
    assert "outer eye corners" in data["result"]["nme_definition"]


def test_inspect_says_when_the_face_is_lost(tmp_path, portrait_path, capsys):
    blank = tmp_path / "blank.png"
    Image.new("RGB", (192, 256), (90, 90, 90)).save(blank)
    code, out, err = _run(["inspect", str(portrait_path), str(blank)], capsys)
    assert code == 0, err
    assert "NOT detected" in out and "face detected: no" in out


def test_inspect_a_photo_without_a_face(style_path, capsys):
    code, out, err = _run(["inspect", str(style_path), str(style_path)], capsys)
    assert code == 0, err
    assert "no face found" in out and "nothing to compare" in out


def test_inspect_writes_an_overlay(tmp_path, portrait_path, capsys):
    overlay = tmp_path / "masks.png"
    code, _, err = _run(["inspect", str(portrait_path), "--overlay", str(overlay)], capsys)
    assert code == 0, err
    image = read_image(overlay)
    assert image.width == 192 and image.height > 256


# -- controls, config files, rerun, show and study ------------------------------------------------


def _copy_inputs(tmp_path, face_path, style_path):
    content, style = tmp_path / "face.png", tmp_path / "style.png"
    content.write_bytes(face_path.read_bytes())
    style.write_bytes(style_path.read_bytes())
    return content, style


def test_several_styles_and_controls_are_recorded(tmp_path, face_path, style_path, capsys):
    out = tmp_path / "blend.png"
    code, _, err = _run(
        ["run", str(face_path), "--style", str(style_path), "--style", str(face_path), "--style-blend", "0.7,0.3",
         "--style-scale", "1.5", "--strength", "2", "--preserve-color", "histogram", "--region-style", "shared",
         "-o", str(out),
         "--size", "32", "--steps", "2", "--quiet"],
        capsys,
    )
    assert code == 0, err
    metadata = read_metadata(out)
    settings = metadata["settings"]
    assert settings["style_blend"] == [0.7, 0.3] and settings["style_scale"] == 1.5
    assert settings["strength"] == 2.0 and settings["preserve_color"] == "histogram"
    assert settings["region_style"] == "shared"
    assert [entry["path"] for entry in metadata["inputs"]["styles"]] == [
        os.path.relpath(style_path, tmp_path), os.path.relpath(face_path, tmp_path)]
    assert len(metadata["inputs"]["content"]["sha256"]) == 64


def test_recipe_flag_runs(tmp_path, face_path, style_path, capsys):
    out = tmp_path / "report.png"
    code, _, err = _run(
        ["run", str(face_path), str(style_path), "-o", str(out), "--recipe", "report", "--steps", "2", "--size", "32",
         "--quiet"],
        capsys,
    )
    assert code == 0, err
    assert read_metadata(out)["settings"]["recipe"] == "report"


def test_config_file_with_flags_overriding_it(tmp_path, face_path, style_path, capsys):
    content, style = _copy_inputs(tmp_path, face_path, style_path)
    config = tmp_path / "run.toml"
    config.write_text(
        'content = "face.png"\nstyle = "style.png"\noutput = "from-config.png"\nsize = 32\nsteps = 3\n'
        'style_layers = "shallow"\nbeta = 7.5\n',
        encoding="utf-8",
    )
    code, _, err = _run(["run", "--config", str(config), "--steps", "2", "--quiet"], capsys)
    assert code == 0, err
    settings = read_metadata(tmp_path / "from-config.png")["settings"]
    assert (settings["size"], settings["steps"], settings["beta"]) == (32, 2, 7.5)
    assert settings["style_layers"] == {"relu1_1": 0.5, "relu2_1": 0.4, "relu3_1": 0.1, "relu4_1": 0.0, "relu5_1": 0.0}


def test_rerun_makes_the_same_image_and_refuses_changed_inputs(tmp_path, face_path, style_path, capsys):
    content, style = _copy_inputs(tmp_path, face_path, style_path)
    out = tmp_path / "portrait.png"
    options = ["--size", "32", "--steps", "3", "--init", "content+noise", "--seed", "5", "--quiet"]
    assert _run(["run", str(content), str(style), "-o", str(out), *options], capsys)[0] == 0
    code, stdout, err = _run(["rerun", str(out), "--quiet"], capsys)
    assert code == 0, err
    assert f"identical to {out}" in stdout
    again = tmp_path / "portrait.rerun.png"
    assert np.array_equal(np.asarray(read_image(out)), np.asarray(read_image(again)))
    assert read_metadata(again)["settings"] == read_metadata(out)["settings"]

    style.write_bytes(face_path.read_bytes())
    code, _, err = _run(["rerun", str(out)], capsys)
    assert code == 2 and "has changed since" in err and err.count("\n") == 1
    code, _, err = _run(["rerun", str(out), "-o", str(out)], capsys)
    assert code == 2 and err.count("\n") == 1


def test_show_prints_a_config_that_runs_again(tmp_path, face_path, style_path, capsys):
    content, style = _copy_inputs(tmp_path, face_path, style_path)
    out = tmp_path / "portrait.png"
    assert _run(["run", str(content), str(style), "-o", str(out), "--size", "32", "--steps", "2", "--strength", "3",
                 "--quiet"], capsys)[0] == 0
    code, stdout, err = _run(["show", str(out)], capsys)
    assert code == 0, err
    config = tmp_path / "shown.toml"
    config.write_text(stdout, encoding="utf-8")
    second = tmp_path / "second.png"
    assert _run(["run", "--config", str(config), "-o", str(second), "--quiet"], capsys)[0] == 0
    assert read_metadata(second)["settings"] == read_metadata(out)["settings"]
    assert np.array_equal(np.asarray(read_image(out)), np.asarray(read_image(second)))


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
    code, out, err = _run(["inspect", str(portrait_path), *extra], capsys)
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert out == ""


def test_inspect_refuses_a_result_of_another_shape(tmp_path, portrait_path, capsys):
    square = tmp_path / "square.png"
    Image.new("RGB", (200, 200)).save(square)
    code, _, err = _run(["inspect", str(portrait_path), str(square)], capsys)
    assert code == 2 and "another aspect ratio" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--style-blend=-1,2"], "negative"),
        (["--style-blend", "0,0"], "add up to zero"),
        (["--style-blend", "1,1,1"], "3 weights for 1 style image"),
        (["--strength", "20"], "strength must be between 0 and 10"),
        (["--method", "adain", "--strength", "2"], "between 0 and 1 for method adain"),
        (["--style-scale", "0"], "style_scale must be between"),
        (["--preserve-color", "lab"], "invalid choice: 'lab'"),
        (["--region-style", "eyes"], "invalid choice: 'eyes'"),
        (["--style-layers", "relu1_1=0,relu2_1=0"], "add up to zero"),
        (["--config", "/nonexistent/run.toml"], "does not exist"),
    ],
)
def test_bad_control_values(extra, message, tmp_path, face_path, style_path, capsys):
    out = tmp_path / "out.png"
    code, _, err = _run(["run", str(face_path), str(style_path), "-o", str(out), "--size", "32", "--steps", "1", *extra],
                        capsys)
    assert code == 2
    assert message in err and err.count("\n") == 1, err
    assert not out.exists()


def test_unknown_config_key_is_one_line_with_a_hint(tmp_path, face_path, style_path, capsys):
    config = tmp_path / "run.toml"
    config.write_text("strenght = 2\n", encoding="utf-8")
    code, _, err = _run(["run", str(face_path), str(style_path), "-o", str(tmp_path / "o.png"), "--config", str(config)],
                        capsys)
    assert code == 2 and "did you mean 'strength'" in err and err.count("\n") == 1


def test_missing_inputs_are_one_line(tmp_path, capsys):
    code, _, err = _run(["run", "-o", str(tmp_path / "o.png")], capsys)
    assert code == 2 and "no CONTENT image" in err and err.count("\n") == 1


def test_study_command_writes_sheet_tables_and_plot(tmp_path, face_path, style_path, capsys):
    folder = tmp_path / "study"
    code, _, err = _run(
        ["study", str(face_path), str(style_path), "-o", str(folder), "--layers", "deep", "--ratios", "40:10",
         "--size", "32", "--steps", "2", "--scales", "1"],
        capsys,
    )
    assert code == 0, err
    for name in ("sheet.png", "study.md", "study.csv", "costs.png", "cells/layers-deep.png", "cells/ratio-40-10.json"):
        assert (folder / name).is_file(), name
    assert "2 run" in err
    code, _, err = _run(
        ["study", str(face_path), str(style_path), "-o", str(folder), "--layers", "deep", "--ratios", "40:10",
         "--size", "32", "--steps", "2", "--scales", "1", "--quiet"],
        capsys,
    )
    assert code == 0 and "0 run" in err and "2 already done" in err


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
    code, _, err = _run(["study", str(face_path), str(style_path), "-o", str(folder), *extra], capsys)
    assert code == 2 and message in err and err.count("\n") == 1, err
    assert not folder.exists()


def test_forced_bf16_on_a_cpu_that_emulates_it_is_said_once_before_the_run(tmp_path, face_path, style_path, capsys, monkeypatch):
    from facestyle.features import encoder as engine

    monkeypatch.setattr(engine, "cpu_has_native_bf16", lambda: False)
    out = tmp_path / "o.png"
    argv = ["run", str(face_path), str(style_path), "-o", str(out), "--size", "32", "--steps", "1", "--quiet",
            "--device", "cpu", "--precision", "bf16"]
    code, _, err = _run(argv, capsys)
    assert code == 0 and out.exists()
    assert err.count("no native bf16") == 1 and "--precision auto" in err
